/** Tests of `src/cli/call.ts` (kept here: the simulator's folder owns its tests). */
import { afterEach, describe, expect, test } from 'bun:test'
import { readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCall, type CallIo } from '../../cli/call'
import { writeWav } from '../../audio/wav'
import { encodeText } from '../modem/encode'
import { FakeBot, afterStart } from './fake-bot'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

function capture(extra: Partial<CallIo> = {}) {
  const stdout: string[] = []
  const stderr: string[] = []
  const io: CallIo = { stdout: { write: (s: string) => stdout.push(s) }, stderr: { write: (s: string) => stderr.push(s) }, ...extra }
  return { io, out: () => stdout.join(''), err: () => stderr.join('') }
}

function tempDir(): string {
  const dir = join(tmpdir(), `fastagent-call-test-${crypto.randomUUID()}`)
  cleanups.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

const FAST = { quietMs: 300, replyTimeoutMs: 10_000, greetingTimeoutMs: 1500 }

describe('fastagent call', () => {
  test('speaks WAV files to the bot, prints the log, saves each play stream, exits 0', async () => {
    const bot = new FakeBot({ token: 't', greeting: 'hello caller' })
    cleanups.push(() => bot.stop())
    const dir = tempDir()
    const wav = join(dir, 'in.wav')
    await Bun.write(wav, writeWav(encodeText('book a slot', 16000), 16000))
    const out = join(dir, 'out')
    const c = capture()
    const code = await runCall({ url: bot.url, token: 't', format: 'raw/lpcm16_24', wav: [wav], out }, c.io, FAST)
    expect(c.err()).toBe('')
    expect(code).toBe(0)
    expect(c.out()).toContain('accepted: raw/lpcm16_24')
    expect(c.out()).toContain('→ session.initiate')
    expect(c.out()).toContain('hello caller')
    expect(c.out()).toContain('you said book a slot')
    expect(c.out()).toContain('no protocol violations')
    expect((await readdir(out)).sort()).toEqual(['001-1.wav', '002-2.wav'])
    const session = bot.last
    for (let i = 0; i < 200 && !session.closed; i++) await Bun.sleep(10)
    expect(session.received.at(-1)).toMatchObject({ type: 'session.end', reasonCode: 'client-disconnected' })
  }, 30_000)

  test('--say synthesises with flite when installed', async () => {
    const bot = new FakeBot()
    cleanups.push(() => bot.stop())
    const runs: string[][] = []
    // A stand-in for flite that writes tone code for the text it was given.
    const run = async (argv: readonly string[]) => {
      runs.push([...argv])
      const text = argv[argv.indexOf('-t') + 1]!
      await Bun.write(argv[argv.indexOf('-o') + 1]!, writeWav(encodeText(text, 8000), 8000))
      return 0
    }
    const c = capture({ which: (cmd) => (cmd === 'flite' ? '/usr/bin/flite' : null), run })
    const code = await runCall({ url: bot.url, say: ['what time is it'], out: tempDir() }, c.io, FAST)
    expect(code).toBe(0)
    expect(runs[0]!.slice(0, 4)).toEqual(['flite', '-voice', 'slt', '-t'])
    expect(c.out()).toContain('you said what time is it')
  }, 30_000)

  test('--say without flite or espeak-ng says what to install and exits 2', async () => {
    const c = capture({ which: () => null })
    expect(await runCall({ url: 'ws://127.0.0.1:1/audiocodes', say: ['hi'] }, c.io, FAST)).toBe(2)
    expect(c.err()).toContain('flite')
    expect(c.err()).toContain('espeak-ng')
  })

  test('bad flags and unreadable WAV files exit 2', async () => {
    expect(await runCall({ url: 'http://x' }, capture().io)).toBe(2)
    expect(await runCall({ url: 'ws://x', format: 'raw/opus' }, capture().io)).toBe(2)
    const c = capture()
    expect(await runCall({ url: 'ws://x', wav: ['/nonexistent/file.wav'] }, c.io)).toBe(2)
    expect(c.err()).toContain('/nonexistent/file.wav')
  })

  test('a refused upgrade exits 1 with the HTTP status', async () => {
    const bot = new FakeBot({ token: 'right' })
    cleanups.push(() => bot.stop())
    const c = capture()
    expect(await runCall({ url: bot.url, token: 'wrong' }, c.io, FAST)).toBe(1)
    expect(c.err()).toContain('the bot refused the token (HTTP 401)')
  })

  test('what the caller heard lists text messages too, in order with the audio', async () => {
    const bot = new FakeBot(
      afterStart(async (s) => {
        s.send({ type: 'activities', activities: [{ type: 'message', text: 'We are closed today, sorry.' }] })
        await Bun.sleep(50)
        s.send({ type: 'activities', activities: [{ type: 'event', name: 'hangup', activityParams: { hangupReason: 'closed' } }] })
      }, { greeting: 'hello caller' }),
    )
    cleanups.push(() => bot.stop())
    const c = capture()
    const code = await runCall({ url: bot.url, out: tempDir() }, c.io, { ...FAST, greetingTimeoutMs: 2000 })
    const heard = c.out().split('--- what the caller heard ---')[1] ?? ''
    expect(heard).toMatch(/\+ *\d+\.\d s {2}audio "1" [^\n]*: hello caller\n\+ *\d+\.\d s {2}text message: "We are closed today, sorry\."/)
    expect(c.err()).not.toContain('heard nothing')
    expect(code).toBe(0)
  }, 30_000)

  test('the bot hangs up and the caller heard nothing: exit 1, saying so', async () => {
    const bot = new FakeBot(afterStart((s) => s.send({ type: 'activities', activities: [{ type: 'event', name: 'hangup', activityParams: { hangupReason: 'oops' } }] })))
    cleanups.push(() => bot.stop())
    const c = capture()
    expect(await runCall({ url: bot.url, out: tempDir() }, c.io, { ...FAST, greetingTimeoutMs: 2000 })).toBe(1)
    expect(c.err()).toContain('the bot hung up and the caller heard nothing')
    expect(c.out()).toContain('(nothing)')
  }, 30_000)

  test('nothing listening: exit 1, says so', async () => {
    const gone = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') })
    const port = gone.port
    await gone.stop(true)
    const c = capture()
    expect(await runCall({ url: `ws://127.0.0.1:${port}/audiocodes`, token: 't' }, c.io, FAST)).toBe(1)
    expect(c.err()).toContain(`nothing is listening at 127.0.0.1:${port}`)
  })

  test('403 from something in front of the bot: exit 1, says it is forbidden', async () => {
    const proxy = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('forbidden', { status: 403 }) })
    cleanups.push(() => proxy.stop(true))
    const c = capture()
    expect(await runCall({ url: `ws://127.0.0.1:${proxy.port}/audiocodes`, token: 't' }, c.io, FAST)).toBe(1)
    expect(c.err()).toContain('forbidden (HTTP 403)')
  })

  test('a bot that breaks the protocol exits 1 and lists the violations', async () => {
    const bot = new FakeBot(afterStart((s) => s.send({ type: 'playStream.chunk', streamId: '9', audioChunk: 'AAAA' })))
    cleanups.push(() => bot.stop())
    const c = capture()
    expect(await runCall({ url: bot.url, out: tempDir() }, c.io, { ...FAST, greetingTimeoutMs: 500 })).toBe(1)
    expect(c.err()).toContain('[chunk-before-start]')
  })
})
