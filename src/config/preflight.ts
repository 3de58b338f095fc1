/**
 * @module config/preflight
 * The checks of `serve` that look at the file system (TLS files, DATABASE_PATH), run after {@link loadConfig} and
 * before anything is opened or created, so a bad path exits 78 leaving nothing behind.
 */
import type { Config } from './schema'
import type { ConfigProblem } from './load'
import { checkDatabasePath } from './database-path'
import { checkTlsFiles } from './tls-files'

export function preflight(config: Config): ConfigProblem[] {
  return [...checkTlsFiles(config.TLS_CERT_FILE, config.TLS_KEY_FILE), ...(config.DATABASE_URL === undefined ? checkDatabasePath(config.DATABASE_PATH) : [])]
}

/** A configured file that passed preflight but still failed when opened (corrupt database, read-only mount…). */
export class ConfigFileError extends Error {
  constructor(readonly problem: ConfigProblem) {
    super(`${problem.variable} ${problem.reason}`)
    this.name = 'ConfigFileError'
  }
}
