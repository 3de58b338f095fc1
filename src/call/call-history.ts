/**
 * @module call/call-history
 * What the caller and the bot said in this call (what the caller actually heard, cut at barge-ins), bounded, and the
 * replay a new model session gets after a reconnect or rotation: the last turns verbatim, older ones folded into one
 * summary note, and the open tasks.
 */
import type { ReplayItem } from '../realtime/protocol'
import { callerText, type SpokenLine } from './spoken-line'

const LIMIT = 200
const KEEP_VERBATIM = 24
const SUMMARY_CHARS = 6000

export class CallHistory {
  private readonly items: ReplayItem[] = []

  constructor(prior: readonly ReplayItem[] = []) {
    this.items.push(...prior)
  }

  push(item: ReplayItem): void {
    this.items.push(item)
    if (this.items.length > LIMIT) this.items.splice(0, this.items.length - LIMIT)
  }

  /**
   * The conversation for a new model session; `openTasks` are the status lines of the tasks still open (our words, a
   * system note). Older turns are folded into one quoted transcript: it holds the caller's words, so it is data (a
   * user item), never a system note.
   */
  replay(openTasks: readonly SpokenLine[]): ReplayItem[] {
    const items = this.items
    const note: ReplayItem[] = openTasks.length > 0 ? [{ role: 'system', text: `Open tasks continue:\n${openTasks.map((l) => l.text).join('\n')}` }] : []
    if (items.length <= KEEP_VERBATIM) return [...items, ...note]
    const older = items.slice(0, items.length - KEEP_VERBATIM)
    const summary = older.map((i) => `${i.role === 'user' ? 'Caller' : i.role === 'assistant' ? 'You' : 'Note'}: ${i.text}`).join('\n')
    return [{ role: 'user', text: callerText(`(Transcript of earlier in this call, quoted for reference:)\n${summary.slice(-SUMMARY_CHARS)}`) }, ...items.slice(-KEEP_VERBATIM), ...note]
  }
}
