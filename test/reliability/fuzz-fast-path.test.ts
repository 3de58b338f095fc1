/**
 * The audio fast paths against the full validators, fast-check with fixed seeds, over mutated real frames: caller
 * chunks as the VoiceAI Connect simulator writes them (and in VAIC's documented field order, with `participant`),
 * deltas as the Realtime emulator writes them and as OpenAI does (with `event_id`), carrying real tone audio in every
 * format. Mutations: characters replaced (by JSON's structural characters, escapes, controls, padding, non-ASCII,
 * other base64), inserted, deleted; truncation; a field duplicated, dropped or moved; whitespace; key and type
 * misspelt; numbers rewritten.
 *
 * Property: whatever the fast path accepts, the full validator accepts with the same meaning (type, conversation,
 * audio; response, item, content index); so whatever the full validator rejects, the fast path rejects. Also proves
 * the fast path is not vacuous: it accepts every unmutated frame and a share of the mutated ones.
 */
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { mulawEncode } from '../../src/audio/mulaw'
import { pcm16ToBase64 } from '../../src/audio/pcm'
import { tone } from '../../src/audio/signal'
import { AudioDeltaScanner, parseServerEvent } from '../../src/realtime/protocol'
import { ChunkScanner, fastChunkAudio, parseInbound } from '../../src/telephony/audiocodes/messages'

const CONV = 'conv-6f1c0a9e-3b7d-4c1a-9f00-5e2b8d7c6a41'

const payloads = [
  pcm16ToBase64(tone(440, 20, 24000, 0.5)),
  pcm16ToBase64(tone(1000, 20, 16000, 0.3)),
  pcm16ToBase64(tone(700, 20, 8000, 0.3)),
  Buffer.from(mulawEncode(tone(300, 20, 8000, 0.4))).toString('base64'),
  Buffer.from([1, 2, 3, 4, 5]).toString('base64'), // padded
  Buffer.from([250, 251]).toString('base64'),
  '',
]

const chunkFrames = payloads.flatMap((p) => [
  JSON.stringify({ type: 'userStream.chunk', conversationId: CONV, audioChunk: p }),
  JSON.stringify({ type: 'userStream.chunk', audioChunk: p, conversationId: CONV, participant: 'caller' }),
])
const deltaFrames = payloads.flatMap((p, i) => [
  JSON.stringify({ type: 'response.output_audio.delta', response_id: `resp_${i}`, item_id: 'item_A', output_index: 0, content_index: 0, delta: p }),
  JSON.stringify({ type: 'response.output_audio.delta', event_id: `event_${i}x`, response_id: 'resp_B', item_id: `item_${i}`, output_index: 1, content_index: 0, delta: p }),
])

const ODD = ['"', '\\', '{', '}', ',', ':', ' ', '\n', '\t', '\u0000', '\u001f', '=', '==', '+', '/', '-', '_', 'é', '\u2028', '\ud800', 'A', 'z', '0', '9', 'null', 'true', '1.5', '1e2', '-1', '00', '"x"', '\\u0041', '\\"']

type Mutation = (s: string) => string
const at = (s: string, r: number) => Math.floor(r * (s.length + 1))
/** A position in the frame as a fraction of its length, uniform (fc.double is uniform over bit patterns, so ~0). */
const where = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_001)
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(where, fc.constantFrom(...ODD)).map(([r, c]): Mutation => (s) => s.slice(0, at(s, r)) + c + s.slice(at(s, r) + 1)),
  fc.tuple(where, fc.constantFrom(...ODD)).map(([r, c]): Mutation => (s) => s.slice(0, at(s, r)) + c + s.slice(at(s, r))),
  fc.tuple(where, fc.integer({ min: 1, max: 4 })).map(([r, n]): Mutation => (s) => s.slice(0, at(s, r)) + s.slice(at(s, r) + n)),
  where.map((r): Mutation => (s) => s.slice(0, at(s, r))),
  // Field-level: duplicate, drop or move a `"key":value` segment (the text between two top-level commas).
  fc.tuple(fc.nat(6), fc.constantFrom('dup', 'drop', 'move')).map(([k, how]): Mutation => (s) => {
    const parts = s.slice(1, -1).split(',')
    const i = k % parts.length
    const p = parts[i]!
    if (how === 'dup') parts.splice(i, 0, p)
    else if (how === 'drop') parts.splice(i, 1)
    else parts.push(...parts.splice(i, 1))
    return '{' + parts.join(',') + '}'
  }),
  fc.constantFrom<Mutation>(
    (s) => s.replace(':', ': '),
    (s) => ' ' + s,
    (s) => s + '\n',
    (s) => s.replace('conversationId', 'conversationID'),
    (s) => s.replace(CONV, CONV + 'x'),
    (s) => s.replace(CONV, CONV.slice(0, -1)),
    (s) => s.replace('userStream.chunk', 'userStream.chunks'),
    (s) => s.replace('response.output_audio.delta', 'response.output_audio.done'),
    (s) => s.replace('"content_index":0', '"content_index":"0"'),
    (s) => s.replace('"content_index":0', '"content_index":0.0'),
    (s) => s.replace('"content_index":0', '"content_index":-0'),
    (s) => s.replace('"content_index":0', '"content_index":00'),
    (s) => s.replace('"content_index":0', '"content_index":01'),
    (s) => s.replace('"content_index":0', '"content_index":12345678901'),
    (s) => s.replace('"output_index":0', '"output_index":null'),
    (s) => s.replace('"item_id":"', '"item_id":"\\u0069'),
    (s) => s.replace('"participant":"caller"', '"participant":"' + 'p'.repeat(201) + '"'),
    (s) => s.replace('"audioChunk":"', '"audioChunk":"A'),
    (s) => s.replace('"delta":"', '"delta":"AAAA'),
    (s) => s.replace(/"(audioChunk|delta)":"[^"]*"/, '"$1":"' + 'A'.repeat(300_000) + '"'),
  ),
)
const mutated = (frames: readonly string[]) =>
  fc.tuple(fc.constantFrom(...frames), fc.array(mutation, { minLength: 0, maxLength: 4 })).map(([f, ms]) => ms.reduce((s, m) => m(s), f))

/**
 * Runs the subset property over mutated `frames`: `judge` returns undefined when the fast path declined the frame,
 * otherwise the full validator's disagreement (a message) or '' when it agrees. Not vacuous: the fast path must still
 * take a share of the mutated frames (mutations inside the audio that keep it valid base64, reorderings), not all.
 */
function assertSubset(frames: readonly string[], seed: number, judge: (frame: string) => string | undefined): void {
  let accepted = 0
  let runs = 0
  fc.assert(
    fc.property(mutated(frames), (frame) => {
      runs++
      const verdict = judge(frame)
      if (verdict === undefined) return true
      accepted++
      if (verdict !== '') throw new Error(`${verdict}: ${JSON.stringify(frame.slice(0, 200))}`)
      return true
    }),
    { seed, numRuns: 6000 },
  )
  expect(accepted).toBeGreaterThan(runs * 0.05)
  expect(accepted).toBeLessThan(runs)
}

describe('audio fast paths never accept what the full validator refuses', () => {
  test('userStream.chunk: fastChunkAudio ⊆ parseInbound + conversation check, same audio', () => {
    for (const f of chunkFrames) expect(fastChunkAudio(f, CONV)).toBe((JSON.parse(f) as { audioChunk: string }).audioChunk)
    assertSubset(chunkFrames, 2121, (frame) => {
      const fast = fastChunkAudio(frame, CONV)
      if (fast === undefined) return undefined
      return chunkVerdict(frame, fast)
    })
  }, 60_000)

  // The learned shapes: a fresh scanner takes one real frame (and learns its layout), then judges a mutation of it,
  // which it matches in place when only the audio (and a delta's event_id) changed, else scans in full.
  test('userStream.chunk after a learned chunk: ChunkScanner ⊆ parseInbound + conversation check, same audio', () => {
    let matchedShape = 0
    assertSubset(chunkFrames, 2123, (frame) => {
      const base = chunkFrames.find((f) => sameSkeleton(f, frame))
      const scanner = new ChunkScanner(CONV)
      if (base !== undefined && scanner.audio(base) === undefined) return 'an unmutated chunk missed the fast path'
      const fast = scanner.audio(frame)
      if (fast === undefined) return undefined
      if (base !== undefined && frame !== base) matchedShape++
      return chunkVerdict(frame, fast)
    })
    // Mutations inside the audio that leave it valid base64 keep the learned layout: where that layout has the audio
    // last (half the real chunks; all the deltas) those frames were matched in place (FrameShape, tested directly in
    // src/audio/wire-scan.test.ts), not scanned.
    expect(matchedShape).toBeGreaterThan(50)
  }, 60_000)

  test('response.output_audio.delta after a learned delta: AudioDeltaScanner ⊆ parseServerEvent, same ids', () => {
    let matchedShape = 0
    assertSubset(deltaFrames, 2124, (frame) => {
      const base = deltaFrames.find((f) => sameSkeleton(f, frame))
      const scanner = new AudioDeltaScanner()
      if (base !== undefined && !scanner.scan(base)) return 'an unmutated delta missed the fast path'
      if (!scanner.scan(frame)) return undefined
      if (base !== undefined && frame !== base) matchedShape++
      return deltaVerdict(frame, scanner)
    })
    expect(matchedShape).toBeGreaterThan(50)
  }, 60_000)

  test('response.output_audio.delta: AudioDeltaScanner ⊆ parseServerEvent, same ids, index and audio', () => {
    const scanner = new AudioDeltaScanner() // one for the whole run: its id cache is under test too
    for (const f of deltaFrames) {
      expect(scanner.scan(f)).toBe(true)
      const e = JSON.parse(f) as { response_id: string; item_id: string; delta: string }
      expect([scanner.responseId, scanner.itemId, scanner.delta]).toEqual([e.response_id, e.item_id, e.delta])
    }
    assertSubset(deltaFrames, 2122, (frame) => {
      if (!scanner.scan(frame)) return undefined
      return deltaVerdict(frame, scanner)
    })
  }, 60_000)
})

/**
 * Whether `frame` keeps `base`'s text outside the audio and `event_id` (the parts a learnt shape compares): the test
 * then has its scanner learn `base` first. Where no real frame is kept so (the mutation touched the rest), the scanner
 * learns nothing first and scans the mutated frame in full.
 */
function sameSkeleton(base: string, frame: string): boolean {
  const skeleton = (f: string) => f.replace(/"(audioChunk|delta|event_id)":"[^"]*"/g, '"$1":""')
  return frame.length > 0 && skeleton(base) === skeleton(frame)
}

/** '' when parseInbound accepts `frame` as a chunk of CONV carrying `fast` (what the fast path gave), else why not. */
function chunkVerdict(frame: string, fast: string): string {
  const full = parseInbound(frame)
  if (!full.ok) return `fast path accepted what parseInbound refuses (${full.reason})`
  const same = full.msg.type === 'userStream.chunk' && full.msg.conversationId === CONV && full.msg.audioChunk === fast
  return same ? '' : 'fast path disagrees with parseInbound'
}

/** '' when parseServerEvent reads `frame` as the delta `scanner` just accepted (ids, index, audio), else why not. */
function deltaVerdict(frame: string, scanner: AudioDeltaScanner): string {
  const full = parseServerEvent(frame)
  if (full.kind !== 'event' || full.event.type !== 'response.output_audio.delta') {
    return `fast path accepted what parseServerEvent does not (${full.kind === 'invalid' ? full.reason : full.kind})`
  }
  const e = full.event
  const same = e.response_id === scanner.responseId && e.item_id === scanner.itemId && e.content_index === scanner.contentIndex && e.delta === scanner.delta
  return same ? '' : 'fast path disagrees with parseServerEvent'
}
