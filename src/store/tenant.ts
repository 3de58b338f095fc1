/**
 * @module store/tenant
 * Which business a row belongs to. One process may serve several businesses (a folder of business files); every
 * call, appointment, SMS, callback, message, task and outbox row names its tenant. Rows from before tenants existed,
 * and every single-file or `BUSINESS_*` setup, belong to {@link DEFAULT_TENANT}.
 *
 * A repository bound to a tenant reads only that tenant's rows and writes its id; one bound to none (the operator
 * console, start-up recovery, the outbox runner) reads every tenant's rows and writes the default tenant's id.
 */
export const DEFAULT_TENANT = 'default'

/** The `WHERE` fragment of a tenant-bound read: `$tenant` NULL (unbound) matches every tenant. */
export const tenantClause = (column = 'tenant_id') => `(CAST($tenant AS TEXT) IS NULL OR ${column} = $tenant)`
