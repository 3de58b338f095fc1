/**
 * @module ops/log
 * Structured logs: one JSON object per line (`t`, `level`, `event`, then fields), masked by {@link maskFields}.
 * Call-scoped loggers are made with `child({ callId })`. Never used on the per-frame audio path.
 */
import { maskFields } from './mask'

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'
export type Fields = Record<string, unknown>

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 }

export interface Logger {
  debug(event: string, fields?: Fields): void
  info(event: string, fields?: Fields): void
  warn(event: string, fields?: Fields): void
  error(event: string, fields?: Fields): void
  child(fields: Fields): Logger
  enabled(level: LogLevel): boolean
}

export type LogSink = (line: string) => void

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n')
}

/** @example const log = createLogger({ level: 'info' }); log.child({ callId }).info('call.started', { caller }) */
export function createLogger(opts: { level: LogLevel; sink?: LogSink; now?: () => number; base?: Fields }): Logger {
  const sink = opts.sink ?? stdoutSink
  const now = opts.now ?? Date.now
  const min = RANK[opts.level]
  const make = (base: Fields): Logger => {
    const write = (level: Exclude<LogLevel, 'silent'>, event: string, fields?: Fields) => {
      if (RANK[level] < min) return
      const masked = maskFields({ ...base, ...fields }) as Fields
      let line: string
      try {
        line = JSON.stringify({ t: new Date(now()).toISOString(), level, event, ...masked })
      } catch {
        line = JSON.stringify({ t: new Date(now()).toISOString(), level, event, note: 'unserializable fields' })
      }
      sink(line)
    }
    return {
      debug: (e, f) => write('debug', e, f),
      info: (e, f) => write('info', e, f),
      warn: (e, f) => write('warn', e, f),
      error: (e, f) => write('error', e, f),
      child: (fields) => make({ ...base, ...fields }),
      enabled: (level) => RANK[level] >= min,
    }
  }
  return make(opts.base ?? {})
}

/** A logger that keeps lines in memory (tests, the demo's log file). */
export function memoryLogger(level: LogLevel = 'debug'): { log: Logger; lines: string[]; entries: () => Fields[] } {
  const lines: string[] = []
  const log = createLogger({ level, sink: (l) => lines.push(l) })
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Fields) }
}
