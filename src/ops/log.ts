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
  return new JsonLogger({ sink: opts.sink ?? stdoutSink, now: opts.now ?? Date.now, min: RANK[opts.level] }, opts.base ?? {})
}

type LogCore = { readonly sink: LogSink; readonly now: () => number; readonly min: number }

/**
 * Methods on the prototype, not closures per logger: every call makes child loggers, and a logger of closures costs
 * seven functions and their scope per call (memory per call, README "Performance").
 */
class JsonLogger implements Logger {
  constructor(
    private readonly core: LogCore,
    private readonly base: Fields,
  ) {}

  debug(event: string, fields?: Fields): void {
    this.write('debug', event, fields)
  }

  info(event: string, fields?: Fields): void {
    this.write('info', event, fields)
  }

  warn(event: string, fields?: Fields): void {
    this.write('warn', event, fields)
  }

  error(event: string, fields?: Fields): void {
    this.write('error', event, fields)
  }

  child(fields: Fields): Logger {
    return new JsonLogger(this.core, { ...this.base, ...fields })
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.core.min
  }

  private write(level: Exclude<LogLevel, 'silent'>, event: string, fields?: Fields): void {
    const { min, now, sink } = this.core
    if (RANK[level] < min) return
    const masked = maskFields({ ...this.base, ...fields }) as Fields
    let line: string
    try {
      line = JSON.stringify({ t: new Date(now()).toISOString(), level, event, ...masked })
    } catch {
      line = JSON.stringify({ t: new Date(now()).toISOString(), level, event, note: 'unserializable fields' })
    }
    sink(line)
  }
}

/** A logger that keeps lines in memory (tests, the demo's log file). */
export function memoryLogger(level: LogLevel = 'debug'): { log: Logger; lines: string[]; entries: () => Fields[] } {
  const lines: string[] = []
  const log = createLogger({ level, sink: (l) => lines.push(l) })
  return { log, lines, entries: () => lines.map((l) => JSON.parse(l) as Fields) }
}
