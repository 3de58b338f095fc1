import { describe, expect, test } from 'bun:test'
import { ResponseSequencer } from './response-sequencer'
import type { ResponseCreate } from './protocol'
import { fixedLine, personalLine } from '../call/spoken-line'

function setup() {
  const sent: ResponseCreate[] = []
  let t = 0
  const s = new ResponseSequencer({ send: (e) => sent.push(e), now: () => t, createTimeoutMs: 1000 })
  return { s, sent, advance: (ms: number) => (t += ms) }
}

describe('ResponseSequencer', () => {
  test('never two creates in flight; coalesces same-kind requests; waits for response.done', () => {
    const { s, sent } = setup()
    s.request({ kind: 'free', purpose: 'tool:a' })
    s.request({ kind: 'free', purpose: 'tool:b' })
    s.request({ kind: 'free', purpose: 'update' })
    expect(sent).toHaveLength(1)
    s.onResponseCreated('r1')
    s.onResponseDone('r1')
    // the two queued while r1 ran go out as ONE create
    expect(sent).toHaveLength(2)
    expect(sent[1]?.response?.metadata).toEqual({ reason: 'tool:b,update', request: String(sent[1]?.event_id) })
    // the response is matched to the typed purposes of the requests it answers, through the echoed request id
    expect(s.onResponseCreated('r2', sent[1]?.event_id)).toEqual(['tool:b', 'update'])
    expect(s.purposesOf('r2')).toEqual(['tool:b', 'update'])
    expect(s.onResponseDone('r2')).toEqual(['tool:b', 'update'])
    expect(s.purposesOf('r2')).toEqual([])
  })

  test('a response the server started itself has no purposes', () => {
    const { s } = setup()
    expect(s.onResponseCreated('vad-1')).toEqual([])
    expect(s.onResponseDone('vad-1')).toEqual([])
    expect(s.onResponseCreated('vad-2', 'fa_rc_unknown')).toEqual([])
  })

  test('say requests become exact instructions with tools off, not merged with free ones', () => {
    const { s, sent } = setup()
    s.request({ kind: 'say', line: fixedLine('Hello.'), purpose: 'greeting' })
    s.request({ kind: 'free', purpose: 'tool:x' })
    expect(sent[0]?.response?.instructions).toBe('Say exactly: "Hello."')
    expect(sent[0]?.response?.tool_choice).toBe('none')
    s.onResponseCreated('r1')
    s.onResponseDone('r1')
    expect(sent[1]?.response?.instructions).toBeUndefined()
  })

  test('conversation_already_has_active_response re-queues and retries after the active response ends', () => {
    const { s, sent } = setup()
    s.request({ kind: 'free', purpose: 'tool:a' })
    const id = sent[0]?.event_id
    expect(s.onError('conversation_already_has_active_response', id)).toBe(true)
    expect(sent).toHaveLength(1)
    s.onResponseCreated('vad-1')
    s.onResponseDone('vad-1')
    expect(sent).toHaveLength(2)
    expect(sent[1]?.response?.metadata).toEqual({ reason: 'tool:a', request: String(sent[1]?.event_id) })
    // the refused create's id no longer matches anything: the retry is matched under its own id
    expect(s.onResponseCreated('r1', id)).toEqual([])
    expect(s.onResponseCreated('r2', sent[1]?.event_id)).toEqual(['tool:a'])
    expect(s.onError('some_other', 'not-ours')).toBe(false)
  })

  test('nothing is sent while the caller speaks', () => {
    const { s, sent } = setup()
    s.onSpeechStarted()
    s.request({ kind: 'free', purpose: 'update' })
    expect(sent).toHaveLength(0)
    s.onResponseCreated('vad')
    s.onResponseDone('vad')
    expect(sent).toHaveLength(1)
  })

  test('a create that never gets response.created is retried after the deadline', () => {
    const { s, sent, advance } = setup()
    s.request({ kind: 'free', purpose: 'x' })
    advance(999)
    s.tick()
    expect(sent).toHaveLength(1)
    advance(2)
    s.tick()
    expect(sent).toHaveLength(2)
    expect(sent[1]?.event_id).not.toBe(sent[0]?.event_id)
  })

  test('reset (new upstream session) keeps queued and in-flight requests', () => {
    const { s, sent } = setup()
    s.request({ kind: 'say', line: personalLine('A'), purpose: 'a' })
    s.reset()
    expect(s.queued).toBe(1)
    s.request({ kind: 'say', line: personalLine('B'), purpose: 'b' })
    expect(sent).toHaveLength(2)
    expect(sent[1]?.response?.instructions).toBe('Say exactly: "A B"')
    expect(s.idle).toBe(false)
  })

  test('a fixed line is its own response (never merged), and the response knows its line', () => {
    const { s, sent } = setup()
    s.request({ kind: 'free', purpose: 'tool' })
    s.request({ kind: 'say', line: fixedLine('Anything else?'), purpose: 'anything-else' })
    s.request({ kind: 'say', line: fixedLine('Goodbye.'), purpose: 'goodbye' })
    s.onResponseCreated('r1', sent[0]?.event_id)
    s.onResponseDone('r1')
    expect(sent[1]?.response?.instructions).toBe('Say exactly: "Anything else?"')
    expect(s.onResponseCreated('r2', sent[1]?.event_id)).toEqual(['anything-else'])
    expect(s.sayLineOf('r2')).toEqual(fixedLine('Anything else?'))
    expect(s.sayLineOf('r1')).toBeUndefined()
    s.onResponseDone('r2')
    expect(sent[2]?.response?.instructions).toBe('Say exactly: "Goodbye."')
  })

  test('a say played locally takes its turn in order and sends no create', () => {
    const sent: ResponseCreate[] = []
    const played: string[] = []
    const s = new ResponseSequencer({
      send: (e) => sent.push(e),
      now: () => 0,
      playLocal: (r) => {
        if (r.line.provenance !== 'fixed') return false
        played.push(r.line.text)
        // the lifecycle reacting to the line it just spoke: queued behind, sent once the pump gets to it
        if (r.purpose === 'closing') s.request({ kind: 'free', purpose: 'after' })
        return true
      },
    })
    s.request({ kind: 'free', purpose: 'tool' })
    s.request({ kind: 'say', line: fixedLine('Thank you for calling.'), purpose: 'closing' })
    // not yet: a response is on its way
    expect(played).toEqual([])
    s.onResponseCreated('r1', sent[0]?.event_id)
    s.onResponseDone('r1')
    expect(played).toEqual(['Thank you for calling.'])
    expect(sent).toHaveLength(2)
    expect(sent[1]?.response?.metadata).toEqual({ reason: 'after', request: String(sent[1]?.event_id) })
    // a personal line always goes to the model
    s.onResponseCreated('r2', sent[1]?.event_id)
    s.onResponseDone('r2')
    s.request({ kind: 'say', line: personalLine('Your appointment is at 10.'), purpose: 'closing' })
    expect(sent[2]?.response?.instructions).toBe('Say exactly: "Your appointment is at 10."')
  })
})
