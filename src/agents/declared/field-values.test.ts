/** Every field type: what it takes, what it refuses (with the reason the model re-asks with), in three languages. */
import { describe, expect, test } from 'bun:test'
import type { DeclaredField } from '../../config/business/business'
import { parseField, spokenValue, type FieldEnv } from './field-values'

const NOW = Date.UTC(2026, 10, 25, 8, 0)
const env: FieldEnv = { now: NOW, tz: 'Europe/Berlin', lang: 'en', caller: '+14155550123' }
const field = (type: DeclaredField['type'], extra: Partial<DeclaredField> = {}): DeclaredField => ({ name: 'f', type, ask: 'Q?', label: 'value', optional: false, minLength: 1, maxLength: 200, options: [], ...extra })

const ok = (f: DeclaredField, raw: string | number | boolean, e = env) => {
  const r = parseField(f, raw, e)
  if (!r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be taken: ${r.reason}`)
  return r.value
}
const refused = (f: DeclaredField, raw: string | number | boolean, e = env) => {
  const r = parseField(f, raw, e)
  if (r.ok) throw new Error(`expected ${JSON.stringify(raw)} to be refused, got ${JSON.stringify(r.value)}`)
  return r.reason
}

describe('field types', () => {
  test('text: length bounds', () => {
    const f = field('text', { minLength: 3, maxLength: 10, label: 'full name' })
    expect(ok(f, '  Ann   Smith ')).toBe('Ann Smith')
    expect(refused(f, 'Al')).toBe('That is too short for the full name: it needs at least 3 characters.')
    expect(refused(f, 'Annabelle Smithers')).toBe('That is too long for the full name: at most 10 characters.')
    expect(refused(f, '   ')).toBe('The full name is needed.')
  })

  test('date: chrono in the call language; nonsense is refused', () => {
    const f = field('date', { label: 'date of birth' })
    expect(ok(f, 'May 3rd, 1980')).toBe('1980-05-03')
    expect(ok(f, '3. Mai 1980', { ...env, lang: 'de' })).toBe('1980-05-03')
    expect(ok(f, '3 de mayo de 1980', { ...env, lang: 'es' })).toBe('1980-05-03')
    expect(ok(f, 'tomorrow')).toBe('2026-11-26')
    expect(refused(f, 'purple')).toContain("I didn't catch a date for the date of birth")
    expect(refused(f, 'lila', { ...env, lang: 'de' })).toContain('Ich habe kein Datum für date of birth verstanden')
    expect(spokenValue(f, '1980-05-03', 'en')).toBe('May 3, 1980')
    expect(spokenValue(f, '1980-05-03', 'de')).toBe('3. Mai 1980')
  })

  test('time', () => {
    const f = field('time')
    expect(ok(f, 'half past two pm')).toBe('14:30')
    expect(ok(f, '14:30')).toBe('14:30')
    expect(ok(f, 'um 10 Uhr', { ...env, lang: 'de' })).toBe('10:00')
    expect(refused(f, 'whenever')).toContain("I didn't catch a time")
    expect(spokenValue(f, '14:30', 'en')).toBe('2:30 PM')
  })

  test('number: range', () => {
    const f = field('number', { min: 1, max: 6, label: 'number of packs' })
    expect(ok(f, '3')).toBe(3)
    expect(ok(f, 'three')).toBe(3)
    expect(ok(f, 2)).toBe(2)
    expect(ok(f, 'drei', { ...env, lang: 'de' })).toBe(3)
    expect(refused(f, '9')).toBe('The number of packs must be between 1 and 6.')
    expect(refused(f, 'lots')).toBe('The number of packs must be a number.')
  })

  test("phone: E.164, or the caller's own number when they say so", () => {
    const f = field('phone')
    expect(ok(f, '+49 30 123 4567')).toBe('+49301234567')
    expect(ok(f, '0049 (30) 123-4567')).toBe('+49301234567')
    expect(ok(f, "the number I'm calling from")).toBe('+14155550123')
    expect(ok(f, 'diese Nummer', { ...env, lang: 'de' })).toBe('+14155550123')
    expect(refused(f, '12345')).toContain('not a complete phone number')
    // Without a known number there is nothing to offer.
    expect(refused(f, 'this number', { ...env, caller: undefined })).toContain('not a complete phone number')
  })

  test('email: typed or spoken', () => {
    const f = field('email')
    expect(ok(f, 'Anna.Keller@Example.com')).toBe('anna.keller@example.com')
    expect(ok(f, 'anna dot keller at example dot com')).toBe('anna.keller@example.com')
    expect(ok(f, 'anna punkt keller ät example punkt de', { ...env, lang: 'de' })).toBe('anna.keller@example.de')
    expect(refused(f, 'anna at example')).toContain('not a complete email address')
  })

  test('choice: options and synonyms', () => {
    const f = field('choice', { options: [{ value: 'pickup', words: ['pickup', 'collect'] }, { value: 'delivery', words: ['delivery', 'deliver', 'send it'] }] })
    expect(ok(f, 'Delivery')).toBe('delivery')
    expect(ok(f, 'please send it to me')).toBe('delivery')
    expect(ok(f, "I'll collect it")).toBe('pickup')
    expect(refused(f, 'by drone')).toBe('That is not one of the options: pickup, delivery.')
    // Both named: ambiguous, asked again.
    expect(refused(f, 'collect or deliver')).toContain('not one of the options')
  })

  test('yes/no in the call language', () => {
    const f = field('yes_no')
    expect(ok(f, 'yes please')).toBe(true)
    expect(ok(f, 'nope')).toBe(false)
    expect(ok(f, true)).toBe(true)
    expect(ok(f, 'ja, genau', { ...env, lang: 'de' })).toBe(true)
    expect(ok(f, 'no, gracias', { ...env, lang: 'es' })).toBe(false)
    expect(refused(f, 'maybe')).toBe('The answer must be yes or no.')
    expect(spokenValue(f, true, 'es')).toBe('sí')
  })
})
