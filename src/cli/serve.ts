/**
 * @module cli/serve
 * `fastagent serve`: validate the environment and the files it names (exit 78 naming every bad variable, before
 * anything is created), start the server, and on
 * SIGTERM/SIGINT drain and exit 0. Resolves with the process exit status.
 */
import { EXIT_CONFIG, formatProblems, loadConfig, REQUIRED_FOR_SERVE } from '../config/load'
import { ConfigFileError, preflight } from '../config/preflight'
import { BusinessDirectory } from '../config/business/directory'
import { calendarProblems } from '../calendar/tenant-booking'
import { PortInUseError, startServer } from '../server'
import { formatSecretProblems, secretProblems } from '../agents/declared/secrets'
import { sharedTokenProblem } from '../config/business/shared-token'
import { NO_TENANT_MATCH } from '../config/business/business'

export async function runServe(env: Record<string, string | undefined>): Promise<number> {
  const loaded = loadConfig(env, { require: REQUIRED_FOR_SERVE })
  if (!loaded.ok) {
    // Named together with the rest when it is certain already: no file, so the one business has no token of its own.
    const tokenless = (env.AUDIOCODES_BOT_TOKEN ?? '') === '' && (env.FASTAGENT_CONFIG ?? '') === ''
    const token = tokenless ? sharedTokenProblem([{ id: 'default', source: 'environment', tenant: NO_TENANT_MATCH }], undefined) : undefined
    process.stderr.write(formatProblems([...(token ? [token] : []), ...loaded.problems]) + '\n')
    return EXIT_CONFIG
  }
  const files = preflight(loaded.config)
  if (files.length > 0) {
    process.stderr.write(formatProblems(files) + '\n')
    return EXIT_CONFIG
  }
  const opened = BusinessDirectory.open(loaded.config)
  if (!opened.ok) {
    process.stderr.write(opened.message + '\n')
    return EXIT_CONFIG
  }
  // AUDIOCODES_BOT_TOKEN may be left unset only when every business has a token of its own.
  const token = sharedTokenProblem(opened.directory.version.businesses, loaded.config.AUDIOCODES_BOT_TOKEN)
  if (token !== undefined) {
    process.stderr.write(formatProblems([token]) + '\n')
    return EXIT_CONFIG
  }
  // Declared tasks sign their webhooks: every secret they name must be set.
  const secrets = secretProblems(opened.directory.version.businesses, env)
  if (secrets.length > 0) {
    process.stderr.write(formatSecretProblems(secrets) + '\n')
    return EXIT_CONFIG
  }
  // Every business's calendar (its section, else CALDAV_*) must resolve.
  const calendars = calendarProblems(opened.directory.version.businesses, loaded.config)
  if (calendars.length > 0) {
    process.stderr.write(`fastagent: invalid configuration: ${calendars.join('\n  ')}\n`)
    return EXIT_CONFIG
  }
  // SIGHUP reloads the business file(s); a bad file is logged and refused, the running version stays. Installed before
  // the server starts so a reload sent right after `server.ready` is never the default action (terminate).
  let hupBeforeReady = false
  let onHup = (): void => {
    hupBeforeReady = true
  }
  process.on('SIGHUP', () => onHup())
  let server
  try {
    server = await startServer(loaded.config, { businesses: opened.directory, secrets: env })
  } catch (err) {
    if (err instanceof PortInUseError) {
      process.stderr.write(`fastagent: ${err.message}\n`)
      return 1
    }
    if (err instanceof ConfigFileError) {
      process.stderr.write(formatProblems([err.problem]) + '\n')
      return EXIT_CONFIG
    }
    throw err
  }
  const running = server
  return new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      running.log.info('server.signal', { signal })
      running.shutdown(signal).then(
        () => resolve(0),
        (err: unknown) => {
          running.log.error('server.shutdown_failed', { err })
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
    onHup = () => {
      running.log.info('server.signal', { signal: 'SIGHUP' })
      running.reloadBusinesses()
    }
    if (hupBeforeReady) onHup()
  })
}
