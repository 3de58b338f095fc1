/**
 * @module sim/realtime/session
 * One emulated Realtime session (one WebSocket): the effective config, the input audio buffer with its energy VAD,
 * the conversation, the responses, and every event in and out, recorded for tests. Client events are handled
 * synchronously in arrival order; only response bodies (brain, paced audio) and transcriptions run asynchronously,
 * as on the real server. Every client mistake is answered with one `error` carrying the client's `event_id`, and the
 * session stays open.
 */
import type { ConversationItem, RealtimeAudioFormats } from 'openai/resources/realtime/realtime'
import { BASE64, encodeOutput, InputDecoder, rateOf } from './audio-codec'
import type { Brain, BrainTrigger, Ear, Voice } from './brain'
import { Conversation, type StoredItem } from './conversation'
import { clientError, invalidValue, type ClientError } from './errors'
import { IdSource } from './ids'
import { checkItem } from './items'
import { Outbox, type SocketLike } from './outbox'
import { parseClientEvent } from './parse'
import { charsHeard, Responder, type ResponsePlan, type ResponseRecord } from './response'
import type { ClientEvent, Item, ResponseParams } from './schemas'
import {
  applySessionUpdate,
  defaultSession,
  parseFormat,
  parseModalities,
  parseToolChoice,
  parseTools,
  parseVoice,
  SEMANTIC_SILENCE_MS,
} from './session-config'
import { EnergyVad, type VadEvent } from './vad'
import type { EffectiveSession, OutgoingEvent, SentEvent } from './wire'

/** The largest `input_audio_buffer.append` payload the API takes. */
export const MAX_APPEND_BYTES = 15 * 1024 * 1024
/** A manual commit needs at least this much audio. */
export const MIN_COMMIT_MS = 100

export interface SessionOptions {
  readonly tag: string
  readonly model: string
  readonly headers: Readonly<Record<string, string>>
  readonly brain: Brain
  readonly ear: Ear
  readonly voice: Voice
  readonly speed: number
  readonly deltaMs: number
  readonly sessionMaxMs: number
  readonly random: () => number
  /** Cap on each event log (oldest dropped); audio payloads are elided in logs. */
  readonly logLimit: number
  /** Upgrade → `session.created` (ms). */
  readonly connectDelayMs: number
  /** `response.create` → first output (ms). */
  readonly firstAudioMs: number
  readonly tap?: import('./emulator').AudioTap
}

export interface LoggedEvent<T> {
  /** Date.now() when received or written. */
  readonly at: number
  readonly event: T
}

export interface ReceivedEvent {
  readonly type: string | undefined
  /** The parsed JSON (audio elided), or the raw text when it was not JSON. */
  readonly raw: unknown
  /** Set when the event was rejected. */
  readonly error?: ClientError
}

export interface SessionCounters {
  audioMsReceived: number
  appends: number
  deltasSent: number
  audioMsSent: number
  errorsSent: number
}

export interface CloseInfo {
  readonly code: number
  readonly reason: string
  /** True when the emulator dropped the socket without a close frame (dropSocket). */
  readonly abrupt: boolean
}

type VadConfig = { readonly threshold: number; readonly silenceMs: number; readonly prefixMs: number }

const elide = (s: string) => `[${s.length} base64 chars]`

export class RealtimeSession {
  readonly id: string
  readonly conversationId: string
  readonly model: string
  readonly headers: Readonly<Record<string, string>>
  readonly createdAt = Date.now()
  config: EffectiveSession
  readonly conversation = new Conversation()
  readonly received: LoggedEvent<ReceivedEvent>[] = []
  readonly sent: LoggedEvent<SentEvent>[] = []
  readonly responses: ResponseRecord[] = []
  readonly counters: SessionCounters = { audioMsReceived: 0, appends: 0, deltasSent: 0, audioMsSent: 0, errorsSent: 0 }
  closeInfo: CloseInfo | undefined
  /** True once assistant audio was produced (the voice is fixed from then on). */
  audioProduced = false

  private readonly ids: IdSource
  private readonly outbox: Outbox
  private readonly capTimer: ReturnType<typeof setTimeout>
  private idleTimer: ReturnType<typeof setTimeout> | undefined
  private active: Responder | undefined
  private readonly running = new Set<Responder>()
  private pendingAuto: BrainTrigger | undefined
  private terminated = false

  // Input audio. Sample positions count from the last input-format change (the "epoch"), at the format's rate.
  private decoder: InputDecoder
  private vad: EnergyVad | undefined
  private vadConfig: VadConfig | undefined
  private epochMs = 0
  private samplesSeen = 0
  private chunks: Int16Array[] = []
  private bufferStart = 0
  private speech: { readonly itemId: string; readonly startSample: number } | undefined
  private idleAnchorMs = 0

  constructor(
    socket: SocketLike,
    private readonly opts: SessionOptions,
  ) {
    this.ids = new IdSource(opts.tag)
    this.id = this.ids.next('sess')
    this.conversationId = this.ids.next('conv')
    this.model = opts.model
    this.headers = opts.headers
    const expiresAt = Math.floor((this.createdAt + opts.sessionMaxMs) / 1000)
    this.config = defaultSession(this.id, opts.model, expiresAt)
    this.outbox = new Outbox(socket, (e) => this.logSent(e), opts.random, () => {
      this.terminated = true
    })
    this.decoder = new InputDecoder(this.config.audio.input.format)
    this.rebuildVad()
    this.capTimer = setTimeout(() => this.expire(), opts.sessionMaxMs)
    this.capTimer.unref()
    // The real server takes a moment before it says hello: nothing leaves until then.
    if (opts.connectDelayMs > 0) this.outbox.stall(opts.connectDelayMs)
    this.send({ type: 'session.created', session: this.config })
    this.send({ type: 'conversation.created', conversation: { id: this.conversationId, object: 'realtime.conversation' } })
  }

  // ---- public view for tests -------------------------------------------------------------------------------------

  get items(): readonly StoredItem[] {
    return this.conversation.items
  }

  /** The response currently writing to the conversation, if any. */
  get activeResponse(): ResponseRecord | undefined {
    return this.active?.record
  }

  get closed(): boolean {
    return this.closeInfo !== undefined
  }

  /** Events sent so far, of one type when given. */
  sentOf<T extends SentEvent['type']>(type: T): Extract<SentEvent, { type: T }>[] {
    return this.sent.map((l) => l.event).filter((e): e is Extract<SentEvent, { type: T }> => e.type === type)
  }

  // ---- faults ----------------------------------------------------------------------------------------------------

  dropSocket(opts: { afterDeltas?: number } = {}): void {
    this.outbox.dropAfter(opts.afterDeltas ?? 0)
  }

  stall(ms: number): void {
    this.outbox.stall(ms)
  }

  setLatency(ms: number, jitterMs = 0): void {
    this.outbox.setLatency(ms, jitterMs)
  }

  injectError(code: string, message: string, type = 'server_error'): void {
    this.sendError({ type, code, message, param: null }, null)
  }

  /** The session cap, now: `session_expired` then close 1001. */
  expire(): void {
    if (this.closed) return
    const minutes = Math.round((this.opts.sessionMaxMs / 60000) * 100) / 100
    this.sendError(
      clientError('session_expired' as const, `Your session hit the maximum duration of ${minutes} minutes.`),
      null,
    )
    this.outbox.closeWhenDrained(1001, 'Session expired')
    this.stopAll()
  }

  // ---- socket ----------------------------------------------------------------------------------------------------

  /** The WebSocket closed (either side, or dropped). */
  socketClosed(code: number, reason: string): void {
    if (this.closeInfo) return
    this.closeInfo = { code, reason, abrupt: this.terminated }
    this.stopAll()
  }

  handle(frame: string | Buffer): void {
    if (this.closed) return
    const at = Date.now()
    const parsed = parseClientEvent(frame)
    const raw = elideAudio(parsed.raw)
    if (!parsed.ok) {
      const type = typeof (raw as { type?: unknown } | null)?.type === 'string' ? (raw as { type: string }).type : undefined
      this.log(this.received, { type, raw, error: parsed.error }, at)
      this.sendError(parsed.error, parsed.eventId)
      return
    }
    const e = parsed.event
    const error = this.dispatch(e)
    this.log(this.received, error ? { type: e.type, raw, error } : { type: e.type, raw }, at)
    if (error) this.sendError(error, e.event_id ?? null)
  }

  // ---- client events ---------------------------------------------------------------------------------------------

  private dispatch(e: ClientEvent): ClientError | undefined {
    switch (e.type) {
      case 'session.update':
        return this.onSessionUpdate(e.session)
      case 'input_audio_buffer.append':
        return this.onAppend(e.audio)
      case 'input_audio_buffer.commit':
        return this.onCommit()
      case 'input_audio_buffer.clear':
        this.clearBuffer()
        this.send({ type: 'input_audio_buffer.cleared' })
        return undefined
      case 'output_audio_buffer.clear':
        return invalidValue('type', e.type, 'output_audio_buffer.clear is only supported for WebRTC and SIP sessions.')
      case 'conversation.item.create':
        return this.onItemCreate(e.item, e.previous_item_id)
      case 'conversation.item.truncate':
        return this.onTruncate(e.item_id, e.content_index, e.audio_end_ms)
      case 'conversation.item.delete': {
        if (!this.conversation.delete(e.item_id)) {
          return clientError('item_delete_invalid_item_id', `Item with item_id '${e.item_id}' not found in the conversation.`, 'item_id')
        }
        this.send({ type: 'conversation.item.deleted', item_id: e.item_id })
        return undefined
      }
      case 'conversation.item.retrieve': {
        const item = this.conversation.get(e.item_id)
        if (!item) {
          return clientError('item_retrieve_invalid_item_id', `Item with item_id '${e.item_id}' not found in the conversation.`, 'item_id')
        }
        this.send({ type: 'conversation.item.retrieved', item: withAudio(item) })
        return undefined
      }
      case 'response.create': {
        const last = this.conversation.items[this.conversation.items.length - 1]
        return this.startResponse(e.response, last?.wire.type === 'function_call_output' ? 'tool_output' : 'create')
      }
      case 'response.cancel':
        return this.onCancel(e.response_id)
    }
  }

  private onSessionUpdate(patch: Extract<ClientEvent, { type: 'session.update' }>['session']): ClientError | undefined {
    const r = applySessionUpdate(this.config, patch, { audioProduced: this.audioProduced })
    if (!r.ok) return r.error
    const before = this.config
    this.config = r.value
    if (JSON.stringify(before.audio.input.format) !== JSON.stringify(r.value.audio.input.format)) {
      // New format: the buffered audio is in the old one, so it goes; input time carries on.
      this.epochMs = this.positionMs()
      this.samplesSeen = 0
      this.chunks = []
      this.bufferStart = 0
      this.speech = undefined
      this.decoder = new InputDecoder(r.value.audio.input.format)
      this.rebuildVad()
    } else if (JSON.stringify(before.audio.input.turn_detection) !== JSON.stringify(r.value.audio.input.turn_detection)) {
      this.speech = undefined
      this.rebuildVad()
    }
    if (!this.idleTimeoutMs()) this.disarmIdle()
    this.send({ type: 'session.updated', session: this.config })
    return undefined
  }

  private onAppend(audio: string): ClientError | undefined {
    this.opts.tap?.append?.(audio, performance.now())
    if (audio.length > (MAX_APPEND_BYTES * 4) / 3 + 4) {
      return invalidValue('audio', elide(audio), `The audio of one append is limited to ${MAX_APPEND_BYTES} bytes.`)
    }
    if (!BASE64.test(audio)) return invalidValue('audio', elide(audio), 'Expected base64-encoded audio.')
    const pcm = this.decoder.decode(audio)
    this.counters.appends++
    this.counters.audioMsReceived += (pcm.length * 1000) / this.decoder.rate
    this.chunks.push(pcm)
    this.samplesSeen += pcm.length
    if (this.vad) {
      for (const ev of this.vad.push(pcm)) this.onVad(ev)
      if (!this.speech) this.trimBuffer()
    }
    return undefined
  }

  private onCommit(): ClientError | undefined {
    const n = this.samplesSeen - this.bufferStart
    const ms = (n * 1000) / this.decoder.rate
    if (ms < MIN_COMMIT_MS) {
      return clientError(
        'input_audio_buffer_commit_empty',
        `Error committing input audio buffer: buffer too small. Expected at least ${MIN_COMMIT_MS}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
      )
    }
    const itemId = this.speech?.itemId ?? this.ids.next('item')
    this.speech = undefined
    this.rebuildVad()
    this.commitAudio(itemId, this.takeBuffer(this.samplesSeen))
    return undefined
  }

  private onItemCreate(item: Item, previousId: string | undefined): ClientError | undefined {
    if (previousId !== undefined && previousId !== 'root' && !this.conversation.has(previousId)) {
      return invalidValue('previous_item_id', previousId, `No item with id '${previousId}' exists in the conversation.`)
    }
    if (item.id !== undefined && this.conversation.has(item.id)) {
      return invalidValue('item.id', item.id, `An item with id '${item.id}' already exists in the conversation.`)
    }
    const id = item.id ?? this.ids.next('item')
    const checked = checkItem(item, 'item', {
      id,
      inputFormat: this.config.audio.input.format,
      hasCall: (c) => this.conversation.hasCall(c),
      newCallId: () => this.ids.next('call'),
    })
    if (!checked.ok) return checked.error
    const stored = this.storeChecked(id, checked.value.wire, checked.value.heard)
    const previous = this.conversation.insert(stored, previousId)
    this.send({ type: 'conversation.item.added', item: stored.wire, previous_item_id: previous })
    this.send({ type: 'conversation.item.done', item: stored.wire, previous_item_id: previous })
    return undefined
  }

  private storeChecked(
    id: string,
    wire: ConversationItem,
    heard: { readonly text: string } | { readonly audio: string; readonly format: RealtimeAudioFormats },
  ): StoredItem {
    if ('text' in heard) return { id, wire, heard: heard.text, ready: Promise.resolve() }
    const pcm = new InputDecoder(heard.format).decode(heard.audio)
    const stored: StoredItem = { id, wire, heard: undefined, ready: Promise.resolve(), userAudio: { format: heard.format, samples: pcm } }
    stored.ready = this.transcribe(pcm, rateOf(heard.format)).then((t) => {
      stored.heard = t
    })
    return stored
  }

  private onTruncate(itemId: string, contentIndex: number, audioEndMs: number): ClientError | undefined {
    const item = this.conversation.get(itemId)
    if (!item) {
      return clientError('item_truncate_invalid_item_id', `Item with item_id '${itemId}' not found in the conversation.`, 'item_id')
    }
    const a = item.assistantAudio
    if (item.wire.type !== 'message' || item.wire.role !== 'assistant' || !a) {
      return invalidValue('item_id', itemId, 'Only assistant messages with audio content can be truncated.')
    }
    if (contentIndex !== 0) return invalidValue('content_index', contentIndex, 'The item has one content part; content_index must be 0.')
    const lengthMs = Math.floor(a.truncatedAtMs ?? a.sentMs)
    if (audioEndMs > lengthMs) {
      return invalidValue('audio_end_ms', audioEndMs, `Audio content of ${lengthMs}ms is already shorter than ${audioEndMs}ms.`)
    }
    a.truncatedAtMs = audioEndMs
    const transcript = a.text.slice(0, charsHeard(this.opts.voice, a, audioEndMs))
    item.heard = transcript
    item.wire = { ...item.wire, content: [{ type: 'output_audio', transcript }] }
    this.send({ type: 'conversation.item.truncated', item_id: itemId, content_index: contentIndex, audio_end_ms: audioEndMs })
    return undefined
  }

  private onCancel(responseId: string | undefined): ClientError | undefined {
    const r = responseId === undefined ? this.active : [...this.running].find((x) => x.id === responseId)
    if (!r) {
      return clientError(
        'response_cancel_not_active',
        responseId === undefined
          ? 'Cancellation failed: no active response found.'
          : `Cancellation failed: no active response found with id '${responseId}'.`,
        responseId === undefined ? null : 'response_id',
      )
    }
    r.cancel('client_cancelled')
    return undefined
  }

  // ---- responses -------------------------------------------------------------------------------------------------

  private startResponse(params: ResponseParams | undefined, trigger: BrainTrigger): ClientError | undefined {
    const plan = this.plan(params, trigger)
    if (!plan.ok) return plan.error
    if (plan.value.conversation === 'auto' && this.active) {
      return clientError(
        'conversation_already_has_active_response',
        `Conversation already has an active response in progress: ${this.active.id}. Wait until the response is finished before creating a new one.`,
      )
    }
    this.disarmIdle()
    const host = {
      ids: this.ids,
      conversation: this.conversation,
      conversationId: this.conversationId,
      brain: this.opts.brain,
      voice: this.opts.voice,
      speed: this.opts.speed,
      deltaMs: this.opts.deltaMs,
      firstAudioMs: this.opts.firstAudioMs,
      send: (ev: OutgoingEvent) => this.send(ev),
      audioProduced: () => {
        this.audioProduced = true
      },
      deltaSent: (ms: number) => {
        this.counters.deltasSent++
        this.counters.audioMsSent += ms
      },
      finished: (r: Responder) => this.responseFinished(r),
    }
    const r = new Responder(host, plan.value, this.ids.next('resp'))
    this.running.add(r)
    if (plan.value.conversation === 'auto') this.active = r
    this.responses.push(r.record)
    r.start()
    return undefined
  }

  private plan(params: ResponseParams | undefined, trigger: BrainTrigger): { ok: true; value: ResponsePlan } | { ok: false; error: ClientError } {
    const cfg = this.config
    const p = params ?? {}
    const fail = (error: ClientError) => ({ ok: false as const, error })
    const conversation = p.conversation ?? 'auto'
    if (conversation !== 'auto' && conversation !== 'none') {
      return fail(invalidValue('response.conversation', conversation, "Supported values are: 'auto' and 'none'."))
    }
    let tools = cfg.tools
    if (p.tools !== undefined) {
      const r = parseTools(p.tools, 'response.tools')
      if (!r.ok) return r
      tools = r.value
    }
    let toolChoice = cfg.tool_choice
    if (p.tool_choice !== undefined) {
      const r = parseToolChoice(p.tool_choice, 'response.tool_choice')
      if (!r.ok) return r
      toolChoice = r.value
    }
    let modality = cfg.output_modalities[0] ?? 'audio'
    if (p.output_modalities !== undefined) {
      const r = parseModalities(p.output_modalities, 'response.output_modalities')
      if (!r.ok) return r
      modality = r.value[0] ?? 'audio'
    }
    let format = cfg.audio.output.format
    if (p.audio?.output?.format !== undefined) {
      const r = parseFormat(p.audio.output.format, 'response.audio.output.format')
      if (!r.ok) return r
      format = r.value
    }
    let voice = cfg.audio.output.voice
    if (p.audio?.output?.voice !== undefined) {
      const r = parseVoice(p.audio.output.voice, 'response.audio.output.voice')
      if (!r.ok) return r
      voice = r.value
    }
    const metadata = p.metadata ?? null
    if (metadata && Object.keys(metadata).length > 16) {
      return fail(invalidValue('response.metadata', `${Object.keys(metadata).length} keys`, 'Metadata holds at most 16 key-value pairs.'))
    }
    const reasoningModel = /^gpt-realtime-(?:[2-9]|\d{2})/.test(this.model)
    if (!reasoningModel && (p.reasoning !== undefined || p.parallel_tool_calls !== undefined)) {
      const param = p.reasoning !== undefined ? 'response.reasoning' : 'response.parallel_tool_calls'
      return fail(clientError('unsupported_parameter', `'${param.slice(9)}' is not supported with the model '${this.model}'.`, param))
    }
    let context: readonly StoredItem[] = [...this.conversation.items]
    if (p.input !== undefined) {
      const r = this.resolveInput(p.input)
      if (!r.ok) return r
      context = r.value
    }
    return {
      ok: true,
      value: {
        conversation,
        instructions: p.instructions ?? cfg.instructions,
        sessionInstructions: cfg.instructions,
        tools,
        toolChoice,
        modality,
        format,
        voice,
        maxOutputTokens: p.max_output_tokens ?? cfg.max_output_tokens,
        metadata,
        context,
        request: params,
        trigger,
      },
    }
  }

  /** `response.input`: references to conversation items and/or new items that exist only for this response. */
  private resolveInput(input: Item[]): { ok: true; value: StoredItem[] } | { ok: false; error: ClientError } {
    const out: StoredItem[] = []
    for (const [i, item] of input.entries()) {
      const p = `response.input[${i}]`
      if (item.type === 'item_reference') {
        for (const k of Object.keys(item)) {
          if (k !== 'type' && k !== 'id') return { ok: false, error: clientError('unknown_parameter', `Unknown parameter: '${p}.${k}'.`, `${p}.${k}`) }
        }
        const ref = item.id === undefined ? undefined : this.conversation.get(item.id)
        if (!ref) return { ok: false, error: invalidValue(`${p}.id`, item.id ?? '', 'No item with this id exists in the conversation.') }
        out.push(ref)
        continue
      }
      const id = item.id ?? this.ids.next('item')
      const checked = checkItem(item, p, {
        id,
        inputFormat: this.config.audio.input.format,
        hasCall: (c) => this.conversation.hasCall(c) || out.some((o) => o.wire.type === 'function_call' && o.wire.call_id === c),
        newCallId: () => this.ids.next('call'),
      })
      if (!checked.ok) return checked
      out.push(this.storeChecked(id, checked.value.wire, checked.value.heard))
    }
    return { ok: true, value: out }
  }

  private requestAutoResponse(trigger: BrainTrigger): void {
    if (this.active) {
      // The caller spoke while the bot was talking and barge-in is off: answer once the current response is done.
      this.pendingAuto = trigger
      return
    }
    this.startResponse(undefined, trigger)
  }

  private responseFinished(r: Responder): void {
    this.running.delete(r)
    if (r !== this.active) return
    this.active = undefined
    if (this.closed) return
    this.armIdle(r)
    const pending = this.pendingAuto
    this.pendingAuto = undefined
    if (pending) this.startResponse(undefined, pending)
  }

  private stopAll(): void {
    clearTimeout(this.capTimer)
    this.disarmIdle()
    for (const r of this.running) r.abort()
    this.running.clear()
    this.active = undefined
  }

  // ---- input audio, VAD, idle timeout ------------------------------------------------------------------------------

  private vadSettings(): VadConfig | undefined {
    const td = this.config.audio.input.turn_detection
    if (!td) return undefined
    if (td.type === 'server_vad') {
      return { threshold: td.threshold ?? 0.5, silenceMs: td.silence_duration_ms ?? 500, prefixMs: td.prefix_padding_ms ?? 300 }
    }
    return { threshold: 0.5, silenceMs: SEMANTIC_SILENCE_MS[td.eagerness ?? 'auto'], prefixMs: 300 }
  }

  private rebuildVad(): void {
    this.vadConfig = this.vadSettings()
    this.vad = this.vadConfig ? new EnergyVad(this.decoder.rate, this.vadConfig, this.samplesSeen) : undefined
  }

  private positionMs(sample = this.samplesSeen): number {
    return this.epochMs + (sample * 1000) / this.decoder.rate
  }

  private onVad(ev: VadEvent): void {
    const td = this.config.audio.input.turn_detection
    const cfg = this.vadConfig
    if (!td || !cfg) return
    if (ev.type === 'speech_started') {
      const prefix = Math.round((cfg.prefixMs * this.decoder.rate) / 1000)
      const itemId = this.ids.next('item')
      this.speech = { itemId, startSample: Math.max(this.bufferStart, ev.atSample - prefix) }
      this.disarmIdle()
      this.send({
        type: 'input_audio_buffer.speech_started',
        audio_start_ms: Math.max(0, Math.floor(this.positionMs(ev.atSample) - cfg.prefixMs)),
        item_id: itemId,
      })
      if (td.interrupt_response !== false && this.active) this.active.cancel('turn_detected')
      return
    }
    const s = this.speech
    if (!s) return
    this.speech = undefined
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: Math.floor(this.positionMs(ev.atSample)), item_id: s.itemId })
    this.bufferStart = Math.max(this.bufferStart, s.startSample)
    this.dropBefore(this.bufferStart)
    this.commitAudio(s.itemId, this.takeBuffer(ev.atSample))
    if (td.create_response !== false) this.requestAutoResponse('user_turn')
  }

  /** Sends committed + the user item, and starts transcribing it. */
  private commitAudio(itemId: string, pcm: Int16Array): void {
    const previous = this.conversation.lastId
    const format = this.config.audio.input.format
    const wantTranscript = this.config.audio.input.transcription !== null
    this.send({ type: 'input_audio_buffer.committed', item_id: itemId, previous_item_id: previous })
    const wire: ConversationItem = {
      id: itemId,
      object: 'realtime.item',
      type: 'message',
      role: 'user',
      status: 'completed',
      content: [{ type: 'input_audio' }],
    }
    const stored: StoredItem = { id: itemId, wire, heard: undefined, ready: Promise.resolve(), userAudio: { format, samples: pcm } }
    const rate = rateOf(format)
    stored.ready = this.transcribe(pcm, rate).then((transcript) => {
      stored.heard = transcript
      if (!wantTranscript || this.closed) return
      stored.wire = { ...wire, content: [{ type: 'input_audio', transcript }] }
      this.send({
        type: 'conversation.item.input_audio_transcription.completed',
        item_id: itemId,
        content_index: 0,
        transcript,
        usage: { type: 'duration', seconds: Math.round(pcm.length / rate * 100) / 100 },
      })
    })
    this.conversation.insert(stored)
    this.send({ type: 'conversation.item.added', item: wire, previous_item_id: previous })
    this.send({ type: 'conversation.item.done', item: wire, previous_item_id: previous })
  }

  private async transcribe(pcm: Int16Array, rate: number): Promise<string> {
    try {
      return (await this.opts.ear.transcribe(pcm, rate)).trim()
    } catch {
      return ''
    }
  }

  /** Removes and returns the buffered samples up to `end` (exclusive). */
  private takeBuffer(end: number): Int16Array {
    const n = Math.max(0, end - this.bufferStart)
    const out = new Int16Array(n)
    let at = 0
    let pos = this.bufferStart
    const rest: Int16Array[] = []
    for (const c of this.chunks) {
      const cEnd = pos + c.length
      if (cEnd <= end) {
        out.set(c, at)
        at += c.length
      } else if (pos < end) {
        const k = end - pos
        out.set(c.subarray(0, k), at)
        at += k
        rest.push(c.subarray(k))
      } else rest.push(c)
      pos = cEnd
    }
    this.chunks = rest
    this.bufferStart = Math.max(this.bufferStart, end)
    return out
  }

  private dropBefore(sample: number): void {
    let pos = this.samplesSeen - this.chunks.reduce((n, c) => n + c.length, 0)
    const rest: Int16Array[] = []
    for (const c of this.chunks) {
      const cEnd = pos + c.length
      if (cEnd > sample) rest.push(pos >= sample ? c : c.subarray(sample - pos))
      pos = cEnd
    }
    this.chunks = rest
  }

  /** Outside speech, VAD mode keeps only what a coming speech start could need (its prefix padding). */
  private trimBuffer(): void {
    const keepMs = (this.vadConfig?.prefixMs ?? 300) + 100
    const keep = Math.round((keepMs * this.decoder.rate) / 1000)
    const from = this.samplesSeen - keep
    if (from <= this.bufferStart) return
    this.bufferStart = from
    this.dropBefore(from)
  }

  private clearBuffer(): void {
    this.chunks = []
    this.bufferStart = this.samplesSeen
    this.speech = undefined
    this.rebuildVad()
  }

  private idleTimeoutMs(): number | undefined {
    const td = this.config.audio.input.turn_detection
    return td?.type === 'server_vad' && typeof td.idle_timeout_ms === 'number' ? td.idle_timeout_ms : undefined
  }

  /** The idle timer starts when the response's audio has finished PLAYING (it was sent faster than real time). */
  private armIdle(r: Responder): void {
    const idle = this.idleTimeoutMs()
    if (idle === undefined) return
    const rec = r.record
    const playedMs = rec.firstAudioAt === undefined ? 0 : performance.now() - rec.firstAudioAt
    const remaining = Math.max(0, rec.audioMs - playedMs)
    this.disarmIdle()
    this.idleAnchorMs = this.positionMs() + remaining
    this.idleTimer = setTimeout(() => this.idleFired(), remaining + idle)
  }

  private disarmIdle(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = undefined
  }

  private idleFired(): void {
    this.idleTimer = undefined
    if (this.closed || this.speech || this.active || this.idleTimeoutMs() === undefined) return
    const itemId = this.ids.next('item')
    const end = Math.floor(this.positionMs())
    this.send({
      type: 'input_audio_buffer.timeout_triggered',
      audio_start_ms: Math.min(end, Math.floor(this.idleAnchorMs)),
      audio_end_ms: end,
      item_id: itemId,
    })
    this.commitAudio(itemId, this.takeBuffer(this.samplesSeen))
    const td = this.config.audio.input.turn_detection
    if (td?.create_response !== false) this.startResponse(undefined, 'idle_timeout')
  }

  // ---- output ----------------------------------------------------------------------------------------------------

  private send(e: OutgoingEvent): void {
    if (this.closeInfo) return
    this.outbox.send({ ...e, event_id: this.ids.next('event') } as SentEvent)
  }

  private sendError(error: ClientError, eventId: string | null): void {
    this.counters.errorsSent++
    this.send({ type: 'error', error: { type: error.type, code: error.code, message: error.message, param: error.param, event_id: eventId } })
  }

  private logSent(e: SentEvent): void {
    if (e.type === 'response.output_audio.delta') this.opts.tap?.delta?.(e.delta, performance.now())
    const logged = e.type === 'response.output_audio.delta' ? { ...e, delta: elide(e.delta) } : e
    this.log(this.sent, logged)
  }

  private log<T>(list: LoggedEvent<T>[], event: T, at = Date.now()): void {
    list.push({ at, event })
    if (list.length > this.opts.logLimit) list.splice(0, list.length - this.opts.logLimit)
  }
}

function elideAudio(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return raw
  const o = raw as { type?: unknown; audio?: unknown }
  if (o.type === 'input_audio_buffer.append' && typeof o.audio === 'string') return { ...o, audio: elide(o.audio) }
  return raw
}

/** The item as `conversation.item.retrieved` shows it: with its audio. */
function withAudio(item: StoredItem): ConversationItem {
  const w = item.wire
  if (w.type !== 'message') return w
  if (item.assistantAudio && w.role === 'assistant') {
    const a = item.assistantAudio
    const keepMs = a.truncatedAtMs ?? a.sentMs
    const samples = a.samples.subarray(0, Math.round((keepMs * rateOf(a.format)) / 1000))
    return { ...w, content: w.content.map((c) => ({ ...c, audio: encodeOutput(a.format, samples) })) }
  }
  if (item.userAudio && w.role === 'user') {
    const u = item.userAudio
    return {
      ...w,
      content: w.content.map((c) => (c.type === 'input_audio' ? { ...c, audio: encodeOutput(u.format, u.samples) } : c)),
    }
  }
  return w
}
