/**
 * @module config/business/directory
 * The businesses this process serves, as one immutable version at a time. `reload()` (SIGHUP) reads the file or
 * folder again: a valid result becomes the new version for calls that start from then on (live calls keep the
 * {@link Business} they were given); an invalid one is refused and the old version stays.
 */
import type { Config } from '../schema'
import type { Business } from './business'
import { businessFromEnv } from './from-env'
import { loadBusinesses, type LoadResult } from './load'
import { formatFileProblems } from './problems'
import { businessForNumber, selectBusiness, type CallAddress, type Selected } from './tenants'

export type BusinessVersion = { readonly version: number; readonly businesses: readonly Business[]; readonly loadedAt: number }
export type Opened = { ok: true; directory: BusinessDirectory } | { ok: false; message: string }
export type Reloaded = { ok: true; version: number; businesses: number } | { ok: false; message: string }

export function describeFailures(r: Extract<LoadResult, { ok: false }>): string {
  return r.failures.map((f) => formatFileProblems(f.source, f.problems)).join('\n')
}

export class BusinessDirectory {
  private current: BusinessVersion

  private constructor(
    private readonly path: string | undefined,
    businesses: readonly Business[],
    private readonly now: () => number,
  ) {
    this.current = { version: 1, businesses, loadedAt: now() }
  }

  /** From `FASTAGENT_CONFIG` when set, else from the `BUSINESS_*` variables. */
  static open(config: Config, now: () => number = Date.now): Opened {
    const path = config.FASTAGENT_CONFIG
    if (path === undefined) return { ok: true, directory: new BusinessDirectory(undefined, [businessFromEnv(config)], now) }
    const r = loadBusinesses(path)
    if (!r.ok) return { ok: false, message: describeFailures(r) }
    return { ok: true, directory: new BusinessDirectory(path, r.businesses, now) }
  }

  /** A fixed set (tests, the demo). */
  static of(businesses: readonly Business[], now: () => number = Date.now): BusinessDirectory {
    return new BusinessDirectory(undefined, businesses, now)
  }

  get version(): BusinessVersion {
    return this.current
  }

  get reloadable(): boolean {
    return this.path !== undefined
  }

  /** `refuse`: a reason the process cannot serve the new version (checked after the files), which is then refused. */
  reload(refuse?: (businesses: readonly Business[]) => string | undefined): Reloaded {
    if (this.path === undefined) return { ok: false, message: 'no FASTAGENT_CONFIG file to reload (the BUSINESS_* variables are read at start only)' }
    const r = loadBusinesses(this.path)
    if (!r.ok) return { ok: false, message: describeFailures(r) }
    const why = refuse?.(r.businesses)
    if (why !== undefined) return { ok: false, message: why }
    this.current = { version: this.current.version + 1, businesses: r.businesses, loadedAt: this.now() }
    return { ok: true, version: this.current.version, businesses: r.businesses.length }
  }

  /** The first business (what process-wide settings such as the console's clock and the calendar follow). */
  pick(): Business | undefined {
    return this.current.businesses[0]
  }

  /**
   * The business a new call is for, chosen at session.initiate from its bot name or number (config/business/tenants)
   * in the current version; the call keeps the object it gets. Not ok: no business answers it (session.error).
   */
  select(address: CallAddress): Selected {
    return selectBusiness(this.current.businesses, address)
  }

  /**
   * The business an inbound text (or a webhook naming a number) is for: the one whose SMS sender or number it was
   * sent to; else, with a single business, that one; else the one that takes unclaimed calls.
   */
  forNumber(to: string | undefined): Business | undefined {
    const all = this.current.businesses
    return businessForNumber(all, to) ?? (all.length === 1 ? all[0] : all.find((b) => b.tenant.botNames.length === 0 && b.tenant.numbers.length === 0))
  }

  byId(id: string): Business | undefined {
    return this.current.businesses.find((b) => b.id === id)
  }
}
