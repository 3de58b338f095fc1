import { describe, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseBusinessText, loadBusinesses } from './load'
import { EXAMPLE_BUSINESS_FILE } from './example'
import { runConfig } from '../../cli/config'
import { businessFromEnv } from './from-env'
import { loadConfig } from '../load'
import { BusinessDirectory } from './directory'

const problemsOf = (yaml: string) => {
  const r = parseBusinessText(yaml, 'test.yaml', 'test')
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.reason}`)
}
const MIN = 'business: { name: Clinic, timezone: Europe/Berlin }\nhours: { mon-fri: "09:00-17:00" }\n'
const capture = () => {
  let text = ''
  return { write: (s: string) => (text += s), get text() { return text } }
}

describe('business file schema', () => {
  test('the smallest file: a name, a zone and hours; defaults fill the rest', () => {
    const r = parseBusinessText(MIN, 'min.yaml', 'min')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.business.language).toBe('en')
    expect(r.business.services).toEqual([{ id: 'appointment', name: 'appointment', minutes: 30, synonyms: [] }])
    expect(r.business.hours[1]).toEqual([{ from: 540, to: 1020 }])
    expect(r.business.hours[0]).toEqual([])
  })

  test('errors are named by path, with the reason', () => {
    const yaml = `${MIN}services:\n  - { id: a, name: A, minutes: 30 }\n  - { id: b, name: B, minutes: 60 }\n  - { id: c, name: C, minutes: 3 }\n`
    expect(problemsOf(yaml)).toEqual(['services[2].minutes: must be ≥ 5'])
    expect(problemsOf(`${MIN}booking: { horizon_days: 0, max_open_per_caller: 2.5 }`)).toEqual(['booking.horizon_days: must be ≥ 1', 'booking.max_open_per_caller: must be a whole number'])
    expect(problemsOf('business: { timezone: UTC }\nhours: "Mon 09:00-10:00"')).toEqual(['business.name: is required'])
    expect(problemsOf(`${MIN}services: [{ id: "Check Up", name: X, minutes: 30 }]`)[0]).toStartWith('services[0].id: must be a short id')
    expect(problemsOf(`${MIN}business_name: x`)).toEqual(['business_name: unknown key (did you mean business?)'])
  })

  test('unknown keys are errors at every level, with the nearest known key', () => {
    expect(problemsOf(`business: { name: C, timezone: UTC, langauge: de }\nhours: { mon: "09:00-10:00" }\nbooking: { min_notice: 5 }\n`)).toEqual([
      'business.langauge: unknown key (did you mean language?)',
      'booking.min_notice: unknown key (did you mean min_notice_minutes?)',
    ])
    expect(problemsOf(`${MIN}wording: { fr: { greeting: Bonjour } }`)[0]).toStartWith('wording.fr: unknown key')
    expect(problemsOf(`${MIN}wording: { de: { greting: Hallo } }`)).toEqual(['wording.de.greting: unknown key (did you mean greeting?)'])
  })

  test('checks a schema cannot express: zone, hours, dates, staff services, duplicates', () => {
    const yaml = [
      'business: { name: X, timezone: Mars/Base }',
      'hours: { mon-fri: "09:00-17:00", sat: "12:00-10:00", xyz: "09:00-10:00" }',
      'closed: ["2026-02-30"]',
      'special_hours: { "2026-12-31": "9-12" }',
      'services: [{ id: a, name: A, minutes: 30 }, { id: a, name: B, minutes: 30 }, { id: c, name: C, minutes: 30, synonyms: [a] }]',
      'staff: [{ name: Bob, services: [zz] }]',
    ].join('\n')
    const p = problemsOf(yaml)
    expect(p).toContain('business.timezone: must be an IANA time zone such as Europe/Berlin (got "Mars/Base")')
    expect(p.some((x) => x.startsWith('hours.sat: has a bad time span "12:00-10:00"'))).toBe(true)
    expect(p.some((x) => x.startsWith('hours.xyz:'))).toBe(true)
    expect(p).toContain('closed[0]: is not a calendar date (2026-02-30)')
    expect(p.some((x) => x.startsWith('special_hours.2026-12-31: has a bad time span'))).toBe(true)
    expect(p).toContain('services[1].id: is used twice (a)')
    expect(p).toContain('services[2].synonyms[0]: "a" already names service a')
    expect(p).toContain('staff[0].services[0]: is not a service id (services: a, c)')
  })

  test('not YAML, empty, or not a mapping: one clear problem', () => {
    expect(problemsOf('business: [unclosed')[0]).toStartWith('(file): is not valid YAML')
    expect(problemsOf('')).toEqual(['(file): is empty'])
    expect(problemsOf('- a\n- b')).toEqual(['(file): must be a mapping with business, hours, services …'])
    const json = parseBusinessText('{"business": {"name": "J", "timezone": "UTC"}, "hours": "Mon-Fri 09:00-17:00"}', 'b.json', 'b')
    expect(json.ok).toBe(true)
  })

  test('hours in the one-line BUSINESS_HOURS format too, and dated exceptions', () => {
    const r = parseBusinessText(`business: { name: C, timezone: UTC }\nhours: "Mon-Fri 09:00-12:00,13:00-17:00; Sat 10:00-14:00"\nclosed: ["2026-12-24"]\nspecial_hours: { "2026-12-31": "09:00-12:00" }\n`, 'c.yaml', 'c')
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.business.hours[1]).toEqual([{ from: 540, to: 720 }, { from: 780, to: 1020 }])
    expect(r.business.exceptions).toEqual({ '2026-12-24': [], '2026-12-31': [{ from: 540, to: 720 }] })
  })
})

describe('fastagent config', () => {
  test('example passes check; check prints the week table, services and staff', () => {
    const ex = capture()
    expect(runConfig(['example'], { stdout: ex, stderr: capture() })).toBe(0)
    expect(ex.text).toContain('# ')
    const dir = mkdtempSync(join(tmpdir(), 'fa-biz-'))
    const file = join(dir, 'harbour.yaml')
    writeFileSync(file, ex.text)
    expect(ex.text).toBe(EXAMPLE_BUSINESS_FILE)
    const out = capture()
    expect(runConfig(['check', file], { stdout: out, stderr: capture() })).toBe(0)
    expect(out.text).toContain('1 business: ok')
    expect(out.text).toMatch(/Mon\s+08:00-12:00, 13:00-18:00\s+08:00-12:00, 13:00-16:00/)
    expect(out.text).toMatch(/Sun\s+closed/)
    expect(out.text).toMatch(/cleaning\s+Dental cleaning\s+60 min/)
    expect(out.text).toMatch(/dr-weber\s+Dr. Weber\s+checkup, emergency/)
    expect(out.text).toContain('2026-12-24  closed')
  })

  test('check of a bad file: exit 78, every problem by file and path on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-biz-'))
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, `${MIN}services: [{ id: a, name: A, minutes: 3 }]\n`)
    const err = capture()
    expect(runConfig(['check', file], { stdout: capture(), stderr: err })).toBe(78)
    expect(err.text).toContain(`invalid business file ${file}`)
    expect(err.text).toContain('services[0].minutes: must be ≥ 5')
    expect(runConfig(['check', join(dir, 'missing.yaml')], { stdout: capture(), stderr: err })).toBe(78)
    expect(err.text).toContain('(file): does not exist')
    expect(runConfig(['frob'], { stdout: capture(), stderr: capture() })).toBe(2)
    expect(runConfig(['check'], { stdout: capture(), stderr: capture() })).toBe(2)
  })

  test('a folder: one tenant per file, all checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-biz-'))
    writeFileSync(join(dir, 'alpha.yaml'), MIN)
    writeFileSync(join(dir, 'beta.json'), JSON.stringify({ tenant: { bot_names: ['beta-bot'] }, business: { name: 'Beta', timezone: 'UTC' }, hours: { sat: '10:00-12:00' } }))
    writeFileSync(join(dir, 'notes.txt'), 'ignored')
    const r = loadBusinesses(dir)
    expect(r.ok && r.businesses.map((b) => [b.id, b.name])).toEqual([['alpha', 'Clinic'], ['beta', 'Beta']])
    writeFileSync(join(dir, 'gamma.yml'), 'business: { name: G }\n')
    const bad = capture()
    expect(runConfig(['check', dir], { stdout: capture(), stderr: bad })).toBe(78)
    expect(bad.text).toContain('gamma.yml')
    expect(bad.text).toContain('business.timezone: is required')
    expect(bad.text).toContain('hours: is required')
  })
})

describe('the BUSINESS_* quick path', () => {
  test('maps onto the same effective business', () => {
    const c = loadConfig({ BUSINESS_NAME: 'Env Clinic', BUSINESS_TIMEZONE: 'Europe/Madrid', BUSINESS_HOURS: 'Sat 10:00-14:00', SLOT_MINUTES: '45', BUSINESS_LANGUAGE: 'es', GREETING: 'Hola {business}' })
    expect(c.ok).toBe(true)
    if (!c.ok) return
    const b = businessFromEnv(c.config)
    expect([b.name, b.timeZone, b.language, b.source]).toEqual(['Env Clinic', 'Europe/Madrid', 'es', 'environment'])
    expect(b.services).toEqual([{ id: 'appointment', name: 'appointment', minutes: 45, synonyms: [] }])
    expect(b.hours[6]).toEqual([{ from: 600, to: 840 }])
    expect(b.wording).toEqual({ es: { greeting: 'Hola {business}' } })
    // Defaults leave the language pack's lines alone.
    const d = loadConfig({})
    expect(d.ok && businessFromEnv(d.config).wording).toEqual({})
  })
})

describe('reload', () => {
  test('a valid new file is the next version; a bad one is refused and the old one kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-biz-'))
    const file = join(dir, 'clinic.yaml')
    writeFileSync(file, MIN)
    const c = loadConfig({ FASTAGENT_CONFIG: file })
    if (!c.ok) throw new Error('config')
    const opened = BusinessDirectory.open(c.config)
    if (!opened.ok) throw new Error(opened.message)
    const dirx = opened.directory
    const first = dirx.pick()
    expect(first?.name).toBe('Clinic')
    writeFileSync(file, MIN.replace('Clinic', 'New Clinic') + 'booking: { horizon_dayz: 3 }\n')
    const refused = dirx.reload()
    expect(refused.ok).toBe(false)
    expect(!refused.ok && refused.message).toContain('booking.horizon_dayz: unknown key')
    expect(dirx.version.version).toBe(1)
    expect(dirx.pick()).toBe(first)
    writeFileSync(file, MIN.replace('Clinic', 'New Clinic'))
    expect(dirx.reload()).toEqual({ ok: true, version: 2, businesses: 1 })
    expect(dirx.pick()?.name).toBe('New Clinic')
    // The object a live call holds is untouched.
    expect(first?.name).toBe('Clinic')
  })
})
