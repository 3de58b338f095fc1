/**
 * @module call/callback-answer
 * How an outbound call (our callback) turned out, from what VoiceAI Connect tells the bot: `session.end` reason codes
 * before the callee answered (no-answer, busy, declined, machine-detected), and the answering-machine verdict of its
 * machine detection in `detect` mode. AudioCodes does not document the verdict's exact shape to us, so both places a
 * VAIC may put it are read: a `start` parameter, or a later event activity. Pure functions.
 */
import type { Activity } from '../telephony/audiocodes/messages'
import type { StartParams } from '../telephony/audiocodes/phone-leg'
import type { CallbackMiss } from '../continuity/continuity'

export type MachineVerdict = 'machine' | 'human'

const MACHINE = /machine|fax|voicemail|voice-mail|answering/i
const HUMAN = /human|person|live/i
const VERDICT_KEYS = ['machineDetection', 'machineDetected', 'answeringMachineDetection', 'amd', 'amdResult'] as const
const VERDICT_EVENT = /^(machine.?detect(ion|ed)?|answering.?machine.?detect(ion|ed)?|amd)$/i

function verdictOf(v: unknown): MachineVerdict | undefined {
  if (v === true) return 'machine'
  if (v === false) return 'human'
  if (typeof v === 'string') return HUMAN.test(v) ? 'human' : MACHINE.test(v) ? 'machine' : undefined
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    for (const k of ['result', 'status', 'type', 'value', 'detected']) {
      const r = verdictOf(o[k])
      if (r) return r
    }
  }
  return undefined
}

/** A machine-detection verdict carried by the `start` event's parameters, if any. */
export function verdictInStart(p: StartParams): MachineVerdict | undefined {
  for (const k of VERDICT_KEYS) {
    const r = verdictOf(p[k])
    if (r) return r
  }
  return undefined
}

/** A machine-detection verdict sent as its own event activity, if this is one. */
export function verdictInActivity(a: Activity): MachineVerdict | undefined {
  if (a.type !== 'event' || a.name === undefined || !VERDICT_EVENT.test(a.name)) return undefined
  return verdictOf(a.value) ?? verdictOf(a.parameters)
}

/** `session.end` before an answer: which miss it is (undefined: not one of the not-answered codes). */
export function missFromEnd(reasonCode: string | undefined): CallbackMiss | undefined {
  switch (reasonCode) {
    case 'no-answer':
      return 'no-answer'
    case 'busy':
      return 'busy'
    case 'declined':
      return 'declined'
    case 'machine-detected':
      return 'machine'
    default:
      return undefined
  }
}
