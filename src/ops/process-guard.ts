/**
 * @module ops/process-guard
 * The last line of defence: a promise rejection nobody handled, or an exception thrown from a timer or a socket
 * callback, is logged and counted and the process keeps serving. Such a failure belongs to one call or one job; every
 * other call must go on. Known paths catch their own errors where they happen; this is for the ones we missed (and
 * the counter says so: it should stay at 0).
 */
import type { Logger } from './log'
import type { Counter } from './metrics'

export type ProcessGuard = { readonly uninstall: () => void }

export function installProcessGuard(log: Logger, counter: Counter): ProcessGuard {
  const onRejection = (reason: unknown) => {
    counter.inc({ kind: 'unhandled-rejection' })
    log.error('process.unhandled_rejection', { err: reason })
  }
  const onException = (err: unknown) => {
    counter.inc({ kind: 'uncaught-exception' })
    log.error('process.uncaught_exception', { err })
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    uninstall: () => {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}
