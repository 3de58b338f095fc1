/**
 * Child process of declared-crash.test.ts: a call's runtime fills the clinic's prescription_refill form and the caller
 * says yes — the step that puts the submission in the outbox commits — then it prints CONFIRMED and waits, never
 * sending (no outbox runner here), for the parent's kill -9.
 */
import { Store } from '../../src/store/store'
import { TaskRuntime } from '../../src/agents/runtime'
import { storeDomain } from '../../src/agents/domain-executor'
import { defaultRegistry } from '../../src/agents/tasks/registry'
import { registryFor } from '../../src/agents/declared/registry'
import { createLogger } from '../../src/ops/log'
import { businessOf, clinic } from '../kit/clinic'

const [dbPath, url, caller] = process.argv.slice(2)
if (!dbPath || !url || !caller) throw new Error('usage: declared-confirm-child DB URL CALLER')
const business = businessOf(clinic(url))
const store = await Store.open(dbPath)
await store.calls.create({ id: 'killed-call', conversationId: 'killed-conversation', direction: 'inbound', caller, botName: 'fastagent', mediaFormat: 'raw/lpcm16_24', resumesCallId: undefined, at: Date.now() })
const rt = new TaskRuntime({ callId: 'killed-call', caller, registry: registryFor(defaultRegistry(), business), store, domain: storeDomain(store), log: createLogger({ level: 'silent' }), now: Date.now, tz: 'UTC', hours: business.hours, slotMinutes: 30, business, onUpdate: () => undefined, onChange: () => undefined, settleMs: 50 })
const id = String((JSON.parse(await rt.call('prescription_refill', JSON.stringify({ full_name: 'Ann Smith', date_of_birth: 'May 3rd, 1980', medication: 'ibuprofen' }))) as { task_id: string }).task_id)
const out = JSON.parse(await rt.call('task_input', JSON.stringify({ task_id: id, confirm: true }))) as { status: string }
process.stdout.write(`CONFIRMED ${id} ${out.status}\n`)
await new Promise(() => undefined)
