/**
 * @module sim/realtime/ids
 * Server-chosen ids in the API's style (`event_…`, `item_…`, `resp_…`, `call_…`, `sess_…`, `conv_…`): a prefix and
 * 20 characters, here from a per-session counter so runs are reproducible and ids sort in creation order.
 */

export type IdKind = 'event' | 'item' | 'resp' | 'call' | 'sess' | 'conv'

export class IdSource {
  private n = 0
  /** `tag` tells sessions apart (several run in one emulator). */
  constructor(private readonly tag: string) {}
  next(kind: IdKind): string {
    this.n++
    return `${kind}_${this.tag}${this.n.toString(36).padStart(20 - this.tag.length, '0')}`
  }
}
