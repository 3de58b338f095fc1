/**
 * @module config/business/load
 * Reads `FASTAGENT_CONFIG`: one business file (YAML through Bun's parser, or JSON), or a folder of them (one tenant
 * per file, named by the file unless it says `tenant.id`; a single file is the tenant "default", so the rows of a
 * setup from before tenants stay its own). Every problem of every file is reported by file and path, and so are
 * clashes between files (config/business/tenants); nothing is half-loaded.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { BusinessFileSchema } from './schema'
import { schemaProblems, type FileProblem } from './problems'
import { resolveBusiness, type Env } from './resolve'
import type { Business } from './business'
import { tenantConflicts } from './tenants'
import { DEFAULT_TENANT } from '../../store/tenant'

export type FileResult = { ok: true; business: Business } | { ok: false; source: string; problems: FileProblem[] }
export type LoadResult = { ok: true; businesses: Business[] } | { ok: false; failures: Extract<FileResult, { ok: false }>[] }

const EXTENSIONS = new Set(['.yaml', '.yml', '.json'])
const MAX_BYTES = 1 << 20

/** Parses and validates one file's text (exported for tests and `config example`). */
export function parseBusinessText(text: string, source: string, id: string, env: Env = {}): FileResult {
  const fail = (reason: string): FileResult => ({ ok: false, source, problems: [{ path: '(file)', reason }] })
  let value: unknown
  try {
    value = extname(source).toLowerCase() === '.json' ? JSON.parse(text) : Bun.YAML.parse(text)
  } catch (err) {
    const what = extname(source).toLowerCase() === '.json' ? 'JSON' : 'YAML'
    return fail(`is not valid ${what}: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (value === null || value === undefined) return fail('is empty')
  if (typeof value !== 'object' || Array.isArray(value)) return fail('must be a mapping with business, hours, services …')
  const problems = schemaProblems(BusinessFileSchema, value)
  if (problems.length > 0) return { ok: false, source, problems }
  const r = resolveBusiness(value as never, id, source, env)
  return r.ok ? r : { ok: false, source, problems: r.problems }
}

export function loadBusinessFile(path: string, id: string = basename(path, extname(path)).toLowerCase(), env: Env = process.env): FileResult {
  let text: string
  try {
    if (statSync(path).size > MAX_BYTES) return { ok: false, source: path, problems: [{ path: '(file)', reason: 'is larger than 1 MiB' }] }
    text = readFileSync(path, 'utf8')
  } catch (err) {
    const code = (err as { code?: string }).code
    return { ok: false, source: path, problems: [{ path: '(file)', reason: code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read (${code ?? 'error'})` }] }
  }
  return parseBusinessText(text, path, id, env)
}

/** A file, or every business file in a folder (sorted by name; at least one). `env` resolves `tenant.bot_token_env`. */
export function loadBusinesses(path: string, env: Env = process.env): LoadResult {
  let files: string[]
  let folder = false
  try {
    folder = statSync(path).isDirectory()
    files = folder
      ? readdirSync(path)
          .filter((f) => EXTENSIONS.has(extname(f).toLowerCase()) && !f.startsWith('.'))
          .sort()
          .map((f) => join(path, f))
      : [path]
  } catch (err) {
    const code = (err as { code?: string }).code
    return { ok: false, failures: [{ ok: false, source: path, problems: [{ path: '(file)', reason: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? 'error'})` }] }] }
  }
  if (files.length === 0) return { ok: false, failures: [{ ok: false, source: path, problems: [{ path: '(folder)', reason: 'has no .yaml, .yml or .json business files' }] }] }
  const results = files.map((f) => loadBusinessFile(f, folder ? basename(f, extname(f)).toLowerCase() : DEFAULT_TENANT, env))
  const failures = results.filter((r): r is Extract<FileResult, { ok: false }> => !r.ok)
  if (failures.length > 0) return { ok: false, failures }
  const businesses = results.flatMap((r) => (r.ok ? [r.business] : []))
  const clashes = tenantConflicts(businesses)
  if (clashes.length > 0) return { ok: false, failures: [{ ok: false, source: path, problems: clashes.map((reason) => ({ path: '(tenants)', reason })) }] }
  return { ok: true, businesses }
}
