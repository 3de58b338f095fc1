import { expect, test } from 'bun:test'
import { VoiceQueue } from './voice-queue'

test('takes chunks across utterances and settles each when its last sample is sent', async () => {
  const q = new VoiceQueue(1000)
  const a = q.push(new Int16Array([1, 2, 3]))
  const b = q.push(new Int16Array([4, 5]))
  const c1 = q.take(2, false)!
  expect([...c1.samples]).toEqual([1, 2])
  c1.done()
  const c2 = q.take(2, false)!
  expect([...c2.samples]).toEqual([3, 4])
  c2.done()
  expect(await a).toEqual({ sentMs: 3, complete: true })
  const c3 = q.take(4, true)!
  expect([...c3.samples]).toEqual([5, 0, 0, 0]) // padded with silence
  c3.done()
  expect(await b).toEqual({ sentMs: 2, complete: true })
  expect(q.take(2, false)).toBeUndefined()
  expect([...q.take(2, true)!.samples]).toEqual([0, 0])
})

test('clear settles pending utterances with what was sent', async () => {
  const q = new VoiceQueue(1000)
  const a = q.push(new Int16Array(10))
  q.take(4, false)!.done()
  q.clear()
  expect(await a).toEqual({ sentMs: 4, complete: false })
  expect(q.empty).toBe(true)
})

test('waitForAudio wakes on push and on interrupt', async () => {
  const q = new VoiceQueue(1000)
  const w1 = q.waitForAudio()
  q.push(new Int16Array(1))
  await w1
  await q.waitForAudio() // resolves at once: audio queued
  q.clear()
  const w2 = q.waitForAudio()
  q.interrupt()
  await w2
})
