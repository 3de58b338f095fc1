import { describe, expect, test } from 'bun:test'
import { base64ByteLength, checkActivity, parseBotMessage, STRICT_BASE64, type BotActivity } from './bot-messages'

const ok = (m: unknown) => parseBotMessage(JSON.stringify(m))

describe('parseBotMessage accepts the spec examples', () => {
  const valid: unknown[] = [
    { type: 'connection.validated', success: true },
    { type: 'session.accepted', mediaFormat: 'raw/lpcm16' },
    { type: 'session.error', reason: 'No common media format' },
    { type: 'session.error', conversationId: 'c1', reason: 'conversation not found' },
    { type: 'userStream.started' },
    { type: 'userStream.stopped', conversationId: 'c1' },
    { type: 'userStream.speech.started' },
    { type: 'userStream.speech.stopped', participant: 'caller' },
    { type: 'userStream.speech.committed' },
    { type: 'userStream.speech.hypothesis', alternatives: [{ text: 'i would like to' }] },
    { type: 'userStream.speech.recognition', alternatives: [{ text: 'i would like to pay my bill', confidence: 0.91 }] },
    { type: 'playStream.start', streamId: 'play-3', mediaFormat: 'raw/lpcm16_24', altText: 'Sure, one moment.' },
    { type: 'playStream.chunk', streamId: 'play-3', audioChunk: '//8AAP7/' },
    { type: 'playStream.stop', streamId: 'play-3' },
    { type: 'activities', activities: [{ type: 'event', name: 'hangup', activityParams: { hangupReason: 'conversation-complete' } }] },
    { type: 'activities', activities: [{ type: 'message', text: 'hello' }] },
  ]
  for (const m of valid) test(JSON.stringify(m).slice(0, 90), () => expect(ok(m)).toEqual({ ok: true, msg: m as never }))
})

describe('parseBotMessage rejects', () => {
  const cases: [string, unknown, string][] = [
    ['extra properties', { type: 'userStream.started', extra: 1 }, 'schema'],
    ['accepted without mediaFormat', { type: 'session.accepted' }, 'schema'],
    ['validated without success', { type: 'connection.validated' }, 'schema'],
    ['recognition without confidence', { type: 'userStream.speech.recognition', alternatives: [{ text: 'x' }] }, 'schema'],
    ['confidence as a string', { type: 'userStream.speech.recognition', alternatives: [{ text: 'x', confidence: '0.9' }] }, 'schema'],
    ['empty alternatives', { type: 'userStream.speech.hypothesis', alternatives: [] }, 'schema'],
    ['top-level recognition text (Deepgram style)', { type: 'userStream.speech.recognition', text: 'x', confidence: 1 }, 'schema'],
    ['play start without mediaFormat', { type: 'playStream.start', streamId: '1' }, 'schema'],
    ['numeric streamId', { type: 'playStream.stop', streamId: 1 }, 'schema'],
    ['empty activities', { type: 'activities', activities: [] }, 'schema'],
    ['activity with VAIC-only fields', { type: 'activities', activities: [{ type: 'event', name: 'hangup', parameters: {} }] }, 'schema'],
    ['session.end', { type: 'session.end', reasonCode: 'x' }, 'bot-session-end'],
    ['unknown type', { type: 'playStream.mark.set' }, 'unknown-type'],
    ['no type', { streamId: '1' }, 'schema'],
  ]
  for (const [name, m, rule] of cases) {
    test(name, () => {
      const r = ok(m)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.rule).toBe(rule as never)
    })
  }
  test('non-JSON, non-object and binary frames', () => {
    expect(parseBotMessage('{nope')).toMatchObject({ ok: false, rule: 'invalid-json' })
    expect(parseBotMessage('[1]')).toMatchObject({ ok: false, rule: 'not-an-object' })
    expect(parseBotMessage(Buffer.from('{}'))).toMatchObject({ ok: false, rule: 'binary-frame' })
  })
})

describe('checkActivity', () => {
  const c = (a: BotActivity) => checkActivity(a)
  test('known events with valid parameters', () => {
    expect(c({ type: 'event', name: 'transfer', activityParams: { transferTarget: 'tel:+18005550100', handoverReason: 'x', transferSipHeaders: [{ name: 'X-Case-Id', value: 'A-1' }] } })).toEqual({ ok: true, known: true })
    expect(c({ type: 'event', name: 'transfer', activityParams: { transferTarget: 'sip:agent@pbx.example.com' } })).toEqual({ ok: true, known: true })
    expect(c({ type: 'event', name: 'config', sessionParams: { bargeIn: true, sendDTMF: true, sendEventsToBot: ['playFinished'], userNoInputTimeoutMS: 8000, custom: 'x' } })).toEqual({ ok: true, known: true })
    expect(c({ type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: '1234#' } })).toEqual({ ok: true, known: true })
    expect(c({ type: 'event', name: 'playUrl', activityParams: { playUrlUrl: 'https://cdn.example.com/hold.wav', playUrlMediaFormat: 'wav/lpcm16' } })).toEqual({ ok: true, known: true })
    expect(c({ type: 'event', name: 'hangup' })).toEqual({ ok: true, known: true })
  })
  test('unknown events are flagged as unknown, not invalid', () => {
    expect(c({ type: 'event', name: 'frobnicate' })).toEqual({ ok: true, known: false })
  })
  test('invalid parameters', () => {
    const bad: BotActivity[] = [
      { type: 'event' },
      { type: 'message' },
      { type: 'event', name: 'transfer' },
      { type: 'event', name: 'transfer', activityParams: { transferTarget: '+18005550100' } },
      { type: 'event', name: 'transfer', activityParams: { transferTarget: 'tel:+1', transferSipHeaders: [{ name: 'bad header', value: 'x' }] } },
      { type: 'event', name: 'transfer', activityParams: { transferTarget: 'tel:+1', transferTo: 'x' } },
      { type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: '12a' } },
      { type: 'event', name: 'sendDtmf', activityParams: { dtmfDigits: '' } },
      { type: 'event', name: 'config' },
      { type: 'event', name: 'config', sessionParams: { sendEventsToBot: 'playFinished' } },
      { type: 'event', name: 'hangup', activityParams: { hangupReason: 5 } },
      { type: 'event', name: 'hangup', text: 'bye' },
      { type: 'event', name: 'playUrl', activityParams: { playUrlUrl: 'ftp://x' } },
    ]
    for (const a of bad) expect(c(a).ok, JSON.stringify(a)).toBe(false)
  })
})

test('strict base64', () => {
  for (const good of ['AAAA', 'AAE=', 'AA==', '//8AAP7/']) expect(STRICT_BASE64.test(good)).toBe(true)
  for (const bad of ['', 'A', 'AAA', 'AA=A', 'AA-_', 'AAAA ', 'AAAAA===']) expect(STRICT_BASE64.test(bad)).toBe(false)
  expect(base64ByteLength('AAE=')).toBe(2)
  expect(base64ByteLength('AA==')).toBe(1)
  expect(base64ByteLength('//8AAP7/')).toBe(6)
})
