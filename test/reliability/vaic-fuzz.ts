/**
 * @module test/reliability/vaic-fuzz
 * A hostile VoiceAI Connect peer, for the fuzz test and the soak: seeded plans of frames (random JSON, mutated valid
 * Bot API messages, strings just under MAX_FRAME_BYTES, deep nesting, invalid base64, odd-length PCM, out-of-order
 * sequences, binary frames) played on real sockets against a running server, and the checks that must hold for
 * every frame the bot sent back: a well-formed Bot API message (the simulator's strict schemas), and never anything
 * the fuzzer sent. Every string the fuzzer chooses carries {@link CANARY}, so an echo is a plain substring search.
 */
import { parseBotMessage } from '../../src/sim/vaic/bot-messages'
import { prng, rawSocket, type RawSocket, type Rng } from './kit'

/** Marks every attacker-chosen string; no frame the bot sends may contain it (one protocol exception, see below). */
export const CANARY = 'FZCANARY'

export type Frame = string | Uint8Array

export type SocketPlan = {
  /** The conversation id this socket's well-formed messages use. */
  readonly id: string
  /**
   * Starts with a valid session.initiate, start event and userStream.start (the in-call state machine gets fuzzed);
   * otherwise the socket never sends a well-formed session.initiate and must never get a session.
   */
  readonly inCall: boolean
  readonly frames: readonly Frame[]
}

export type FuzzPlanOptions = {
  readonly seed: number
  readonly sockets: number
  readonly framesPerSocket: number
  /** The server's MAX_FRAME_BYTES: huge frames stay just under it. */
  readonly maxFrameBytes: number
  /** Prefix of conversation ids (several plans can run against one server). */
  readonly prefix?: string
}

const FORMATS = ['raw/lpcm16_24', 'raw/mulaw', 'raw/lpcm16', 'raw/lpcm16_8', 'wav/lpcm16', 'opus', '']

/** A string the fuzzer "chose": always contains the canary, sometimes nasty characters. */
function canaryString(r: Rng, maxLen = 40): string {
  const nasties = ['', '"', '\\', '\u0000', '\n', '</script>', '${x}', '%s', '\u202e', '😀', "'; DROP TABLE calls; --", '+14155550100', '\ud800']
  let s = CANARY
  const n = r.int(0, maxLen)
  for (let i = 0; i < n; i++) s += r.chance(0.1) ? r.pick(nasties) : String.fromCharCode(r.int(32, 126))
  return s
}

/** A random JSON value whose strings (and keys) all carry the canary. */
export function randomJson(r: Rng, depth = 0): unknown {
  const k = r.int(0, depth > 3 ? 5 : 7)
  switch (k) {
    case 0:
      return null
    case 1:
      return r.chance(0.5)
    case 2:
      return r.pick([0, -1, 1.5, 1e308, -1e-308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1])
    case 3:
    case 4:
    case 5:
      return canaryString(r)
    case 6:
      return Array.from({ length: r.int(0, 4) }, () => randomJson(r, depth + 1))
    default: {
      const o: Record<string, unknown> = {}
      for (let i = r.int(0, 4); i > 0; i--) o[canaryString(r, 8)] = randomJson(r, depth + 1)
      return o
    }
  }
}

/** `depth` levels of nesting as JSON text, without building the value (the parser is what is under test). */
export function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(depth) + `"${CANARY}"` + ']'.repeat(depth) : '{"a":'.repeat(depth) + `"${CANARY}"` + '}'.repeat(depth)
}

const b64 = (bytes: number, fill = 0) => Buffer.alloc(bytes, fill).toString('base64')

/**
 * Well-formed Bot API messages for conversation `id` (what a real VAIC could send). `session.end` is left out (it
 * would close the socket early; plans add it explicitly); `session.initiate` only where a session may start.
 */
function templates(id: string, r: Rng, initiate: boolean): Record<string, unknown>[] {
  return [
    ...(initiate ? [{ type: 'session.initiate', conversationId: id, botName: 'fastagent', caller: '+14155550100', expectAudioMessages: true, supportedMediaFormats: ['raw/lpcm16_24'] }] : []),
    { type: 'session.resume', conversationId: id },
    { type: 'userStream.start', conversationId: id },
    { type: 'userStream.stop', conversationId: id },
    { type: 'userStream.chunk', conversationId: id, audioChunk: b64(960, r.int(0, 255)) },
    { type: 'connection.validate' },
    {
      type: 'activities',
      conversationId: id,
      activities: [r.pick([
        { type: 'event', name: 'start', parameters: { caller: '+14155550100', callee: '+15550001111' } },
        { type: 'event', name: 'DTMF', value: '1' },
        { type: 'event', name: 'noUserInput', value: 1 },
        { type: 'event', name: 'playFinished', value: { streamId: '1' } },
        { type: 'event', name: 'transferStatus', value: { status: 'failed' } },
        { type: 'event', name: 'hangup' },
        { type: 'message', text: 'hello' },
      ])],
    },
  ]
}

type Path = (string | number)[]

/** Paths to every value inside `v` (objects and arrays included). */
function paths(v: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at)
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out))
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out)
  return out
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value
  const copy: unknown = structuredClone(root)
  let node = copy as Record<string | number, unknown>
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>
  node[path[path.length - 1] as string | number] = value
  return copy
}

function deleteAt(root: unknown, path: Path): unknown {
  if (path.length === 0) return root
  const copy: unknown = structuredClone(root)
  let node = copy as Record<string | number, unknown>
  for (const p of path.slice(0, -1)) node = node[p] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (Array.isArray(node)) node.splice(Number(last), 1)
  else delete node[last]
  return copy
}

/** One mutation of a well-formed message: a frame that may or may not still be valid. */
function mutate(msg: Record<string, unknown>, r: Rng, maxFrameBytes: number): Frame {
  const all = paths(msg).filter((p) => p.length > 0)
  const target = r.pick(all)
  switch (r.int(0, 11)) {
    case 0:
      return JSON.stringify(deleteAt(msg, target))
    case 1:
      return JSON.stringify(setAt(msg, target, randomJson(r)))
    case 2:
      return JSON.stringify(setAt(msg, ['type'], r.chance(0.5) ? canaryString(r) : r.pick(['userStream.chunk', 'activities', 'userStream.start', 'session.resume', 'playStream.start', 'session.accepted'])))
    case 3:
      return JSON.stringify({ ...msg, [canaryString(r, 8)]: randomJson(r) })
    case 4: {
      // A string just under the frame limit in some field.
      const frame = JSON.stringify(setAt(msg, target, ''))
      const room = Math.max(0, maxFrameBytes - Buffer.byteLength(frame) - 64 - r.int(0, 2000))
      return JSON.stringify(setAt(msg, target, CANARY + 'x'.repeat(room)))
    }
    case 5:
      // Deep nesting inside an otherwise valid message.
      return JSON.stringify(msg).replace(/}$/, `,"${CANARY}deep":${deepJson(r.int(100, 20_000), r.chance(0.5) ? 'array' : 'object')}}`)
    case 6:
      return JSON.stringify(setAt(msg, ['audioChunk'], r.pick([`${CANARY}!!`, 'AAA', 'AA=A', '====', '', ' AAAA', 'AAAA\n', b64(1), b64(3), b64(961), b64(r.int(1, 3000))])))
    case 7:
      return JSON.stringify(setAt(msg, ['conversationId'], r.chance(0.5) ? canaryString(r) : r.pick(['', 'x'.repeat(201), 42, null])))
    case 8:
      return JSON.stringify(setAt(msg, ['supportedMediaFormats'], Array.from({ length: r.int(0, 70) }, () => (r.chance(0.7) ? r.pick(FORMATS) : canaryString(r)))))
    case 9:
      return JSON.stringify(setAt(msg, ['caller'], r.pick(['', '+1' + '9'.repeat(30), 'anonymous', `sip:${CANARY}@x`, 12345, canaryString(r, 300)])))
    case 10: {
      // Truncated JSON.
      const text = JSON.stringify(msg)
      return text.slice(0, r.int(0, text.length - 1))
    }
    default:
      return JSON.stringify(setAt(msg, ['activities'], Array.from({ length: r.int(0, 120) }, () => (r.chance(0.5) ? randomJson(r) : { type: 'event', name: canaryString(r, 10), value: randomJson(r) }))))
  }
}

/** A session.initiate no server may accept: required fields missing or of the wrong type, no usable format, or text-only (expectAudioMessages false); a missing format list means raw/lpcm16 and is usable. */
function brokenInitiate(id: string, r: Rng): string {
  const base = { type: 'session.initiate', conversationId: id, botName: 'fastagent', caller: '+14155550100', expectAudioMessages: true, supportedMediaFormats: ['raw/lpcm16_24'] }
  const broken = r.pick<Record<string, unknown>>([
    { ...base, conversationId: undefined },
    { ...base, conversationId: 42 },
    { ...base, conversationId: '' },
    { ...base, conversationId: [id] },
    { ...base, expectAudioMessages: false },
    { ...base, supportedMediaFormats: 'raw/lpcm16_24' },
    { ...base, supportedMediaFormats: [7] },
    { ...base, supportedMediaFormats: [] },
    { ...base, supportedMediaFormats: [`${CANARY}/opus`, 'opus', 'audio/pcm'] },
    { ...base, expectAudioMessages: 'yes' },
    { ...base, caller: { number: CANARY } },
    { ...base, type: 'session.Initiate' },
    { ...base, type: ['session.initiate'] },
  ])
  return JSON.stringify(broken)
}

/** One frame of the chaos mix; `initiate`: whether valid session.initiate messages may be among them. */
function chaosFrame(id: string, r: Rng, maxFrameBytes: number, initiate: boolean): Frame {
  const k = r.int(0, 19)
  if (!initiate && k < 2) return brokenInitiate(id, r)
  if (k < 9) return mutate(r.pick(templates(id, r, initiate)), r, maxFrameBytes)
  if (k < 11) return JSON.stringify(randomJson(r))
  if (k < 12) return canaryString(r, 200)
  if (k < 13) {
    const bytes = new Uint8Array(r.int(0, 4000))
    for (let i = 0; i < bytes.length; i++) bytes[i] = r.int(0, 255)
    bytes.set(new TextEncoder().encode(CANARY).subarray(0, bytes.length))
    return bytes
  }
  if (k < 14) return deepJson(r.int(1_000, Math.floor(maxFrameBytes / 6)), r.chance(0.5) ? 'array' : 'object')
  if (k < 15) return CANARY + '{'.repeat(Math.max(0, maxFrameBytes - 1 - CANARY.length - r.int(0, 100)))
  // Well-formed messages out of order (or in order: they make the fuzz reach deeper states).
  return JSON.stringify(r.pick(templates(id, r, initiate)))
}

/** The seeded plan of socket `index`: whether it starts a call first, and every frame it sends (made on demand). */
export function socketPlan(o: FuzzPlanOptions, index: number): SocketPlan {
  const r = prng((o.seed * 7919 + index * 104_729) >>> 0)
  const id = `${o.prefix ?? 'fz'}-${o.seed}-${index}`
  const inCall = r.chance(0.5)
  const frames: Frame[] = []
  if (inCall) {
    frames.push(
      JSON.stringify({ type: 'session.initiate', conversationId: id, botName: 'fastagent', caller: `+1415555${String(1000 + (index % 9000)).slice(-4)}`, expectAudioMessages: true, supportedMediaFormats: [r.pick(['raw/lpcm16_24', 'raw/mulaw', 'raw/lpcm16'])] }),
      JSON.stringify({ type: 'activities', conversationId: id, activities: [{ type: 'event', name: 'start', parameters: {} }] }),
      JSON.stringify({ type: 'userStream.start', conversationId: id }),
    )
  }
  // Only in-call sockets ever send a well-formed session.initiate: the others must never get a session.
  for (let n = 0; n < o.framesPerSocket; n++) frames.push(chaosFrame(id, r, o.maxFrameBytes, inCall))
  // A session.end for another conversation must not end this one; a real one ends it (and closes the socket).
  frames.push(JSON.stringify({ type: 'session.end', conversationId: `${CANARY}-other`, reasonCode: 'client-disconnected' }))
  if (inCall && r.chance(0.5)) frames.push(JSON.stringify({ type: 'session.end', conversationId: id, reasonCode: 'client-disconnected', reason: 'Client Side' }))
  return { id, inCall, frames }
}

/** Every socket's plan at once (small runs; the soak makes them one by one with {@link socketPlan}). */
export function vaicFuzzPlan(o: FuzzPlanOptions): SocketPlan[] {
  return Array.from({ length: o.sockets }, (_, i) => socketPlan(o, i))
}

export type SocketOutcome = {
  /** The plan's conversation id and kind (not its frames: outcomes are kept, frames are not). */
  readonly id: string
  readonly inCall: boolean
  /** The bot answered session.accepted on this socket. */
  readonly accepted: boolean
  readonly sent: number
  readonly received: number
  /** Conversation ids this socket put in session.initiate / session.resume frames. */
  readonly sentIds: ReadonlySet<string>
  /** Everything wrong with what the bot sent on this socket. */
  readonly problems: readonly string[]
  readonly closeCode: number | undefined
}

/** Conversation ids in the frames a socket sent (in initiate/resume messages it could be answered about). */
function idsOf(frames: readonly Frame[]): Set<string> {
  const ids = new Set<string>()
  for (const f of frames) {
    if (typeof f !== 'string' || f.length > 100_000) continue
    try {
      const v = JSON.parse(f) as { type?: unknown; conversationId?: unknown }
      if (v && typeof v.conversationId === 'string') ids.add(v.conversationId)
    } catch {
      // not JSON: carries no id
    }
  }
  return ids
}

/**
 * What the bot sent on one socket must be protocol and nothing of ours: every frame is a valid Bot API message, and
 * the canary appears only as `session.error.conversationId` echoing an id this socket sent (the Bot API echoes the
 * conversation id there; it is an identifier, not payload).
 */
export function checkBotFrames(socket: RawSocket, sentIds: ReadonlySet<string>): string[] {
  const problems: string[] = []
  for (const f of socket.frames) {
    if (typeof f.data !== 'string') {
      problems.push(`binary frame from the bot (${f.data.length} bytes)`)
      continue
    }
    const parsed = parseBotMessage(f.data)
    if (!parsed.ok) problems.push(`not a Bot API message (${parsed.rule}: ${parsed.reason}): ${f.data.slice(0, 200)}`)
    if (!f.data.includes(CANARY)) continue
    const v = JSON.parse(f.data) as Record<string, unknown>
    const { conversationId, ...rest } = v
    const echoedId = v.type === 'session.error' && typeof conversationId === 'string' && sentIds.has(conversationId)
    if (!echoedId || JSON.stringify(rest).includes(CANARY)) problems.push(`the bot echoed fuzz input: ${f.data.slice(0, 300)}`)
  }
  return problems
}

/**
 * Plays one socket's plan against `url`: sends every frame (yielding now and then so the server interleaves them with
 * other sockets), lingers for answers, closes, and checks what came back.
 */
export async function playSocket(url: string, token: string, plan: SocketPlan, lingerMs = 300): Promise<SocketOutcome> {
  const s = await rawSocket(url, token)
  let sent = 0
  for (const f of plan.frames) {
    if (!s.send(f)) break
    sent++
    if (sent % 8 === 0) await Bun.sleep(1)
  }
  await Bun.sleep(lingerMs)
  const accepted = s.frames.some((f) => typeof f.data === 'string' && f.data.includes('"session.accepted"'))
  const closeCode = s.closed?.code
  s.close()
  const sentIds = idsOf(plan.frames)
  return { id: plan.id, inCall: plan.inCall, accepted, sent, received: s.frames.length, sentIds, problems: checkBotFrames(s, sentIds), closeCode }
}
