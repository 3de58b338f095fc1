/**
 * Three FastAgent instances (`bun src/main.ts serve`) on one PostgreSQL behind HAProxy (health-checked on /readyz),
 * the simulators as their shared peers: scripts/cluster-rig.ts. One rig serves every case, in order:
 *   - kill -9 of the instance holding a call mid-booking: exactly one SMS, sent by a survivor;
 *   - the signed CALL reply reaches a second instance: one dial-out;
 *   - the callback lands on the third: "Welcome back" with the saved slot, and the booking completes there;
 *   - 50 callers race one slot across the 3 instances: 1 booking, 49 offered alternatives;
 *   - `session.resume` reaches a different instance: the call moves there (the old owner, told over LISTEN/NOTIFY,
 *     lets its model leg go and records no drop), the new owner replays the conversation, and the booking completes;
 *   - a rolling deploy (SIGTERM one instance mid-call, new calls go to the others, start it again) loses no call;
 *   - PostgreSQL is down for longer than the lease mid-call, then back: no acknowledged step is lost, the booking
 *     lands once, and no instance declares its peers dead (every lease ran out while nobody could renew it).
 * Leases are short (2 s) so a death shows within seconds; every wait is on a condition, never on a duration.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { findPgBin } from '../../scripts/pg-cluster'
import { startRig, type Instance, type Rig } from '../../scripts/cluster-rig'
import type { DialRecord } from '../../src/sim/audiocodes-api/fake-audiocodes-api'
import type { VaicSimulator } from '../../src/sim/vaic/simulator'
import { addDays, dateMinutesToEpoch, localDate } from '../../src/agents/domain/zoned-time'
import { requireTool } from '../kit/require-tool'
import { waitUntil } from '../reliability/kit'

const CALLER = '+14155550142'
const T = 30_000
/** The 50-caller race's whole budget. */
const RACE_MS = 240_000
const gate = requireTool({ name: 'postgres', find: findPgBin, install: 'postgresql' }, 'haproxy')

/** How long one wait may take: T each, or what is left of a shared budget. */
type Wait = () => number
const each: Wait = () => T

/** Says `text` once the bot has finished speaking, then waits for the bot to say `expect`. */
async function turn(call: VaicSimulator, text: string, expectSaid: string, ms = each): Promise<string> {
  await call.waitForPlaybackIdle(ms())
  const from = call.streams.length
  await call.say(text)
  return (await call.waitForBotSaid(expectSaid, ms(), { fromStream: from })).text
}

async function greeted(call: VaicSimulator, ms = each): Promise<void> {
  const r = await call.startCall()
  if (!r.ok) throw new Error(`call refused: ${r.reason}`)
  await call.waitForBotSaid('how can i help', ms())
}

gate.describe('three instances behind HAProxy on one PostgreSQL', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig({ instances: 3 })
  }, 120_000)
  afterAll(async () => {
    await rig?.stop()
  })

  const ownerOf = async (call: VaicSimulator) => {
    const row = await waitUntil(() => rig.store.calls.byConversation(call.conversationId), T, 'the call row')
    return rig.instance(row.owner ?? '')
  }
  let victim: Instance
  let droppedCallId: string

  test('kill -9 of the instance holding a call mid-booking: exactly one SMS, from a survivor', async () => {
    const call = rig.call({ caller: CALLER, supportedMediaFormats: ['raw/lpcm16_24'] })
    await greeted(call)
    await turn(call, 'Book an appointment for tomorrow.', 'what time')
    await turn(call, '10 AM.', 'book for tomorrow at 10 am?')
    victim = await ownerOf(call)
    droppedCallId = (await rig.store.calls.byConversation(call.conversationId))!.id
    await rig.kill9(victim)
    call.dispose()
    const sms = await waitUntil(async () => {
      const row = await rig.store.outbox.byKey(`sms:drop:${droppedCallId}`)
      return row?.status === 'done' ? row : undefined
    }, T, 'the drop SMS sent')
    const dead = await rig.store.instances.get(victim.id)
    expect(dead?.state).toBe('dead')
    expect(dead?.swept_by).not.toBe(victim.id)
    expect(sms.claimed_by).not.toBe(victim.id)
    expect(rig.instances.map((i) => i.id)).toContain(sms.claimed_by ?? '')
    expect(await rig.store.calls.get(droppedCallId)).toMatchObject({ state: 'ended', end_reason: 'crashed', resume_status: 'pending', owner: dead?.swept_by })
    // Every survivor keeps beating and sweeping: still exactly one text.
    await waitUntil(async () => (await rig.store.instances.list()).filter((i) => i.state === 'live' && i.heartbeat_at > (dead?.swept_at ?? 0) + 1000).length === 2, T, 'two more beats of both survivors')
    expect(rig.twilio.messages.map((m) => m.to)).toEqual([CALLER])
    expect(rig.twilio.messages[0]?.body).toContain('Reply CALL')
    // The instance comes back under the same INSTANCE_ID: nothing of its previous run is dropped again.
    await rig.start(victim)
    await rig.balanced()
    expect(rig.twilio.messages).toHaveLength(1)
  }, 120_000)

  let second: Instance
  let dial: DialRecord
  test('the signed CALL reply reaches a second instance: one dial-out', async () => {
    second = rig.instances.find((i) => i.id !== victim.id)!
    const dialed = new Promise<DialRecord>((resolve) => rig.audiocodesApi.onDial(resolve))
    // Twilio signs the public URL (HAProxy's); the request lands on `second` directly.
    const r = await rig.twilio.reply(`${second.url}/twilio/sms`, CALLER, 'CALL', { signedUrl: `${rig.publicUrl}/twilio/sms` })
    expect(r.status).toBe(200)
    expect(r.twiml).toContain('Calling you now')
    dial = await dialed
    expect(dial.body.target).toBe(`tel:${CALLER}`)
    const [cb] = await rig.store.callbacks.forCall(droppedCallId)
    await waitUntil(async () => (await rig.store.outbox.byKey(`dialout:${cb!.id}`))?.status === 'done', T, 'the dial-out done')
    expect(rig.audiocodesApi.dials).toHaveLength(1)
    // A forged reply to another instance changes nothing.
    const forged = await rig.twilio.reply(`${victim.url}/twilio/sms`, CALLER, 'CALL', { signedUrl: `${rig.publicUrl}/twilio/sms`, forge: true })
    expect(forged.status).toBe(403)
    expect(rig.audiocodesApi.dials).toHaveLength(1)
  }, 60_000)

  test('the callback lands on the third instance: "Welcome back" with the saved slot, booked there', async () => {
    const third = rig.instances.find((i) => i.id !== victim.id && i.id !== second.id)!
    const back = rig.call(
      { conversationId: dial.conversationId, caller: dial.body.caller ?? '+15550000000', callee: CALLER, dialoutMetadata: dial.body.metadata ?? {}, supportedMediaFormats: ['raw/lpcm16_24'] },
      third,
    )
    const r = await back.startCall()
    expect(r.ok).toBe(true)
    const welcome = await back.waitForBotSaid('welcome back', T)
    expect(welcome.text.toLowerCase()).toContain('tomorrow at 10 am')
    expect((await ownerOf(back)).id).toBe(third.id)
    await turn(back, "Let's continue.", 'book for tomorrow at 10 am?')
    await turn(back, 'Yes, please.', 'booked')
    await back.hangup()
    back.dispose()
    expect(await rig.store.appointments.upcomingFor(CALLER, 0)).toHaveLength(1)
    expect((await rig.store.calls.get(droppedCallId))?.resume_status).toBe('resumed')
    expect(rig.twilio.messages.filter((m) => m.to === CALLER && m.body.includes('Reply CALL'))).toHaveLength(1)
  }, 90_000)

  test('50 callers race one slot across the 3 instances: 1 booking, 49 offered alternatives', async () => {
    // VAIC's own limits on the bot's replies (5 s, 10 s to connect) are not what this race is about: under a loaded
    // machine 50 sockets opening at once can take longer, so the callers wait as long as the budget lasts.
    const patient = { replyTimeoutMs: RACE_MS, connectTimeoutMs: RACE_MS }
    const calls = Array.from({ length: 50 }, (_, i) => rig.call({ caller: `+1415556${String(1000 + i)}`, supportedMediaFormats: ['raw/mulaw'], ...patient }))
    // 50 real-time calls at once on a loaded machine: no step has a deadline of its own, every wait draws on the
    // test's budget (and fails with what it waited for just before the test would).
    const end = performance.now() + RACE_MS - 10_000
    const left: Wait = () => Math.max(1, end - performance.now())
    // Everyone is at the confirmation before anyone says yes: a barrier, opened by the last one to arrive (or broken by
    // the first caller that fails, so the others stop waiting).
    let arrived = 0
    let open!: () => void
    let broken!: (e: unknown) => void
    const everyone = new Promise<void>((resolve, reject) => ((open = resolve), (broken = reject)))
    everyone.catch(() => undefined)
    const outcomes = await Promise.all(
      calls.map(async (call) => {
        try {
          await greeted(call, left)
          await turn(call, 'Book an appointment for tomorrow at 2 PM.', 'book for tomorrow at 2 pm?', left)
          await call.waitForPlaybackIdle(left())
          if (++arrived === calls.length) open()
          await everyone
          const from = call.streams.length
          await call.say('Yes.')
          // One wait for either answer: the bot says exactly one of them.
          const said = await call.waitForBotSaid(/booked for|is taken/i, left(), { fromStream: from })
          return /booked for/i.test(said.text) ? ('booked' as const) : /i can offer/i.test(said.text) ? ('alternatives' as const) : ('taken, none offered' as const)
        } catch (e) {
          broken(e)
          throw e
        }
      }),
    )
    const owners = new Set(await Promise.all(calls.map(async (c) => (await ownerOf(c)).id)))
    for (const c of calls) {
      await c.hangup()
      c.dispose()
    }
    // HAProxy spread them (leastconn): the race was decided across instances, not inside one.
    expect(owners.size).toBeGreaterThanOrEqual(2)
    expect(outcomes.filter((o) => o === 'booked')).toHaveLength(1)
    expect(outcomes.filter((o) => o === 'alternatives')).toHaveLength(49)
    const at2pm = dateMinutesToEpoch(addDays(localDate(Date.now(), 'UTC'), 1), 14 * 60, 'UTC')
    const rows = await rig.store.sql.all(`SELECT starts_at FROM appointments WHERE status = 'booked' AND starts_at = $at`, { at: at2pm })
    expect(rows).toHaveLength(1)
  }, RACE_MS)

  test('session.resume reaches a different instance: the call moves there, the old owner lets it go, it goes on', async () => {
    const caller = '+14155557100'
    const [a, b] = rig.instances as [Instance, Instance]
    const call = rig.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] }, a)
    await greeted(call)
    await turn(call, 'Book an appointment for tomorrow at 3 PM.', 'book for tomorrow at 3 pm?')
    await call.waitForPlaybackIdle(T)
    const callId = (await rig.store.calls.byConversation(call.conversationId))!.id
    // The socket is lost; VAIC's new one (session.resume) lands on another instance.
    await call.drop()
    const r = await call.resume({ url: `${b.wsUrl}/audiocodes` })
    expect(r.ok).toBe(true)
    expect((await ownerOf(call)).id).toBe(b.id)
    // The new owner's model session knows the call: the saved task, picked up where it was.
    const back = await call.waitForBotSaid('welcome back', T)
    expect(back.text.toLowerCase()).toContain('tomorrow at 3 pm')
    await turn(call, "Let's continue.", 'book for tomorrow at 3 pm?')
    await turn(call, 'Yes.', 'booked')
    await call.hangup()
    // The old owner let its model leg go when told (NOTIFY), and recorded nothing: no drop, no SMS.
    await waitUntil(async () => (await rig.logText(a)).includes(`"call.released"`), T, `${a.id} releasing the call`)
    const row = await waitUntil(async () => {
      const x = await rig.store.calls.get(callId)
      return x?.state === 'ended' ? x : undefined
    }, T, 'the call ended')
    expect(row).toMatchObject({ end_reason: 'caller-hangup', owner: b.id, resume_status: null })
    expect(await rig.store.outbox.byKey(`sms:drop:${callId}`)).toBeUndefined()
    expect(rig.twilio.messages.filter((m) => m.to === caller)).toEqual([])
    expect((await rig.store.appointments.upcomingFor(caller, 0)).map((x) => x.call_id)).toEqual([callId])
    call.assertNoViolations()
    call.dispose()
  }, 90_000)

  test('a rolling deploy: SIGTERM one instance mid-call, new calls go to the others, start it again: no call lost', async () => {
    const live = rig.call({ caller: '+14155557001', supportedMediaFormats: ['raw/lpcm16_24'] })
    await greeted(live)
    const draining = await ownerOf(live)
    const exit = rig.sigterm(draining)
    await rig.routed(draining, 'DOWN')
    // New calls while it drains: all answered, none by the draining instance.
    const fresh = Array.from({ length: 4 }, (_, i) => rig.call({ caller: `+1415555800${i}`, supportedMediaFormats: ['raw/mulaw'] }))
    await Promise.all(fresh.map((c) => greeted(c)))
    for (const c of fresh) expect((await ownerOf(c)).id).not.toBe(draining.id)
    // The call on the draining instance goes on to its end.
    await turn(live, 'Book an appointment for tomorrow at 4 PM.', 'book for tomorrow at 4 pm?')
    await turn(live, 'Yes.', 'anything else')
    await turn(live, "No, that's all.", 'your appointment is confirmed')
    expect((await live.waitForEnd(T)).by).toBe('bot-hangup')
    expect(await exit).toBe(0)
    for (const c of fresh) await c.hangup()
    await rig.start(draining)
    await rig.balanced()
    // Nothing was cut: every call of this deploy ended as the caller or the bot meant it.
    const ids = [live, ...fresh].map((c) => c.conversationId)
    const rows = await waitUntil(async () => {
      const list = await Promise.all(ids.map((id) => rig.store.calls.byConversation(id)))
      return list.every((r) => r?.state === 'ended') ? list : undefined
    }, T, 'every call ended')
    expect(rows.map((r) => r?.end_reason).sort()).toEqual(['caller-hangup', 'caller-hangup', 'caller-hangup', 'caller-hangup', 'completed'])
    expect((await rig.store.instances.get(draining.id))?.state).toBe('live')
    for (const c of [live, ...fresh]) c.dispose()
  }, 120_000)

  test('PostgreSQL is down longer than the lease mid-call: no acknowledged step lost, no peer declared dead, booked once', async () => {
    const caller = '+14155557101'
    const call = rig.call({ caller, supportedMediaFormats: ['raw/lpcm16_24'] })
    await greeted(call)
    await turn(call, 'Book an appointment for tomorrow at 11 AM.', 'book for tomorrow at 11 am?')
    const callId = (await rig.store.calls.byConversation(call.conversationId))!.id
    const [task] = await rig.store.tasks.forCall(callId)
    const acknowledged = await rig.store.tasks.journal(task?.id ?? '')
    expect(acknowledged.length).toBeGreaterThan(0)
    const sent = rig.twilio.messages.length
    const sweeps = async () => Promise.all(rig.instances.map(async (i) => (await rig.logText(i)).split('"cluster.instance_dead"').length))
    const sweptBefore = await sweeps()
    await rig.pg.halt()
    // Every lease (2 s) runs out while nobody can renew it: on the way back, an instance that counted its peers'
    // silence during its own outage would declare their live calls dropped.
    await Bun.sleep(3000)
    await call.say('Yes.')
    await rig.pg.start()
    await call.waitForBotSaid('booked for tomorrow at 11 am', T)
    await rig.balanced()
    expect(await rig.store.appointments.upcomingFor(caller, 0)).toHaveLength(1)
    const journal = await rig.store.tasks.journal(task?.id ?? '')
    expect(journal.slice(0, acknowledged.length)).toEqual(acknowledged)
    expect((await rig.store.tasks.get(task?.id ?? ''))?.status).toBe('done')
    // A few beats after the outage: still every instance live, the call still this call's, and no drop text.
    const back = Date.now()
    await waitUntil(async () => (await rig.store.instances.list()).filter((i) => i.state === 'live' && i.heartbeat_at > back + 2500).length === 3, T, 'three beats past the lease after the outage')
    expect((await rig.store.instances.list()).map((i) => i.state)).toEqual(['live', 'live', 'live'])
    expect(await sweeps()).toEqual(sweptBefore)
    expect(await rig.store.calls.get(callId)).toMatchObject({ state: 'live' })
    expect(await rig.store.outbox.byKey(`sms:drop:${callId}`)).toBeUndefined()
    expect(rig.twilio.messages.slice(sent)).toEqual([])
    await call.hangup()
    call.assertNoViolations()
    call.dispose()
  }, 120_000)
})
