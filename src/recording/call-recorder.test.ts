import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CallRecorder, ChunkRing } from './call-recorder'
import { Recordings } from './recordings'
import { pcm16ToBase64 } from '../audio/pcm'
import { memoryLogger } from '../ops/log'
import { MetricsRegistry } from '../ops/metrics'

const dir = mkdtempSync(join(tmpdir(), 'fastagent-rec-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 20 ms of PCM16 at 24 kHz, every sample `v`. */
const frame = (v: number, ms = 20) => pcm16ToBase64(new Int16Array(24 * ms).fill(v))

function stereo(bytes: Uint8Array): { left: Int16Array; right: Int16Array } {
  const s = new Int16Array(bytes.buffer, bytes.byteOffset + 44, (bytes.length - 44) / 2)
  const n = s.length / 2
  const left = new Int16Array(n)
  const right = new Int16Array(n)
  for (let i = 0; i < n; i++) {
    left[i] = s[2 * i] ?? 0
    right[i] = s[2 * i + 1] ?? 0
  }
  return { left, right }
}

test('a full ring drops and counts instead of growing', () => {
  const ring = new ChunkRing(3)
  expect([ring.push('a', 1), ring.push('b', 2), ring.push('c', 3), ring.push('d', 4)]).toEqual([true, true, true, false])
  const got: string[] = []
  ring.drain((b) => got.push(b))
  expect(got).toEqual(['a', 'b', 'c'])
  expect(ring.push('e', 5)).toBe(true)
})

test('stereo WAV: caller left where it arrived, bot right after the queued bot audio; a barge-in cuts the unplayed rest', async () => {
  let t = 1_000_000
  let dropped = 0
  const path = join(dir, 'a.wav')
  const rec = new CallRecorder({ path, encoding: 'pcm16', startedAt: t, now: () => t, onDrop: (n) => (dropped += n), onError: (e) => { throw e }, ringChunks: 8, tickMs: 60_000 })
  // 100 ms of caller audio in real time.
  for (let i = 0; i < 5; i++) {
    t += 20
    rec.caller(frame(1000))
  }
  // 2 s of bot audio arrives in one burst at 200 ms (faster than real time): it would play from 200 ms to 2200 ms.
  t = 1_000_000 + 200
  for (let i = 0; i < 8; i++) rec.bot(frame(2000, 250))
  rec.bot(frame(2000, 250)) // the ring holds 8: this one is dropped and counted
  expect(dropped).toBe(1)
  // The caller barges in at 500 ms: bot audio after that was never heard.
  t = 1_000_000 + 500
  rec.cut(t)
  await rec.close()
  const bytes = new Uint8Array(await Bun.file(path).arrayBuffer())
  const v = new DataView(bytes.buffer, bytes.byteOffset)
  // RIFF/WAVE, PCM, 2 channels, 24 kHz, 16 bits, and the real data size written at close.
  expect([v.getUint16(20, true), v.getUint16(22, true), v.getUint32(24, true), v.getUint16(34, true), v.getUint32(40, true)]).toEqual([1, 2, 24000, 16, bytes.length - 44])
  expect(v.getUint32(4, true)).toBe(bytes.length - 8)
  const { left, right } = stereo(bytes)
  const ms = (i: number) => Math.floor((i * 1000) / 24000)
  expect(ms(right.length)).toBe(500)
  expect(left.slice(0, 24 * 100).every((v) => v === 1000)).toBe(true)
  expect(left.slice(24 * 100).every((v) => v === 0)).toBe(true)
  expect(right.slice(0, 24 * 200).every((v) => v === 0)).toBe(true)
  expect(right.slice(24 * 200, 24 * 500).every((v) => v === 2000)).toBe(true)
})

test('purge deletes recordings older than the cutoff, serves only call-id names', () => {
  const reg = new MetricsRegistry()
  const rec = new Recordings({ dir, enabled: true, log: memoryLogger().log, dropped: reg.counter('d', 'd'), now: Date.now })
  const old = '11111111-1111-4111-8111-111111111111'
  const fresh = '22222222-2222-4222-8222-222222222222'
  writeFileSync(join(dir, `${old}.wav`), 'x')
  writeFileSync(join(dir, `${fresh}.wav`), 'y')
  utimesSync(join(dir, `${old}.wav`), new Date(1000), new Date(1000))
  expect(rec.file('../a')).toBeUndefined()
  expect(rec.file(fresh)).toBeDefined()
  expect(rec.purge(Date.now() - 60_000)).toBe(1)
  expect(existsSync(join(dir, `${old}.wav`))).toBe(false)
  expect(existsSync(join(dir, `${fresh}.wav`))).toBe(true)
})
