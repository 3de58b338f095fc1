/**
 * The per-frame relay allocates nothing but the strings the sockets need (issue 21 item 2), checked by counting the
 * heap's cells, not by timing.
 *
 * A real call — CallSession, its PhoneLeg, ModelLeg, PlaybackController (with the played-time estimate) and the
 * metrics — runs on sockets of our own (scripts/bench/call-rig.ts), frames handed over at the two seams where Bun
 * hands them to the server: the endpoint's per-frame hook (`PhoneLeg.receiveFast`) and the upstream socket's message
 * handler. Frames are driven synchronously, a batch of N and one of 2N,
 * right after a full collection: `heapStats().objectTypeCounts` counts every cell allocated since the last
 * collection too, so (count after 2N − count after N) ÷ N is what one frame allocates, by type, garbage included. A
 * batch during which a collection ran (its survivor count moved) would undercount and is measured again.
 *
 * The method is shown to see an allocation made inside the path: the same drive with a socket that wraps each frame
 * in an object counts one Object per frame.
 */
import { describe, expect, test } from 'bun:test'
import { fullGC, heapStats } from 'bun:jsc'
import { MetricsRegistry } from '../../src/ops/metrics'
import { PlayoutTracker } from '../../src/audio/playout'
import { liveCall } from '../../scripts/bench/call-rig'

/** Cells allocated per call of `drive`, by type (see the module comment). */
function cellsPer(drive: () => void, n: number): Record<string, number> {
  for (let i = 0; i < 20_000; i++) drive()
  const batch = (frames: number): Record<string, number> | undefined => {
    fullGC()
    const before = heapStats()
    for (let i = 0; i < frames; i++) drive()
    const after = heapStats()
    if (after.objectCount !== before.objectCount || after.heapSize !== before.heapSize) return undefined
    const d: Record<string, number> = {}
    for (const [type, count] of Object.entries(after.objectTypeCounts)) d[type] = count - (before.objectTypeCounts[type] ?? 0)
    return d
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const one = batch(n)
    const two = batch(2 * n)
    if (!one || !two) continue
    const per: Record<string, number> = {}
    for (const type of new Set([...Object.keys(one), ...Object.keys(two)])) {
      const v = ((two[type] ?? 0) - (one[type] ?? 0)) / n
      if (v !== 0) per[type] = v
    }
    return per
  }
  throw new Error('a garbage collection ran during every measurement: the counts cannot be read')
}

/** Anything but strings, rounded: a per-frame allocation shows as ≥ 1; the JIT's occasional cells stay far below. */
const nonStrings = (per: Record<string, number>) =>
  Object.fromEntries(Object.entries(per).filter(([type, v]) => type !== 'string' && Math.abs(v) >= 0.05))

describe('a relayed frame allocates only the strings its socket needs', () => {
  for (const format of ['raw/lpcm16_24', 'raw/mulaw'] as const) {
    test(`${format} (passthrough): two strings a frame each way — the audio and the frame sent`, async () => {
      const call = await liveCall(format)
      const sentUp = call.model.count
      const sentDown = call.phone.count
      call.up()
      expect(call.model.count).toBe(sentUp + 1)
      expect(call.model.last).toBe(`{"type":"input_audio_buffer.append","audio":"${call.upAudio[0]}"}`)
      call.down()
      expect(call.phone.count).toBe(sentDown + 2) // the play stream opens (playStream.start), then the chunk
      expect(call.phone.last).toMatch(new RegExp(`^\\{"type":"playStream\\.chunk","streamId":"\\d+","audioChunk":"${call.downAudio[1]?.replace(/[+/]/g, '\\$&')}"\\}$`))
      const up = cellsPer(call.up, 2000)
      const down = cellsPer(call.down, 2000)
      call.end()
      expect(nonStrings(up)).toEqual({})
      expect(nonStrings(down)).toEqual({})
      expect(up.string ?? 0).toBeCloseTo(2, 1)
      expect(down.string ?? 0).toBeCloseTo(2, 1)
      // Every frame was relayed and counted (the counters are part of what was measured).
      expect(call.framesIn()).toBe(call.driven.up)
      expect(call.framesOut()).toBe(call.driven.down)
      expect(call.model.count).toBe(sentUp + call.driven.up)
      expect(call.phone.count).toBe(sentDown + 1 + call.driven.down)
    })
  }

  test('raw/lpcm16 (resampled): no typed array or object a frame; three strings each way, the converted audio among them', async () => {
    const call = await liveCall('raw/lpcm16')
    const up = cellsPer(call.up, 1000)
    const down = cellsPer(call.down, 1000)
    call.end()
    expect(nonStrings(up)).toEqual({})
    expect(nonStrings(down)).toEqual({})
    // The audio taken from the frame, the converted audio (base64 of the converter's output) and the frame sent.
    expect(up.string ?? 0).toBeCloseTo(3, 1)
    expect(down.string ?? 0).toBeCloseTo(3, 1)
  })

  test('the count sees an allocation made inside the path (control: a socket that wraps each frame in an object)', async () => {
    const call = await liveCall('raw/lpcm16_24', { wrap: true })
    const up = cellsPer(call.up, 2000)
    const down = cellsPer(call.down, 2000)
    call.end()
    expect(up.Object ?? 0).toBeCloseTo(1, 1)
    expect(down.Object ?? 0).toBeCloseTo(1, 1)
  })

  test('the played-time estimate and the counters allocate nothing', () => {
    const playout = new PlayoutTracker(60, 48)
    const counter = new MetricsRegistry().counter('fastagent_test_frames_total', 'frames')
    let t = 0
    const cells = cellsPer(() => {
      playout.sent('item_alloc_1', 960, (t += 20))
      counter.inc()
    }, 5000)
    expect(nonStrings(cells)).toEqual({})
    expect(cells.string ?? 0).toBe(0)
  })
})
