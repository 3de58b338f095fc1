/**
 * @module sim/realtime/booking-brain
 * The default brain: a deterministic keyword policy that plays FastAgent's booking dialogue (scenarios 1 and 2 of
 * shared/scenarios.md) against the product's protocol — its tools, its function-output JSON
 * (`{task_id, status, say?, ask?, need?}` / `{error, message}` / `{status, note}`, also as the late results it
 * creates itself: a function call and its output), system notes that quote lines
 * (`Tell the caller: "…" Then ask: "…"`), its `Say exactly: "…"` response instructions and the
 * `Open tasks:` block of its session instructions. Like a model it reads only instructions, tools and items.
 *
 * The order of the rules matters and mirrors what a model would weigh first: an exact line to say, then results to
 * relay, then the caller's words in the context of the bot's last question ("anything else?", "continue or start
 * over?", a pending confirmation), then intents, then task inputs, then a neutral re-prompt.
 */
import type { Brain, BrainCall, BrainContext, BrainItem, BrainTurn } from './brain'
import { findDate, findTime, normalize } from './phrases'
import { BRAIN_WORDS, instructedLanguage, type BrainWords } from './brain-language'
import type { Language } from '../../i18n/languages'
import { correction, taskFields, toolFromWords, valueOf } from './form-filling'

export interface OpenTask {
  readonly id: string
  readonly name: string
  readonly waitingFor: readonly string[]
}

const SAY_EXACTLY = /Say exactly:\s*"([^"]*)"/
const TELL = /Tell the caller:\s*"([^"]*)"/g
const THEN_ASK = /Then ask:\s*"([^"]*)"/g

/** The `Open tasks:` block (in the instructions' language): undefined when there is none, [] for `Open tasks: none`. */
export function parseOpenTasks(instructions: string, lang: Language = instructedLanguage(instructions)): OpenTask[] | undefined {
  const r = BRAIN_WORDS[lang].read
  const lines = instructions.split('\n')
  const at = lines.findIndex((l) => r.openTasks.test(l))
  if (at < 0) return undefined
  if (r.noOpenTasks.test(lines[at]!)) return []
  const tasks: OpenTask[] = []
  for (const line of lines.slice(at + 1)) {
    const m = /^\s*-\s*(\S+)\s+(\w+)\s*:(.*)$/.exec(line)
    if (!m) break
    const waiting = r.waitingFor.exec(m[3]!)
    tasks.push({
      id: m[1]!,
      name: m[2]!,
      waitingFor: waiting ? waiting[1]!.split(/,|\band\b/).map((s) => s.trim().replace(/\.$/, '')).filter(Boolean) : [],
    })
  }
  return tasks
}

type Output = { task_id?: unknown; task?: unknown; status?: unknown; say?: unknown; ask?: unknown; need?: unknown; error?: unknown; message?: unknown; caller_said?: unknown }

function parseOutput(output: string): Output | undefined {
  try {
    const v: unknown = JSON.parse(output)
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Output) : undefined
  } catch {
    return undefined
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined)

/** Tasks waiting for input according to function outputs, newest state per task. */
function tasksFromOutputs(items: readonly BrainItem[]): OpenTask[] {
  const byId = new Map<string, OpenTask>()
  for (const it of items) {
    if (it.type !== 'function_call_output') continue
    const o = parseOutput(it.output)
    const id = str(o?.task_id)
    if (!o || !id) continue
    if (o.status === 'waiting_for_input' && Array.isArray(o.need)) {
      byId.set(id, { id, name: str(o.task) ?? '', waitingFor: o.need.filter((n): n is string => typeof n === 'string') })
    } else byId.delete(id)
  }
  return [...byId.values()]
}

/**
 * The tasks waiting for input: the instructions' `Open tasks:` block, plus tasks whose latest function output says
 * they wait (a product may update its instructions a moment after the output). The block wins for tasks it lists.
 */
export function openTasks(instructions: string, items: readonly BrainItem[], lang: Language = instructedLanguage(instructions)): OpenTask[] {
  const block = parseOpenTasks(instructions, lang) ?? []
  const listed = new Set(block.map((t) => t.id))
  return [...block, ...tasksFromOutputs(items).filter((t) => !listed.has(t.id))]
}

/** What one function output makes the model say: `say` then `ask`, or a short apology for an error. */
function speakOutput(output: string, failed: string): string | undefined {
  const o = parseOutput(output)
  if (!o) return undefined
  if (o.error !== undefined) return failed
  // A read-back names the caller's words `[field]` and carries them as quoted data (`caller_said`): read them back.
  const said = o.caller_said !== null && typeof o.caller_said === 'object' ? (o.caller_said as Record<string, unknown>) : {}
  const ask = str(o.ask)?.replace(/\[([a-z0-9_]+)\]/g, (m, k: string) => (typeof said[k] === 'string' ? (said[k] as string) : m))
  const parts = [str(o.say), ask].filter((s): s is string => s !== undefined)
  return parts.length > 0 ? parts.join(' ') : undefined
}

function speakNote(text: string): string | undefined {
  const parts = [...text.matchAll(TELL), ...text.matchAll(THEN_ASK)]
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((m) => m[1]!.trim())
  return parts.length > 0 ? parts.join(' ') : undefined
}

const has = (t: string, re: RegExp) => re.test(t)

function hoursAnswer(instructions: string, w: BrainWords): string {
  const m = w.read.hours.exec(instructions)
  if (!m) return w.lines.noHours
  return w.lines.hours(m[1]!.trim().replace(/\.$/, ''))
}

/** The `Services (…): Check-up (30 minutes, also called: examination); …` line: each service's words. */
export function parseServices(instructions: string, w: BrainWords = BRAIN_WORDS[instructedLanguage(instructions)]): { name: string; words: string[] }[] {
  const m = w.read.services.exec(instructions)
  if (!m) return []
  return m[1]!
    .replace(/\.$/, '')
    .split('; ')
    .map((part) => {
      const name = part.replace(/\s*\(.*$/, '').trim()
      const also = w.read.alsoCalled.exec(part)?.[1]?.split(',').map((w) => w.trim()) ?? []
      return { name, words: [name, ...also].map((w) => normalize(w)).filter(Boolean) }
    })
}

/** The FAQ block (`- Q: …` / `  A: …`) of the instructions. */
export function parseFaq(instructions: string, w: BrainWords = BRAIN_WORDS[instructedLanguage(instructions)]): { q: string; a: string }[] {
  const out: { q: string; a: string }[] = []
  const re = new RegExp(w.read.faq.source, w.read.faq.flags)
  for (let m = re.exec(instructions); m; m = re.exec(instructions)) out.push({ q: m[1]!, a: m[2]! })
  return out
}

const STOP = new Set(['what', 'when', 'where', 'which', 'your', 'you', 'have', 'does', 'with', 'that', 'this', 'there', 'can', 'the', 'and', 'for', 'are', 'how', 'haben', 'sie', 'ihr', 'gibt', 'wie', 'wo', 'kann', 'ich', 'tienen', 'donde', 'puedo', 'como', 'hay', 'ustedes'])
const contentWords = (s: string) => normalize(s).split(/\s+/).filter((w) => w.length >= 3 && !STOP.has(w))

/** The FAQ answer whose question shares the most content words with what the caller asked (at least one). */
export function faqAnswer(instructions: string, heard: string, w?: BrainWords): string | undefined {
  const said = new Set(contentWords(heard))
  let best: { a: string; n: number } | undefined
  for (const f of parseFaq(instructions, w)) {
    const n = contentWords(f.q).filter((w) => said.has(w)).length
    if (n > 0 && (!best || n > best.n)) best = { a: f.a, n }
  }
  return best?.a
}

function lastIndexOf(items: readonly BrainItem[], pred: (i: BrainItem) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (pred(items[i]!)) return i
  return -1
}

export interface BookingBrainOptions {
  /** Said when the caller is silent for idle_timeout_ms (default: the language's "Are you still there?"). */
  readonly idlePrompt?: string
  /** Said when nothing matched (default: the language's "could you say that again?"). */
  readonly fallback?: string
}

export function createBookingBrain(opts: BookingBrainOptions = {}): Brain {
  return {
    respond(ctx: BrainContext): BrainTurn {
      // Like a model, the brain speaks and understands the language its session instructions name.
      const w = BRAIN_WORDS[instructedLanguage(ctx.sessionInstructions)]
      const exact = SAY_EXACTLY.exec(ctx.request?.instructions ?? '') ?? SAY_EXACTLY.exec(ctx.instructions)
      if (exact) return { say: exact[1]! }
      if (ctx.trigger === 'idle_timeout') return { say: opts.idlePrompt ?? w.lines.idle }

      const items = ctx.items
      // Everything since the model last spoke or called a tool is new input for this response.
      const lastModel = lastIndexOf(items, (i) => i.type === 'function_call' || (i.type === 'message' && i.role === 'assistant'))
      const fresh = items.slice(lastModel + 1)
      const spoken: string[] = []
      let user: string | undefined
      for (const it of fresh) {
        if (it.type === 'function_call_output') {
          const s = speakOutput(it.output, w.lines.failed)
          if (s) spoken.push(s)
        } else if (it.type === 'message' && it.role === 'system') {
          const s = speakNote(it.text)
          if (s) spoken.push(s)
        } else if (it.type === 'message' && it.role === 'user') user = it.text
      }
      if (user === undefined) {
        if (spoken.length > 0) return { say: spoken.join(' ') }
        const greeted = items.some((i) => i.type === 'message' && i.role === 'assistant')
        return greeted ? {} : { say: w.lines.greeting }
      }
      const turn = policy(ctx, user, w, instructedLanguage(ctx.sessionInstructions))
      const say = [...spoken, ...(turn.say !== undefined ? [turn.say] : [])].join(' ')
      return { ...(say !== '' ? { say } : {}), ...(turn.calls ? { calls: turn.calls } : {}) }
    },
  }

  function policy(ctx: BrainContext, heard: string, w: BrainWords, lang: Language): BrainTurn {
    const fallback = opts.fallback ?? w.lines.fallback
    const { yes: YES, no: NO, done: DONE, hours: HOURS, human: HUMAN, goodbye: GOODBYE, request: NEW_REQUEST, book: BOOK } = w
    const t = normalize(heard)
    if (t === '') return { say: fallback }
    const declared = new Set(ctx.tools.map((x) => x.name))
    const toolsAllowed = ctx.toolChoice !== 'none'
    const call = (name: string, args: Record<string, unknown> = {}): BrainTurn | undefined => {
      if (!toolsAllowed || !declared.has(name)) return undefined
      if (typeof ctx.toolChoice === 'object' && ctx.toolChoice.type === 'function' && ctx.toolChoice.name !== name) return undefined
      const c: BrainCall = { name, arguments: args }
      return { calls: [c] }
    }
    const items = ctx.items
    const lastBotIdx = lastIndexOf(items, (i) => i.type === 'message' && i.role === 'assistant')
    const lastBotItem = items[lastBotIdx]
    const lastBot = lastBotItem?.type === 'message' ? lastBotItem.text.toLowerCase() : ''
    const tasks = openTasks(ctx.instructions, items, lang)
    // Exact field names: a declared task's `date_of_birth` is not the booking's `date`.
    const waitingFor = (what: RegExp) => tasks.find((k) => k.waitingFor.some((w) => new RegExp(`^(?:${what.source})$`).test(w)))
    const date = findDate(t, lang)
    const time = findTime(t, lang)

    // 1. The bot's last question frames short answers.
    if (w.askedAnythingElse(lastBot) && !has(t, NEW_REQUEST)) {
      if (has(t, DONE)) return call('end_call') ?? { say: w.lines.goodbye }
      if (has(t, YES)) return { say: w.lines.whatElse }
    }
    if (w.askedContinue(lastBot)) {
      const id = tasks[0]?.id ?? /\b(T\d+)\b/.exec(ctx.instructions)?.[1]
      if (id !== undefined) {
        if (has(t, w.startOver)) {
          const r = call('resume_task', { task_id: id, choice: 'start_over' })
          if (r) return r
        } else if (has(t, w.carryOn) || has(t, YES)) {
          const r = call('resume_task', { task_id: id, choice: 'continue' })
          if (r) return r
        }
      }
    }
    // A caller correcting a detail they gave a task ("no, my date of birth is …") — any field it takes, by name.
    for (const k of [...tasks].reverse()) {
      const c = correction(taskFields(ctx.tools, k.name), heard)
      // A field some task is asking for right now is an answer to that question, not a correction.
      if (c && !tasks.some((x) => x.waitingFor.includes(c.field))) {
        const r = call('task_input', { task_id: k.id, [c.field]: c.value })
        if (r) return r
      }
    }
    const confirmTask = waitingFor(/confirm/)
    if (confirmTask && !has(t, NEW_REQUEST)) {
      if (has(t, YES)) return call('task_input', { task_id: confirmTask.id, confirm: true }) ?? { say: fallback }
      if (has(t, NO)) return call('task_input', { task_id: confirmTask.id, confirm: false }) ?? { say: fallback }
    }

    // A question the business answered in its FAQ (not a request to do something).
    if (!has(t, w.appointmentWords) && !has(t, BOOK)) {
      const a = faqAnswer(ctx.instructions, heard, w)
      if (a) return { say: a }
    }
    const services = parseServices(ctx.instructions, w)
    const service = services.find((s) => s.words.some((w) => ` ${t} `.includes(` ${w} `)))
    const serviceTask = waitingFor(/service/)
    if (serviceTask && service) {
      const r = call('task_input', { task_id: serviceTask.id, service: service.name, ...(date ? { date } : {}), ...(time ? { time } : {}) })
      if (r) return r
    }

    // 2. Intents. A clear goodbye ends the call whatever was asked last (the product decides what happens then).
    if (has(t, GOODBYE)) {
      const r = call('end_call')
      if (r) return r
    }
    if (has(t, HOURS) && !has(t, BOOK)) return { say: hoursAnswer(ctx.instructions, w) }
    if (has(t, HUMAN)) {
      const r = call('transfer_to_human', { reason: 'The caller asked to speak to a person.' })
      if (r) return { say: w.lines.connecting, ...r }
    }
    // Dropping what is in progress (an open task), as opposed to cancelling an existing appointment.
    if (tasks.length > 0 && has(t, w.dropTask)) {
      const latest = tasks[tasks.length - 1]!
      const r = call('task_cancel', { task_id: latest.id })
      if (r) return r
    }
    if (has(t, w.cancel)) {
      const r = call('cancel_appointment')
      if (r) return r
    }
    if (has(t, w.reschedule)) {
      const r = call('reschedule_appointment')
      if (r) return r
    }
    if (has(t, w.available)) {
      const r = call('check_availability', { ...(date ? { date } : {}), ...(time ? { time } : {}), ...(service ? { service: service.name } : {}) })
      if (r) return { say: w.lines.checking, ...r }
    }

    // 3. Inputs for a task that waits for them.
    const timeTask = time ? waitingFor(/time/) : undefined
    const dateTask = date ? waitingFor(/date|day/) : undefined
    const inputTask = timeTask ?? dateTask
    if (inputTask && !/\b(?:new|another)\b/.test(t)) {
      const args: Record<string, unknown> = { task_id: inputTask.id }
      // A caller who answers "which day?" with a day and a time gave both: a model passes what they said.
      const slotTask = inputTask.waitingFor.some((w) => /^(?:date|day|time)$/.test(w))
      if (date && (inputTask.waitingFor.some((w) => /date|day/.test(w)) || (slotTask && time))) args.date = date
      if (time && (inputTask.waitingFor.some((w) => /time/.test(w)) || (slotTask && date))) args.time = time
      const r = call('task_input', args)
      if (r) return r
    }

    if (has(t, BOOK)) {
      const r = call('book_appointment', { ...(service ? { service: service.name } : {}), ...(date ? { date } : {}), ...(time ? { time } : {}) })
      if (r) return r
    }
    if (has(t, w.message)) {
      const r = call('leave_message')
      if (r) return r
    }
    // A task the product describes only by its tools (a declared form or look-up): start it by its name's words,
    // then answer the field it waits for with the caller's words.
    const builtIn = new Set(['book_appointment', 'cancel_appointment', 'reschedule_appointment', 'check_availability', 'leave_message', 'task_input', 'task_cancel', 'resume_task', 'end_call', 'transfer_to_human'])
    const named = toolFromWords(ctx.tools, heard, builtIn)
    if (named?.name && !tasks.some((k) => k.name === named.name)) {
      const r = call(named.name)
      if (r) return r
    }
    const known = new Set(['date', 'time', 'service', 'name', 'message', 'callback_number', 'choice', 'confirm'])
    const formTask = tasks.find((k) => k.waitingFor.length > 0 && k.waitingFor.every((w) => !known.has(w)))
    if (formTask) {
      const field = formTask.waitingFor[0]!
      const r = call('task_input', { task_id: formTask.id, [field]: valueOf(heard, field.replaceAll('_', ' ')) })
      if (r) return r
    }
    const nameTask = waitingFor(/name/)
    if (nameTask) {
      const name = w.myNameIs.exec(t)?.[1]?.trim() ?? heard.trim()
      const r = call('task_input', { task_id: nameTask.id, name })
      if (r) return r
    }
    const messageTask = waitingFor(/message/)
    if (messageTask) {
      const r = call('task_input', { task_id: messageTask.id, message: heard.trim() })
      if (r) return r
    }
    const numberTask = waitingFor(/callback_number/)
    if (numberTask) {
      const r = call('task_input', { task_id: numberTask.id, callback_number: heard.trim().replace(/[.!?]+$/, '') })
      if (r) return r
    }
    const choiceTask = waitingFor(/choice/)
    if (choiceTask) {
      const r = call('task_input', { task_id: choiceTask.id, choice: t })
      if (r) return r
    }
    return { say: fallback }
  }
}
