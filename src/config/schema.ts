/**
 * @module config/schema
 * The one schema of every environment variable FastAgent reads. Each entry carries its default and a one-line doc
 * (`description`), which `fastagent --help` and the README's configuration table are generated from. `secret: true`
 * marks values that must never be printed.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'

const str = (description: string, def?: string, extra: Record<string, unknown> = {}) =>
  Type.String(def === undefined ? { description, ...extra } : { description, default: def, ...extra })
const int = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Integer({ description, default: def, minimum, maximum })
const num = (description: string, def: number, minimum: number, maximum: number) =>
  Type.Number({ description, default: def, minimum, maximum })
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema)
const secret = { secret: true }
// `accepts` says in words what a value must be (for --help, the README and error messages) where the schema alone
// would print a regular expression or cannot express the check (those are made in config/load and config/preflight).
const url = { pattern: '^(https?|wss?)://[^\\s]+$', accepts: 'an http(s):// or ws(s):// URL' }
const e164 = { pattern: '^\\+[1-9]\\d{6,14}$', accepts: 'an E.164 number such as +15551234567' }
const sipOrTel = { pattern: '^(tel:\\+?[0-9*#]+|sips?:[^\\s]+)$', accepts: 'a tel: or sip:/sips: URI such as tel:+15551234567' }

export const ConfigSchema = Type.Object({
  // listen
  HOST: str('listen address', '0.0.0.0', { minLength: 1 }),
  PORT: int('listen port (0 = any free port)', 8080, 0, 65535),
  // phone leg
  AUDIOCODES_BOT_TOKEN: opt(str('bearer token VoiceAI Connect presents (opens the calls of every business without a token of its own)', undefined, { minLength: 8, ...secret })),
  // model leg
  OPENAI_API_KEY: opt(str('Realtime API key (required by serve)', undefined, { minLength: 8, ...secret })),
  OPENAI_REALTIME_URL: str('Realtime endpoint (tests point it at the emulator)', 'wss://api.openai.com/v1/realtime', url),
  OPENAI_REALTIME_MODEL: str('Realtime model', 'gpt-realtime', { minLength: 1 }),
  OPENAI_VOICE: str('voice of the bot', 'marin', { minLength: 1 }),
  TURN_DETECTION: Type.Union([Type.Literal('server_vad'), Type.Literal('semantic_vad')], {
    description: 'turn detection of the model leg',
    default: 'server_vad',
  }),
  VAD_THRESHOLD: num('server_vad activation threshold (raise on noisy lines)', 0.5, 0, 1),
  VAD_SILENCE_MS: int('server_vad silence that ends a caller turn', 500, 100, 5000),
  VAD_PREFIX_PADDING_MS: int('server_vad audio kept before speech start', 300, 0, 2000),
  VAD_EAGERNESS: Type.Union(
    [Type.Literal('low'), Type.Literal('medium'), Type.Literal('high'), Type.Literal('auto')],
    { description: 'semantic_vad eagerness', default: 'auto' },
  ),
  NOISE_REDUCTION: Type.Union([Type.Literal('near_field'), Type.Literal('far_field'), Type.Literal('off')], {
    description: 'input noise reduction of the model leg',
    default: 'far_field',
  }),
  TRANSCRIPTION_MODEL: str('model transcribing the caller (transcripts, FSM context)', 'gpt-4o-mini-transcribe', { minLength: 1 }),
  SESSION_ROTATE_MINUTES: num('rotate the Realtime session after this long, at a quiet moment (cap is 60)', 50, 0.05, 59),
  REALTIME_POOL_SIZE: int('Realtime sessions kept connected and configured for the next calls, so a call starts with no connect and no session.update round trip (0 = none; counts towards MAX_CONCURRENT_CALLS)', 2, 0, 50),
  GC_YOUNG_BUDGET_KIB: int("relayed audio text (KiB) after which a young collection runs, keeping the young generation near a bare relay's size (0 = JSC's own pacing only)", 512, 0, 1048576),
  PLAYOUT_DELAY_MS: int('assumed VAIC jitter buffer when estimating what the caller heard', 60, 0, 1000),
  PHRASE_CACHE_MB: int("store bound of the phrase cache: the model's audio of fixed lines, replayed with no model round trip (0 = off)", 32, 0, 4096),
  // booking domain
  FASTAGENT_CONFIG: opt(str('business file (YAML/JSON) or a folder of them, one tenant each; unset: the BUSINESS_* variables below', undefined, { minLength: 1 })),
  BUSINESS_NAME: str('business the bot answers for', 'FastAgent Clinic', { minLength: 1 }),
  BUSINESS_TIMEZONE: str('IANA time zone of the business', 'UTC', { minLength: 1, accepts: 'an IANA time zone such as Europe/Berlin' }),
  BUSINESS_HOURS: str('opening hours, e.g. "Mon-Fri 09:00-17:00; Sat 10:00-14:00"', 'Mon-Fri 09:00-17:00', {
    minLength: 1,
    accepts: 'rules "<days> HH:MM-HH:MM[,HH:MM-HH:MM]" separated by ";" (days Mon, Mon-Fri or Mon,Wed), no overlapping spans in a day',
  }),
  BUSINESS_LANGUAGE: Type.Union([Type.Literal('en'), Type.Literal('de'), Type.Literal('es')], { description: 'language the bot speaks (en, de, es)', default: 'en' }),
  SLOT_MINUTES: int('length of one appointment slot', 30, 5, 480),
  GREETING: str('first line of every call', 'Hello, thank you for calling {business}. How can I help you today?'),
  // CalDAV calendar (unset CALDAV_URL: bookings stay in FastAgent's own store)
  CALDAV_URL: opt(str('CalDAV server or calendar URL: book into that calendar (unset: the built-in store)', undefined, { pattern: '^https?://[^\\s]+$', accepts: 'an http(s):// URL' })),
  CALDAV_USERNAME: opt(str('CalDAV user name', undefined, { minLength: 1 })),
  CALDAV_PASSWORD: opt(str('CalDAV password (an app password: iCloud, Nextcloud, Fastmail)', undefined, { minLength: 1, ...secret })),
  CALDAV_OAUTH_CLIENT_ID: opt(str('OAuth 2.0 client id: sign in to the calendar with OAuth instead of a password (Google Calendar)', undefined, { minLength: 1 })),
  CALDAV_OAUTH_CLIENT_SECRET: opt(str('OAuth 2.0 client secret', undefined, { minLength: 1, ...secret })),
  CALDAV_OAUTH_REFRESH_TOKEN: opt(str('OAuth 2.0 refresh token with the calendar scope (README, Google Calendar)', undefined, { minLength: 1, ...secret })),
  CALDAV_OAUTH_TOKEN_URL: str("OAuth 2.0 token endpoint (tests point it at the simulator)", 'https://oauth2.googleapis.com/token', url),
  CALDAV_CALENDAR: opt(str('display name or URL of the calendar (unset: the account\'s first calendar)', undefined, { minLength: 1 })),
  CALDAV_CALLER_DETAILS: str('caller data in the event title: "name,number", "name", "number" or "none"', 'name,number', { pattern: '^\\s*(none|(name|number)(\\s*[,+ ]\\s*(name|number))*)\\s*$', accepts: '"name,number", "name", "number" or "none"' }),
  CALDAV_TIMEOUT_SECONDS: int('deadline of one calendar request (the booking is held locally past it)', 10, 1, 120),
  // call control
  TRANSFER_TARGET: opt(str('tel:/sip: URI of a human (unset: transfer tool disabled)', undefined, sipOrTel)),
  FALLBACK_APOLOGY_MODE: Type.Union([Type.Literal('audio'), Type.Literal('text')], {
    description: 'how the apology reaches a caller when the model cannot speak: audio = the clip as a play stream; text = a message activity VoiceAI Connect speaks with its own TTS (only where the bot has TTS configured)',
    default: 'audio',
  }),
  FALLBACK_AUDIO_FILE: opt(str('mono PCM16 or μ-law WAV played when the model cannot speak (unset: the built-in apology)', undefined, { minLength: 1, accepts: 'a file path' })),
  SILENCE_TIMEOUT_SECONDS: int('caller silence before "Are you still there?"', 10, 2, 600),
  SILENCE_REPROMPTS: int('re-prompts before a polite hang-up', 2, 0, 10),
  MAX_CALL_MINUTES: num('calls are ended gracefully after this long', 30, 0.05, 600),
  // SMS and continuity
  TWILIO_ACCOUNT_SID: opt(str('Twilio account SID (unset: SMS kept in the local outbox and logged)', undefined, { pattern: '^AC[0-9a-zA-Z]{32}$', accepts: '"AC" and 32 letters or digits' })),
  TWILIO_AUTH_TOKEN: opt(str('Twilio auth token; also verifies webhook signatures', undefined, { minLength: 8, ...secret })),
  TWILIO_FROM_NUMBER: opt(str('sender number of the SMS (E.164)', undefined, e164)),
  TWILIO_API_BASE_URL: str("Twilio REST base URL (tests point it at the fake)", 'https://api.twilio.com', url),
  PUBLIC_BASE_URL: opt(str('public URL prefix; webhook signatures are checked against it', undefined, url)),
  SMS_DROP_TEXT: str(
    'SMS after a dropped call ({task} = what was in progress)',
    'Our call was disconnected. Your {task} request was saved. Reply CALL to continue where we left off.',
  ),
  SMS_SILENCE_TEXT: str(
    'SMS after the bot hung up on silence with a task open ({task} = what was in progress)',
    "We ended our call because we couldn't hear you. Your {task} request was saved. Reply CALL to continue where we left off.",
  ),
  AUDIOCODES_API_URL: opt(str('VoiceAI Connect REST base URL for dial-out (unset: no callback)', undefined, url)),
  AUDIOCODES_API_CLIENT_ID: opt(str('dial-out API client id', undefined, { minLength: 1 })),
  AUDIOCODES_API_CLIENT_SECRET: opt(str('dial-out API client secret', undefined, { minLength: 1, ...secret })),
  AUDIOCODES_BOT_NAME: opt(str('bot name dial-out calls connect to', undefined, { minLength: 1 })),
  AUDIOCODES_CALLER_ID: opt(str('caller id of dial-out calls (default TWILIO_FROM_NUMBER; dial-out needs one of them)', undefined, { minLength: 1 })),
  RESUME_WINDOW_HOURS: num('how long a dropped call can be resumed', 24, 0.01, 720),
  DROP_GRACE_SECONDS: num('wait this long for session.resume before a lost socket counts as a drop', 20, 0, 600),
  // operations
  DATABASE_PATH: str('SQLite file (created with its folder)', './data/fastagent.db', { minLength: 1, accepts: 'a writable SQLite file, or a path where one can be created (not a directory)' }),
  DATABASE_URL: opt(
    str('PostgreSQL shared by several instances (Bun.SQL); unset: SQLite at DATABASE_PATH, one instance', undefined, {
      pattern: '^postgres(ql)?://[^\\s]+$',
      accepts: 'a postgres://user:password@host:port/database URL',
      ...secret,
    }),
  ),
  INSTANCE_ID: opt(str("this instance's name in the cluster (default hostname-pid); unique per running instance", undefined, { minLength: 1, maxLength: 200 })),
  LEASE_TTL_SECONDS: num('cluster (DATABASE_URL): an instance silent this long is dead; a survivor declares its live calls dropped', 15, 0.5, 3600),
  HEARTBEAT_SECONDS: num('cluster: how often an instance renews its lease and looks for dead peers (at most half of LEASE_TTL_SECONDS)', 5, 0.1, 600),
  OUTBOX_CLAIM_SECONDS: num('an SMS or dial-out being sent is claimed this long; after it another instance may take it over (and asks Twilio first)', 60, 1, 3600),
  STORE_WAIT_SECONDS: num('a step the caller asked for that the database has not saved after this long (an outage): the bot offers to text the result once it is saved (it keeps retrying)', 8, 1, 600),
  DRAIN_TIMEOUT_SECONDS: num('on SIGTERM, live calls get this long before they are closed', 60, 0, 86400),
  TLS_CERT_FILE: opt(str('PEM certificate: serve wss:// and https:// directly', undefined, { minLength: 1, accepts: 'a readable PEM certificate file' })),
  TLS_KEY_FILE: opt(str('PEM private key for TLS_CERT_FILE', undefined, { minLength: 1, accepts: "a readable, unencrypted PEM private key file matching TLS_CERT_FILE's certificate" })),
  RETENTION_DAYS: num('transcripts and personal data are purged after this', 30, 0.001, 3650),
  MAX_CONCURRENT_CALLS: int('calls above this are refused (session.error, HTTP 503)', 500, 1, 100000),
  UPGRADE_RATE_PER_MINUTE: int('failed authentications allowed per client IP per minute, then 429 (authorized calls are bounded by MAX_CONCURRENT_CALLS)', 120, 1, 1000000),
  MAX_EVENT_LOOP_LAG_MS: int('new calls are refused while the median event-loop lag (last 3 s) is above this', 50, 5, 10000),
  MAX_FRAME_BYTES: int('inbound WebSocket frames above this close the socket with 1009', 262144, 1024, 16777216),
  // operator console
  ADMIN_TOKEN: opt(str('enables the operator console at /console (log in with it, or send it as a bearer token); unset: no console routes at all', undefined, { minLength: 16, ...secret })),
  RECORD_CALLS: Type.Union([Type.Literal('true'), Type.Literal('false')], {
    description: 'one stereo WAV per call (caller left, bot right) in RECORDINGS_DIR, purged with retention; obtaining consent is your duty',
    default: 'false',
  }),
  RECORDINGS_DIR: str('folder of the call recordings', './data/recordings', { minLength: 1 }),
  PRICE_INPUT_TEXT_PER_M: num('USD per million text input tokens (console cost estimate)', 4, 0, 10000),
  PRICE_INPUT_AUDIO_PER_M: num('USD per million audio input tokens', 32, 0, 10000),
  PRICE_INPUT_CACHED_PER_M: num('USD per million cached input tokens', 0.4, 0, 10000),
  PRICE_OUTPUT_TEXT_PER_M: num('USD per million text output tokens', 16, 0, 10000),
  PRICE_OUTPUT_AUDIO_PER_M: num('USD per million audio output tokens', 64, 0, 10000),
  LOG_LEVEL: Type.Union(
    [Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error'), Type.Literal('silent')],
    { description: 'least severe level written', default: 'info' },
  ),
})

export type Config = Static<typeof ConfigSchema>
export type ConfigKey = keyof Config

/** Variables `serve` cannot run without (the demo generates its own). */
export const REQUIRED_FOR_SERVE = ['OPENAI_API_KEY'] as const satisfies readonly ConfigKey[]

/**
 * Variables `serve` needs unless the businesses make them unnecessary (checked once the business files are read, see
 * config/business/shared-token): each with the condition under which it may be left unset.
 */
export const REQUIRED_UNLESS = { AUDIOCODES_BOT_TOKEN: 'every business has a bot token of its own (tenant: bot_token or bot_token_env)' } as const satisfies Partial<Record<ConfigKey, string>>
