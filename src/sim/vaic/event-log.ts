/**
 * @module sim/vaic/event-log
 * The simulator's record of a call: every message in both directions, every protocol violation and warning, and
 * notes about what the simulated caller "did" (heard, barged in, dropped), each stamped with milliseconds since the
 * first connect and the socket it happened on (a resume opens socket 2). Tests read `entries`; people read
 * {@link formatLog}, which folds runs of audio chunks into one line so a call stays readable.
 */
import { base64ByteLength } from './bot-messages'

export type Direction = 'out' | 'in' | 'note' | 'violation' | 'warning'

/** Why the simulator considers the bot wrong. */
export type ViolationRule =
  | 'binary-frame'
  | 'invalid-json'
  | 'not-an-object'
  | 'unknown-type'
  | 'schema'
  | 'bot-session-end'
  | 'activity'
  | 'out-of-order'
  | 'unsolicited'
  | 'timeout'
  | 'conversation-id-mismatch'
  | 'chunk-before-start'
  | 'stream-id-mismatch'
  | 'two-streams-open'
  | 'stream-id-reused'
  | 'format-not-offered'
  | 'bad-audio'
  | 'resume-format-changed'
  | 'bot-closed'
  | 'validation-failed'

export type LogEntry = {
  /** Position in the log, from 0. */
  readonly seq: number
  /** Milliseconds since the simulator first connected (fractional). */
  readonly t: number
  /** 1 for the first socket, 2 for the socket of the first resume, … */
  readonly socket: number
  readonly dir: Direction
  /** The message type for `in`/`out`; a short kind for notes (e.g. `barge-in`); the rule for violations. */
  readonly type: string
  /** The parsed message (in/out), or the offending message when it parsed. */
  readonly message?: Readonly<Record<string, unknown>>
  /** The raw frame when it could not be parsed (truncated to 2000 characters). */
  readonly raw?: string
  /** Human text for notes, warnings and violations. */
  readonly text?: string
}

export type Violation = {
  readonly t: number
  readonly socket: number
  readonly rule: ViolationRule
  readonly detail: string
  /** The offending message: parsed when possible, raw text otherwise. */
  readonly message?: Readonly<Record<string, unknown>> | string
}

type Listener = () => void

export class EventLog {
  readonly entries: LogEntry[] = []
  readonly violations: Violation[] = []
  readonly warnings: LogEntry[] = []
  private readonly listeners = new Set<Listener>()

  constructor(private readonly now: () => number) {}

  add(e: Omit<LogEntry, 'seq' | 't'> & { t?: number }): LogEntry {
    const entry: LogEntry = { ...e, seq: this.entries.length, t: e.t ?? this.now() }
    this.entries.push(entry)
    if (entry.dir === 'warning') this.warnings.push(entry)
    this.notify()
    return entry
  }

  violation(socket: number, rule: ViolationRule, detail: string, message?: Readonly<Record<string, unknown>> | string): Violation {
    const t = this.now()
    const v: Violation = message === undefined ? { t, socket, rule, detail } : { t, socket, rule, detail, message }
    this.violations.push(v)
    this.add({
      t,
      socket,
      dir: 'violation',
      type: rule,
      text: detail,
      ...(typeof message === 'string' ? { raw: message.slice(0, 2000) } : message ? { message } : {}),
    })
    return v
  }

  /** Calls `fn` after every new entry (and when the simulator's state changes without one) until unsubscribed. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  notify(): void {
    for (const fn of [...this.listeners]) fn()
  }
}

/** Keys of chunk messages whose payload would drown the log. */
const CHUNK_TYPES = new Set(['userStream.chunk', 'playStream.chunk'])

/** One line for a message body, with audio replaced by its size. */
export function summarise(msg: Readonly<Record<string, unknown>>): string {
  const rest: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(msg)) {
    if (k === 'type' || k === 'conversationId') continue
    rest[k] = k === 'audioChunk' && typeof v === 'string' ? `<${v.length} b64 chars>` : v
  }
  const body = JSON.stringify(rest)
  return body === '{}' ? '' : body.length > 400 ? body.slice(0, 400) + '…' : body
}

const ARROW: Record<Direction, string> = { out: '→', in: '←', note: '·', violation: '✗', warning: '!' }

export type FormatOptions = {
  /** Print every chunk instead of folding runs of them (default false). */
  readonly chunks?: boolean
}

/**
 * The log as text, one line per entry: `  +1234.5 ms #1 → type {body}`. `→` is simulator→bot, `←` bot→simulator,
 * `✗` a violation, `!` a warning, `·` a note. Consecutive chunks of one stream fold into `×N` lines.
 */
export function formatLog(entries: readonly LogEntry[], options: FormatOptions = {}): string {
  const lines: string[] = []
  const stamp = (e: LogEntry) => `${('+' + e.t.toFixed(1)).padStart(9)} ms #${e.socket}`
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!
    if (!options.chunks && (e.dir === 'in' || e.dir === 'out') && CHUNK_TYPES.has(e.type)) {
      const stream = e.message?.streamId
      let j = i
      let bytes = 0
      while (j < entries.length) {
        const f = entries[j]!
        if (f.dir !== e.dir || f.type !== e.type || f.message?.streamId !== stream || f.socket !== e.socket) break
        const a = f.message?.audioChunk
        if (typeof a === 'string') bytes += base64ByteLength(a)
        j++
      }
      const last = entries[j - 1]!
      const count = j - i
      const idPart = typeof stream === 'string' ? ` ${JSON.stringify(stream)}` : ''
      lines.push(`${stamp(e)} ${ARROW[e.dir]} ${e.type}${idPart} ×${count} (${bytes} bytes, until +${last.t.toFixed(1)} ms)`)
      i = j - 1
      continue
    }
    const body = e.message ? summarise(e.message) : ''
    const parts = [stamp(e), ARROW[e.dir], e.type]
    if (e.text) parts.push(e.text)
    if (body) parts.push(body)
    if (e.raw !== undefined && !e.message) parts.push(JSON.stringify(e.raw.slice(0, 200)))
    lines.push(parts.join(' '))
  }
  return lines.join('\n')
}
