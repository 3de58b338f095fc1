/**
 * @module sim/realtime/schemas
 * TypeBox schemas of every client event of the Realtime GA API, CLOSED (`additionalProperties: false`) at every level
 * the real server is strict about, so a beta-shaped field (`session.modalities`, `session.voice`,
 * `session.input_audio_format`, …) is an `unknown_parameter`. Polymorphic parts (formats, turn detection, items,
 * tool choice) are loose here — one object with every variant's fields — and checked per variant in the semantic
 * validators (session-config.ts, items.ts), which can say precisely what is wrong.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { compile, type Validator } from './validate'

const closed = { additionalProperties: false } as const
const Opt = <T extends TSchema>(t: T) => Type.Optional(t)
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const EventId = Opt(Type.String())

export const Format = Type.Object({ type: Type.String(), rate: Opt(Type.Number()) }, closed)
export type Format = Static<typeof Format>

export const TurnDetection = Type.Object(
  {
    type: Type.String(),
    threshold: Opt(Type.Number({ minimum: 0, maximum: 1 })),
    prefix_padding_ms: Opt(Type.Integer({ minimum: 0 })),
    silence_duration_ms: Opt(Type.Integer({ minimum: 0 })),
    idle_timeout_ms: Opt(Nullable(Type.Integer({ minimum: 0 }))),
    create_response: Opt(Type.Boolean()),
    interrupt_response: Opt(Type.Boolean()),
    eagerness: Opt(Type.String()),
  },
  closed,
)
export type TurnDetection = Static<typeof TurnDetection>

const Transcription = Type.Object(
  {
    model: Opt(Type.String()),
    language: Opt(Type.String()),
    prompt: Opt(Type.String()),
    languages: Opt(Type.Array(Type.String())),
    keywords: Opt(Type.Array(Type.String())),
    delay: Opt(Type.Union([Type.Literal('minimal'), Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('xhigh')])),
  },
  closed,
)

const NoiseReduction = Type.Object(
  { type: Opt(Type.Union([Type.Literal('near_field'), Type.Literal('far_field')])), strength: Opt(Type.Number()) },
  closed,
)

export const VoiceSchema = Type.Union([Type.String({ minLength: 1 }), Type.Object({ id: Type.String() }, closed)])

const MaxOutputTokens = Type.Union([Type.Integer({ minimum: 1, maximum: 4096 }), Type.Literal('inf')])

export const Session = Type.Object(
  {
    type: Type.String(),
    model: Opt(Type.String()),
    instructions: Opt(Type.String()),
    output_modalities: Opt(Type.Array(Type.String())),
    audio: Opt(
      Type.Object(
        {
          input: Opt(
            Type.Object(
              {
                format: Opt(Format),
                transcription: Opt(Nullable(Transcription)),
                noise_reduction: Opt(Nullable(NoiseReduction)),
                turn_detection: Opt(Nullable(TurnDetection)),
              },
              closed,
            ),
          ),
          output: Opt(
            Type.Object({ format: Opt(Format), voice: Opt(VoiceSchema), speed: Opt(Type.Number({ minimum: 0.25, maximum: 1.5 })) }, closed),
          ),
        },
        closed,
      ),
    ),
    tools: Opt(Type.Array(Type.Unknown())),
    tool_choice: Opt(Type.Unknown()),
    max_output_tokens: Opt(MaxOutputTokens),
    truncation: Opt(Type.Unknown()),
    tracing: Opt(Type.Unknown()),
    prompt: Opt(Type.Unknown()),
    include: Opt(Nullable(Type.Array(Type.Literal('item.input_audio_transcription.logprobs')))),
    reasoning: Opt(Type.Object({ effort: Opt(Type.String()) }, closed)),
    parallel_tool_calls: Opt(Type.Boolean()),
  },
  closed,
)
export type SessionPatch = Static<typeof Session>

export const FunctionTool = Type.Object(
  {
    type: Opt(Type.Literal('function')),
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-zA-Z0-9_-]+$' }),
    description: Opt(Type.String()),
    parameters: Opt(Type.Unknown()),
  },
  closed,
)

export const Content = Type.Object(
  {
    type: Type.String(),
    text: Opt(Type.String()),
    audio: Opt(Type.String()),
    transcript: Opt(Nullable(Type.String())),
    image_url: Opt(Type.String()),
    detail: Opt(Type.String()),
  },
  closed,
)
export type Content = Static<typeof Content>

/** Client-chosen ids (items, call ids) are limited to 32 characters. */
const ClientId = Type.String({ minLength: 1, maxLength: 32 })

export const Item = Type.Object(
  {
    id: Opt(ClientId),
    type: Type.String(),
    object: Opt(Type.Literal('realtime.item')),
    status: Opt(Type.Union([Type.Literal('completed'), Type.Literal('incomplete'), Type.Literal('in_progress')])),
    role: Opt(Type.String()),
    content: Opt(Type.Array(Content)),
    call_id: Opt(ClientId),
    name: Opt(Type.String()),
    arguments: Opt(Type.String()),
    output: Opt(Type.String()),
  },
  closed,
)
export type Item = Static<typeof Item>

export const ResponseParams = Type.Object(
  {
    audio: Opt(
      Type.Object({ output: Opt(Type.Object({ format: Opt(Format), voice: Opt(VoiceSchema) }, closed)) }, closed),
    ),
    conversation: Opt(Type.String()),
    input: Opt(Type.Array(Item)),
    instructions: Opt(Type.String()),
    max_output_tokens: Opt(MaxOutputTokens),
    metadata: Opt(Nullable(Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 })))),
    output_modalities: Opt(Type.Array(Type.String())),
    parallel_tool_calls: Opt(Type.Boolean()),
    prompt: Opt(Type.Unknown()),
    reasoning: Opt(Type.Object({ effort: Opt(Type.String()) }, closed)),
    tool_choice: Opt(Type.Unknown()),
    tools: Opt(Type.Array(Type.Unknown())),
  },
  closed,
)
export type ResponseParams = Static<typeof ResponseParams>

const ev = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), event_id: EventId, ...props }, closed)

export const SessionUpdate = ev('session.update', { session: Session })
export const Append = ev('input_audio_buffer.append', { audio: Type.String() })
export const Commit = ev('input_audio_buffer.commit', {})
export const Clear = ev('input_audio_buffer.clear', {})
export const OutputClear = ev('output_audio_buffer.clear', {})
export const ItemCreate = ev('conversation.item.create', { previous_item_id: Opt(Type.String()), item: Item })
export const ItemTruncate = ev('conversation.item.truncate', {
  item_id: Type.String(),
  content_index: Type.Integer({ minimum: 0 }),
  audio_end_ms: Type.Integer({ minimum: 0 }),
})
export const ItemDelete = ev('conversation.item.delete', { item_id: Type.String() })
export const ItemRetrieve = ev('conversation.item.retrieve', { item_id: Type.String() })
export const ResponseCreate = ev('response.create', { response: Opt(ResponseParams) })
export const ResponseCancel = ev('response.cancel', { response_id: Opt(Type.String()) })

export type ClientEvent =
  | Static<typeof SessionUpdate>
  | Static<typeof Append>
  | Static<typeof Commit>
  | Static<typeof Clear>
  | Static<typeof OutputClear>
  | Static<typeof ItemCreate>
  | Static<typeof ItemTruncate>
  | Static<typeof ItemDelete>
  | Static<typeof ItemRetrieve>
  | Static<typeof ResponseCreate>
  | Static<typeof ResponseCancel>

export type ClientEventType = ClientEvent['type']

const SCHEMAS: Record<ClientEventType, TSchema> = {
  'session.update': SessionUpdate,
  'input_audio_buffer.append': Append,
  'input_audio_buffer.commit': Commit,
  'input_audio_buffer.clear': Clear,
  'output_audio_buffer.clear': OutputClear,
  'conversation.item.create': ItemCreate,
  'conversation.item.truncate': ItemTruncate,
  'conversation.item.delete': ItemDelete,
  'conversation.item.retrieve': ItemRetrieve,
  'response.create': ResponseCreate,
  'response.cancel': ResponseCancel,
}

export const CLIENT_EVENT_TYPES = Object.keys(SCHEMAS) as ClientEventType[]

export const VALIDATORS: ReadonlyMap<string, Validator> = new Map(Object.entries(SCHEMAS).map(([k, s]) => [k, compile(s)]))
export const functionToolValidator = compile(FunctionTool)
export const itemValidator = compile(Item)
