/**
 * @module sim/realtime/response
 * One model response, from `response.created` to `response.done`, in the GA event order:
 *
 *   response.created → rate_limits.updated → per output item: response.output_item.added → conversation.item.added →
 *   (message) response.content_part.added → N × (response.output_audio.delta + response.output_audio_transcript.delta)
 *   → response.output_audio.done → response.output_audio_transcript.done → response.content_part.done
 *   (function call) response.function_call_arguments.delta → .done
 *   → response.output_item.done → conversation.item.done … → response.done
 *
 * Audio deltas carry `deltaMs` of audio each and leave `speed` times faster than real time (0: as fast as the event
 * loop allows), paced from the response's start so timer slop does not accumulate. The transcript delta after each
 * audio delta reveals exactly the text that audio speaks (the voice's `charsHeard`), so a client that truncates at
 * played time gets a transcript consistent with what it played. A cancel (client or barge-in) is synchronous: the
 * open item is closed as `incomplete` and `response.done` (cancelled) is sent before the cancelling handler returns.
 */
import type {
  ConversationItem,
  RealtimeAudioFormats,
  RealtimeFunctionTool,
  RealtimeResponse,
  RealtimeResponseStatus,
  RealtimeToolChoiceConfig,
} from 'openai/resources/realtime/realtime'
import { encodeOutput, rateOf } from './audio-codec'
import type { Brain, BrainCall, BrainTrigger, BrainTurn, Voice } from './brain'
import { brainItems, type AssistantAudio, type Conversation, type StoredItem } from './conversation'
import type { IdSource } from './ids'
import type { ResponseParams } from './schemas'
import type { OutgoingEvent, VoiceName } from './wire'

export interface ResponseHost {
  readonly ids: IdSource
  readonly conversation: Conversation
  readonly conversationId: string
  readonly brain: Brain
  readonly voice: Voice
  /** Real-time multiple for audio deltas; 0 = no pacing. */
  readonly speed: number
  readonly deltaMs: number
  /** The model's time to first output, from `response.created` (0: none). */
  readonly firstAudioMs: number
  send(e: OutgoingEvent): void
  /** The first audio of the session fixes its voice. */
  audioProduced(): void
  deltaSent(audioMs: number): void
  finished(r: Responder): void
}

export interface ResponsePlan {
  readonly conversation: 'auto' | 'none'
  readonly instructions: string
  readonly sessionInstructions: string
  readonly tools: readonly RealtimeFunctionTool[]
  readonly toolChoice: RealtimeToolChoiceConfig
  readonly modality: 'audio' | 'text'
  readonly format: RealtimeAudioFormats
  readonly voice: VoiceName
  readonly maxOutputTokens: number | 'inf'
  readonly metadata: Record<string, string> | null
  /** The items the model reads (the conversation at creation, or the response's `input`). */
  readonly context: readonly StoredItem[]
  readonly request: ResponseParams | undefined
  readonly trigger: BrainTrigger
}

export type ResponseStatus = 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete'

/** What tests read about a response. */
export interface ResponseRecord {
  readonly id: string
  readonly trigger: BrainTrigger
  readonly conversation: 'auto' | 'none'
  status: ResponseStatus
  statusDetails?: RealtimeResponseStatus
  turn?: BrainTurn
  /** Calls the brain wanted that the tools or tool_choice did not allow. */
  droppedCalls: BrainCall[]
  output: ConversationItem[]
  audioMs: number
  readonly startedAt: number
  endedAt?: number
  /** When the first audio delta left (performance.now()), for playback estimates. */
  firstAudioAt?: number
}

interface OpenMessage {
  readonly stored: StoredItem
  readonly outputIndex: number
  readonly text: string
  sentChars: number
}

/** How much of `audio.text` `ms` of its audio speaks: the voice's own answer, else proportional to duration. */
export function charsHeard(voice: Voice, audio: AssistantAudio, ms: number): number {
  const text = audio.text
  if (voice.charsHeard) return Math.max(0, Math.min(text.length, voice.charsHeard(text, ms)))
  const totalMs = (audio.samples.length * 1000) / rateOf(audio.format)
  return totalMs <= 0 ? text.length : Math.max(0, Math.min(text.length, Math.floor((text.length * ms) / totalMs)))
}

export class Responder {
  readonly record: ResponseRecord
  private ended = false
  private wake: (() => void) | undefined
  private open: OpenMessage | undefined
  private readonly itemsOut: StoredItem[] = []

  constructor(
    private readonly host: ResponseHost,
    readonly plan: ResponsePlan,
    readonly id: string,
  ) {
    this.record = {
      id,
      trigger: plan.trigger,
      conversation: plan.conversation,
      status: 'in_progress',
      droppedCalls: [],
      output: [],
      audioMs: 0,
      startedAt: performance.now(),
    }
  }

  get active(): boolean {
    return !this.ended
  }

  /** Sends response.created now; the rest runs asynchronously. */
  start(): void {
    this.host.send({ type: 'response.created', response: this.snapshot('in_progress') })
    this.host.send({
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: 5000, remaining: 4999, reset_seconds: 0.012 },
        { name: 'tokens', limit: 40000, remaining: 36000, reset_seconds: 6 },
      ],
    })
    void this.run()
  }

  cancel(reason: 'turn_detected' | 'client_cancelled'): void {
    this.end('cancelled', { type: 'cancelled', reason })
  }

  /** Stops without sending anything (the socket is gone). */
  abort(): void {
    if (this.ended) return
    this.ended = true
    this.wake?.()
    this.record.status = 'cancelled'
    this.record.endedAt = performance.now()
    this.record.output = this.itemsOut.map((i) => i.wire)
  }

  private async run(): Promise<void> {
    await Promise.all(this.plan.context.map((i) => i.ready))
    if (this.ended) return
    // The model thinking: a cancel meanwhile ends the response at once (wake).
    if (this.host.firstAudioMs > 0) await this.sleep(this.host.firstAudioMs)
    if (this.ended) return
    let turn: BrainTurn
    try {
      turn = await this.host.brain.respond({
        instructions: this.plan.instructions,
        sessionInstructions: this.plan.sessionInstructions,
        tools: this.plan.tools,
        toolChoice: this.plan.toolChoice,
        items: brainItems(this.plan.context),
        request: this.plan.request,
        trigger: this.plan.trigger,
      })
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e)
      this.end('failed', { type: 'failed', error: { type: 'server_error', code: 'emulator_brain_error', message } })
      return
    }
    if (this.ended) return
    this.record.turn = turn
    const calls = (turn.calls ?? []).filter((c) => {
      const allowed = this.allowed(c.name)
      if (!allowed) this.record.droppedCalls.push(c)
      return allowed
    })
    let index = 0
    const say = turn.say?.trim() ?? ''
    if (say !== '') await this.speak(say, index++)
    for (const c of calls) {
      if (this.ended) return
      this.call(c, index++)
    }
    this.end('completed')
  }

  private allowed(name: string): boolean {
    const tc = this.plan.toolChoice
    if (tc === 'none') return false
    if (typeof tc === 'object' && 'name' in tc && tc.name !== name) return false
    return this.plan.tools.some((t) => t.name === name)
  }

  private addItem(stored: StoredItem, outputIndex: number): void {
    this.itemsOut.push(stored)
    this.host.send({ type: 'response.output_item.added', response_id: this.id, output_index: outputIndex, item: stored.wire })
    if (this.plan.conversation === 'auto') {
      const previous = this.host.conversation.insert(stored)
      this.host.send({ type: 'conversation.item.added', item: stored.wire, previous_item_id: previous })
    }
  }

  private finishItem(stored: StoredItem, outputIndex: number): void {
    this.host.send({ type: 'response.output_item.done', response_id: this.id, output_index: outputIndex, item: stored.wire })
    if (this.plan.conversation === 'auto' && this.host.conversation.has(stored.id)) {
      this.host.send({ type: 'conversation.item.done', item: stored.wire })
    }
  }

  private async speak(text: string, outputIndex: number): Promise<void> {
    const id = this.host.ids.next('item')
    const audio = this.plan.modality === 'audio'
    const stored: StoredItem = {
      id,
      wire: { id, object: 'realtime.item', type: 'message', role: 'assistant', status: 'in_progress', content: [] },
      heard: '',
      ready: Promise.resolve(),
    }
    this.addItem(stored, outputIndex)
    this.open = { stored, outputIndex, text, sentChars: 0 }
    const ids = { response_id: this.id, item_id: id, output_index: outputIndex, content_index: 0 }
    this.host.send({
      type: 'response.content_part.added',
      ...ids,
      part: audio ? { type: 'audio', transcript: '' } : { type: 'text', text: '' },
    })
    if (!audio) {
      // Text mode: word-sized deltas, no pacing (there is no audio clock to follow).
      for (const w of text.match(/\S+\s*/g) ?? [text]) {
        this.host.send({ type: 'response.output_text.delta', ...ids, delta: w })
        this.open.sentChars += w.length
      }
      this.closeOpen('completed')
      return
    }
    const rate = rateOf(this.plan.format)
    const samples = this.host.voice.synthesize(text, rate)
    stored.assistantAudio = { format: this.plan.format, samples, text, sentMs: 0 }
    const chunk = Math.max(1, Math.round((rate * this.host.deltaMs) / 1000))
    const t0 = performance.now()
    const count = Math.ceil(samples.length / chunk)
    for (let k = 0; k < count; k++) {
      if (k > 0) await this.pace(t0, k)
      if (this.ended || this.open?.stored !== stored) return
      const part = samples.subarray(k * chunk, Math.min(samples.length, (k + 1) * chunk))
      if (k === 0) {
        this.host.audioProduced()
        this.record.firstAudioAt = performance.now()
      }
      this.host.send({ type: 'response.output_audio.delta', ...ids, delta: encodeOutput(this.plan.format, part) })
      const ms = (part.length * 1000) / rate
      stored.assistantAudio.sentMs += ms
      this.record.audioMs += ms
      this.host.deltaSent(ms)
      const heard = k === count - 1 ? text.length : this.charsHeard(text, stored.assistantAudio.sentMs)
      this.revealTo(heard)
    }
    this.revealTo(text.length)
    this.closeOpen('completed')
  }

  private charsHeard(text: string, ms: number): number {
    const a = this.open?.stored.assistantAudio
    return a ? charsHeard(this.host.voice, a, ms) : text.length
  }

  private revealTo(chars: number): void {
    const o = this.open
    if (!o || chars <= o.sentChars) return
    const delta = o.text.slice(o.sentChars, chars)
    o.sentChars = chars
    this.host.send({
      type: 'response.output_audio_transcript.delta',
      response_id: this.id,
      item_id: o.stored.id,
      output_index: o.outputIndex,
      content_index: 0,
      delta,
    })
  }

  private pace(t0: number, k: number): Promise<void> {
    const speed = this.host.speed
    return this.sleep(speed > 0 ? t0 + (k * this.host.deltaMs) / speed - performance.now() : 0)
  }

  /** Waits `wait` ms (a turn of the event loop when ≤ 0); `end`/`abort` wake it early. */
  private sleep(wait: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      const done = () => {
        clearTimeout(timer)
        this.wake = undefined
        resolve()
      }
      this.wake = done
      if (wait > 0) timer = setTimeout(done, wait)
      else setImmediate(done)
    })
  }

  /** Closes the message being spoken: `completed`, or `incomplete` when the response was cut short. */
  private closeOpen(status: 'completed' | 'incomplete'): void {
    const o = this.open
    if (!o) return
    this.open = undefined
    const audio = this.plan.modality === 'audio'
    const a = o.stored.assistantAudio
    // A client may truncate while the item is still streaming; what it heard then wins over what was sent.
    const said = o.text.slice(0, a?.truncatedAtMs !== undefined ? Math.min(o.sentChars, charsHeard(this.host.voice, a, a.truncatedAtMs)) : o.sentChars)
    const ids = { response_id: this.id, item_id: o.stored.id, output_index: o.outputIndex, content_index: 0 }
    if (audio) {
      this.host.send({ type: 'response.output_audio.done', ...ids })
      this.host.send({ type: 'response.output_audio_transcript.done', ...ids, transcript: said })
      this.host.send({ type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript: said } })
    } else {
      this.host.send({ type: 'response.output_text.done', ...ids, text: said })
      this.host.send({ type: 'response.content_part.done', ...ids, part: { type: 'text', text: said } })
    }
    o.stored.heard = said
    o.stored.wire = {
      id: o.stored.id,
      object: 'realtime.item',
      type: 'message',
      role: 'assistant',
      status,
      content: [audio ? { type: 'output_audio', transcript: said } : { type: 'output_text', text: said }],
    }
    this.finishItem(o.stored, o.outputIndex)
  }

  private call(c: BrainCall, outputIndex: number): void {
    const id = this.host.ids.next('item')
    const callId = this.host.ids.next('call')
    const args = JSON.stringify(c.arguments)
    const stored: StoredItem = {
      id,
      wire: { id, object: 'realtime.item', type: 'function_call', status: 'in_progress', call_id: callId, name: c.name, arguments: '' },
      heard: '',
      ready: Promise.resolve(),
    }
    this.addItem(stored, outputIndex)
    const ids = { response_id: this.id, item_id: id, output_index: outputIndex, call_id: callId }
    this.host.send({ type: 'response.function_call_arguments.delta', ...ids, delta: args })
    this.host.send({ type: 'response.function_call_arguments.done', ...ids, name: c.name, arguments: args })
    stored.wire = { id, object: 'realtime.item', type: 'function_call', status: 'completed', call_id: callId, name: c.name, arguments: args }
    this.finishItem(stored, outputIndex)
  }

  private end(status: Exclude<ResponseStatus, 'in_progress'>, details?: RealtimeResponseStatus): void {
    if (this.ended) return
    this.closeOpen('incomplete')
    this.ended = true
    this.wake?.()
    this.record.status = status
    if (details) this.record.statusDetails = details
    this.record.endedAt = performance.now()
    this.record.output = this.itemsOut.map((i) => i.wire)
    this.host.send({ type: 'response.done', response: this.snapshot(status, details) })
    this.host.finished(this)
  }

  private snapshot(status: ResponseStatus, details?: RealtimeResponseStatus): RealtimeResponse {
    const p = this.plan
    const r: RealtimeResponse = {
      object: 'realtime.response',
      id: this.id,
      status,
      output: this.itemsOut.map((i) => i.wire),
      output_modalities: [p.modality],
      max_output_tokens: p.maxOutputTokens,
      audio: { output: { format: p.format, voice: typeof p.voice === 'string' ? p.voice : p.voice.id } },
      metadata: p.metadata,
    }
    if (p.conversation === 'auto') r.conversation_id = this.host.conversationId
    if (details) r.status_details = details
    if (status !== 'in_progress') r.usage = this.usage()
    return r
  }

  /** Plausible token counts: ~4 characters per text token, ~50 ms per audio token. */
  private usage(): NonNullable<RealtimeResponse['usage']> {
    const inputText = Math.ceil(
      (this.plan.instructions.length + this.plan.context.reduce((n, i) => n + (i.heard?.length ?? 0), 0)) / 4,
    )
    const outText = Math.ceil(this.itemsOut.reduce((n, i) => n + (i.heard?.length ?? 0) + (i.wire.type === 'function_call' ? i.wire.arguments.length : 0), 0) / 4)
    const outAudio = Math.ceil(this.record.audioMs / 50)
    return {
      total_tokens: inputText + outText + outAudio,
      input_tokens: inputText,
      output_tokens: outText + outAudio,
      input_token_details: { text_tokens: inputText, audio_tokens: 0, image_tokens: 0, cached_tokens: 0 },
      output_token_details: { text_tokens: outText, audio_tokens: outAudio },
    }
  }
}
