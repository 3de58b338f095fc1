import { describe, expect, test } from 'bun:test'
import { at, ENV, NOW } from '../task-test-kit'
import { captureSettings } from './settings'
import { applyResolution, EMPTY_DRAFT, resolveSlot, type SlotDraft } from './slot-request'

const s = captureSettings(ENV)
const resolve = (words: { date?: string; time?: string }, draft: SlotDraft = EMPTY_DRAFT) => resolveSlot(s, draft, words, NOW)

describe('resolveSlot', () => {
  test('what is still missing', () => {
    expect(resolve({})).toEqual({ kind: 'ask_date', minutes: null, problem: '' })
    expect(resolve({ time: '2 pm' })).toEqual({ kind: 'ask_date', minutes: 840, problem: '' })
    expect(resolve({ date: 'tomorrow' })).toEqual({ kind: 'ask_time', date: '2026-12-01', problem: '' })
    expect(resolve({ date: 'tomorrow', time: '10' })).toEqual({ kind: 'ready', date: '2026-12-01', minutes: 600, startsAt: at('2026-12-01', '10:00') })
  })
  test('why it cannot be used', () => {
    expect(resolve({ date: 'blah' })).toEqual({ kind: 'ask_date', minutes: null, problem: "I didn't catch which day you mean." })
    expect(resolve({ date: 'sunday', time: '10' })).toEqual({ kind: 'ask_date', minutes: 600, problem: "We're closed on Sundays." })
    expect(resolve({ date: 'tomorrow', time: 'blah' })).toEqual({ kind: 'ask_time', date: '2026-12-01', problem: "I didn't catch the time." })
    expect(resolve({ time: 'blah' })).toEqual({ kind: 'ask_date', minutes: null, problem: "I didn't catch the time." })
    expect(resolve({ date: 'today', time: '9' })).toEqual({ kind: 'ask_time', date: '2026-11-30', problem: "That's already in the past." })
  })
  test('a day and time said together in the time field', () => {
    expect(resolve({ time: 'friday at 2' })).toMatchObject({ kind: 'ready', date: '2026-12-04', minutes: 840 })
  })
  test('a bare time picks an offered alternative, even on another day', () => {
    const draft: SlotDraft = { ...EMPTY_DRAFT, date: '2026-12-01', alternatives: [at('2026-12-01', '10:30'), at('2026-12-02', '09:00')] }
    expect(resolve({ time: '9 AM' }, draft)).toMatchObject({ kind: 'ready', date: '2026-12-02' })
    expect(resolve({ time: '10:30' }, draft)).toMatchObject({ kind: 'ready', date: '2026-12-01' })
    expect(resolve({ time: '11' }, draft)).toMatchObject({ kind: 'ready', date: '2026-12-01', minutes: 660 })
    // a day said with it wins over the offers
    expect(resolve({ date: 'friday', time: '9 AM' }, draft)).toMatchObject({ kind: 'ready', date: '2026-12-04' })
  })
  test('a new day keeps the time already given', () => {
    const draft: SlotDraft = { ...EMPTY_DRAFT, date: '2026-12-01', minutes: 600, startsAt: at('2026-12-01', '10:00') }
    expect(resolve({ date: 'wednesday' }, draft)).toMatchObject({ kind: 'ready', startsAt: at('2026-12-02', '10:00') })
  })
})

describe('applyResolution', () => {
  test('an unusable day is forgotten, a usable time is kept', () => {
    const d = applyResolution({ ...EMPTY_DRAFT, date: '2026-12-01' }, { kind: 'ask_date', minutes: 600, problem: 'p' })
    expect(d).toEqual({ date: null, minutes: 600, startsAt: null, alternatives: [], problem: 'p' })
    expect(applyResolution(d, { kind: 'ask_time', date: '2026-12-02', problem: '' })).toEqual({ ...d, date: '2026-12-02', minutes: null, problem: '' })
    expect(applyResolution(d, { kind: 'ready', date: '2026-12-02', minutes: 600, startsAt: 5 })).toEqual({
      date: '2026-12-02', minutes: 600, startsAt: 5, alternatives: [], problem: '',
    })
  })
})
