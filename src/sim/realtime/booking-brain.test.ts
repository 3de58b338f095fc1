import { describe, expect, test } from 'bun:test'
import type { BrainContext, BrainItem, BrainTrigger, BrainTurn } from './brain'
import { createBookingBrain, parseOpenTasks } from './booking-brain'

const TOOL_NAMES = [
  'book_appointment',
  'cancel_appointment',
  'reschedule_appointment',
  'check_availability',
  'leave_message',
  'task_input',
  'task_cancel',
  'resume_task',
  'end_call',
  'transfer_to_human',
]
const tools = TOOL_NAMES.map((name) => ({ type: 'function' as const, name }))
const base = 'You answer the phone for Dr. Smith.\nOpening hours: Monday to Friday, 9 AM to 5 PM.\n'
const block = (lines: string[]) => base + (lines.length === 0 ? 'Open tasks: none' : `Open tasks:\n${lines.join('\n')}`)

/** A conversation a test grows turn by turn, answering each call with the product's JSON. */
class Dialogue {
  readonly items: BrainItem[] = []
  instructions = block([])
  private n = 0
  private readonly brain = createBookingBrain()

  private id(): string {
    return `item_${++this.n}`
  }
  user(text: string): this {
    this.items.push({ type: 'message', id: this.id(), role: 'user', text })
    return this
  }
  system(text: string): this {
    this.items.push({ type: 'message', id: this.id(), role: 'system', text })
    return this
  }
  /** Runs the brain and records its turn as the model's items, like the emulator does. */
  async respond(trigger: BrainTrigger, request?: { instructions: string }): Promise<BrainTurn> {
    const ctx: BrainContext = {
      instructions: request?.instructions ?? this.instructions,
      sessionInstructions: this.instructions,
      tools,
      toolChoice: 'auto',
      items: [...this.items],
      request,
      trigger,
    }
    const turn = await this.brain.respond(ctx)
    if (turn.say) this.items.push({ type: 'message', id: this.id(), role: 'assistant', text: turn.say })
    for (const c of turn.calls ?? []) {
      this.items.push({ type: 'function_call', id: this.id(), call_id: `call_${this.n}`, name: c.name, arguments: JSON.stringify(c.arguments) })
    }
    return turn
  }
  output(result: object): this {
    const call = [...this.items].reverse().find((i) => i.type === 'function_call')
    if (call?.type !== 'function_call') throw new Error('no call to answer')
    this.items.push({ type: 'function_call_output', id: this.id(), call_id: call.call_id, output: JSON.stringify(result) })
    return this
  }
}

describe('booking brain', () => {
  test('parses the Open tasks block', () => {
    expect(parseOpenTasks('x')).toBeUndefined()
    expect(parseOpenTasks(block([]))).toEqual([])
    expect(parseOpenTasks(block(['- T1 book_appointment: booking an appointment for tomorrow; waiting for: time', '- T2 leave_message: waiting for: name, message']))).toEqual([
      { id: 'T1', name: 'book_appointment', waitingFor: ['time'] },
      { id: 'T2', name: 'leave_message', waitingFor: ['name', 'message'] },
    ])
  })

  test('reads the Open tasks block of German and Spanish instructions (the language they are written in)', () => {
    const de = 'Sprechen Sie mit dem Anrufer immer Deutsch.\nOffene Aufgaben:\n- T1 leave_message: eine Nachricht; wartet auf: name, message'
    expect(parseOpenTasks(de)).toEqual([{ id: 'T1', name: 'leave_message', waitingFor: ['name', 'message'] }])
    expect(parseOpenTasks('Hable siempre en español.\nTareas abiertas: ninguna')).toEqual([])
    expect(parseOpenTasks('Hable siempre en español.\nTareas abiertas:\n- T2 cancel_appointment: una cancelación; a la espera de: confirm')).toEqual([{ id: 'T2', name: 'cancel_appointment', waitingFor: ['confirm'] }])
    // An English block is not read as German instructions' (a model reads what it is told, in its language).
    expect(parseOpenTasks('Sprechen Sie mit dem Anrufer immer Deutsch.\nOpen tasks: none')).toBeUndefined()
  })

  test('scenario 1: booking with a pivot mid-task, then the fixed closing', async () => {
    const d = new Dialogue()
    expect(await d.respond('create', { instructions: 'Greet the caller. Say exactly: "Hello, Dr. Smith\'s practice, how can I help?"' })).toEqual({
      say: "Hello, Dr. Smith's practice, how can I help?",
    })
    expect(await d.user('Book an appointment for tomorrow.').respond('user_turn')).toEqual({
      calls: [{ name: 'book_appointment', arguments: { date: 'tomorrow' } }],
    })
    d.output({ task_id: 'T1', task: 'book_appointment', status: 'waiting_for_input', ask: 'What time would you like?', need: ['time'] })
    d.instructions = block(['- T1 book_appointment: booking an appointment for tomorrow; waiting for: time'])
    expect(await d.respond('tool_output')).toEqual({ say: 'What time would you like?' })

    expect(await d.user('What are your opening hours?').respond('user_turn')).toEqual({ say: "We're open Monday to Friday, 9 AM to 5 PM." })

    expect(await d.user('10 AM.').respond('user_turn')).toEqual({ calls: [{ name: 'task_input', arguments: { task_id: 'T1', time: '10 am' } }] })
    d.output({ task_id: 'T1', task: 'book_appointment', status: 'waiting_for_input', say: '10 AM tomorrow is free.', ask: 'Book for tomorrow at 10 AM?', need: ['confirm'] })
    d.instructions = block(['- T1 book_appointment: booking an appointment for tomorrow at 10 AM; waiting for: confirm'])
    expect(await d.respond('tool_output')).toEqual({ say: '10 AM tomorrow is free. Book for tomorrow at 10 AM?' })

    expect(await d.user('Yes, please.').respond('user_turn')).toEqual({ calls: [{ name: 'task_input', arguments: { task_id: 'T1', confirm: true } }] })
    d.output({ task_id: 'T1', status: 'working', note: 'Booking; the result comes as a system message. Do not call again.' })
    d.instructions = block(['- T1 book_appointment: booking an appointment for tomorrow at 10 AM; working'])
    expect(await d.respond('tool_output')).toEqual({})

    d.system('Task T1 (book_appointment) update. Tell the caller: "Appointment booked for tomorrow at 10 AM."')
    d.instructions = block([])
    expect(await d.respond('create')).toEqual({ say: 'Appointment booked for tomorrow at 10 AM.' })
    const anything = 'Is there anything else I can help you with today?'
    expect(await d.respond('create', { instructions: `Say exactly: "${anything}"` })).toEqual({ say: anything })

    expect(await d.user("No, that's all I needed.").respond('user_turn')).toEqual({ calls: [{ name: 'end_call', arguments: {} }] })
    d.output({ status: 'ending' })
    const bye = "I'm glad I could help. Your appointment is confirmed for tomorrow at 10 AM. Have a great day!"
    expect(await d.respond('tool_output', { instructions: `Say exactly: "${bye}"` })).toEqual({ say: bye })
  })

  test('scenario 2: welcome back after a dropped call, continue, confirm', async () => {
    const d = new Dialogue()
    d.instructions = block(['- T1 book_appointment: booking an appointment for tomorrow at 10 AM; waiting for: confirm'])
    // History replayed as text items into the new session.
    d.user('Book an appointment for tomorrow.')
    d.items.push({ type: 'message', id: 'a1', role: 'assistant', text: 'What time would you like?' })
    d.user('10 AM.')
    const welcome = 'Welcome back! We were booking an appointment for tomorrow at 10 AM. Would you like to continue or start over?'
    expect(await d.respond('create', { instructions: `The caller is back. Say exactly: "${welcome}"` })).toEqual({ say: welcome })
    expect(await d.user('Continue.').respond('user_turn')).toEqual({
      calls: [{ name: 'resume_task', arguments: { task_id: 'T1', choice: 'continue' } }],
    })
    d.output({ task_id: 'T1', task: 'book_appointment', status: 'waiting_for_input', ask: 'Book for tomorrow at 10 AM?', need: ['confirm'] })
    expect(await d.respond('tool_output')).toEqual({ say: 'Book for tomorrow at 10 AM?' })
    expect(await d.user('Yeah.').respond('user_turn')).toEqual({ calls: [{ name: 'task_input', arguments: { task_id: 'T1', confirm: true } }] })
  })

  test('start over, a plain yes to the welcome, DTMF confirmations', async () => {
    const welcome = 'Welcome back! Would you like to continue or start over?'
    const tasks = block(['- T3 book_appointment: booking an appointment; waiting for: confirm'])
    const fresh = async (answer: string) => {
      const d = new Dialogue()
      d.instructions = tasks
      d.items.push({ type: 'message', id: 'a', role: 'assistant', text: welcome })
      return d.user(answer).respond('user_turn')
    }
    expect((await fresh("Let's start over.")).calls?.[0]).toEqual({ name: 'resume_task', arguments: { task_id: 'T3', choice: 'start_over' } })
    expect((await fresh('yes')).calls?.[0]).toEqual({ name: 'resume_task', arguments: { task_id: 'T3', choice: 'continue' } })
    const d = new Dialogue()
    d.instructions = tasks
    d.items.push({ type: 'message', id: 'a', role: 'assistant', text: 'Book for Friday at 3 PM?' })
    expect((await d.user('Caller pressed 2').respond('user_turn')).calls?.[0]).toEqual({ name: 'task_input', arguments: { task_id: 'T3', confirm: false } })
  })

  test('other intents, errors, undeclared tools, anything-else yes, fallback', async () => {
    const one = async (text: string, lastBot?: string) => {
      const d = new Dialogue()
      if (lastBot) d.items.push({ type: 'message', id: 'b', role: 'assistant', text: lastBot })
      return d.user(text).respond('user_turn')
    }
    expect((await one('I need to cancel my appointment')).calls?.[0]?.name).toBe('cancel_appointment')
    expect((await one('Can I move my appointment?')).calls?.[0]?.name).toBe('reschedule_appointment')
    expect((await one('Is there availability next Monday at 3 pm?')).calls?.[0]).toEqual({
      name: 'check_availability',
      arguments: { date: 'next monday', time: '3 pm' },
    })
    expect((await one('I want to leave a message')).calls?.[0]?.name).toBe('leave_message')
    expect((await one('Let me talk to a human')).calls?.[0]?.name).toBe('transfer_to_human')
    expect(await one('Yes', 'Is there anything else I can help you with today?')).toEqual({ say: 'Sure, what else can I help you with?' })
    expect(await one('purple elephants')).toEqual({ say: 'Sorry, could you say that again?' })

    const d = new Dialogue()
    await d.user('book an appointment on friday').respond('user_turn')
    d.output({ error: 'invalid_arguments', message: 'date is in the past' })
    expect(await d.respond('tool_output')).toEqual({ say: "Sorry, I couldn't do that." })

    const brain = createBookingBrain()
    const turn = await brain.respond({
      instructions: base,
      sessionInstructions: base,
      tools: [],
      toolChoice: 'auto',
      items: [{ type: 'message', id: 'u', role: 'user', text: 'book an appointment' }],
      request: undefined,
      trigger: 'user_turn',
    })
    expect(turn).toEqual({ say: 'Sorry, could you say that again?' })
    expect(await brain.respond({ instructions: base, sessionInstructions: base, tools, toolChoice: 'auto', items: [], request: undefined, trigger: 'idle_timeout' })).toEqual({
      say: 'Are you still there?',
    })
  })
})
