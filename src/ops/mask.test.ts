import { describe, expect, test } from 'bun:test'
import { maskFields, maskPhone, maskSecret, scrubText } from './mask'
import { memoryLogger } from './log'

describe('masking', () => {
  test('phone numbers keep only the last three digits', () => {
    expect(maskPhone('+14155550123')).toBe('+********123')
    expect(maskPhone('4155550123')).toBe('*******123')
    expect(maskPhone('anonymous')).toBe('anonymous')
  })
  test('secrets reveal only their length', () => {
    expect(maskSecret('sk-abcdef')).toBe('[secret:9]')
  })
  test('numbers and bearer tokens inside text are scrubbed; dates and uuids are not', () => {
    const t = scrubText('call +14155550123 at 2026-11-25 id 6f1c2a5e-2d1b-4c8e-9a77-0b3e5d9c1f20 Authorization: Bearer abc.def')
    expect(t).not.toContain('4155550123')
    expect(t).toContain('2026-11-25')
    expect(t).toContain('6f1c2a5e-2d1b-4c8e-9a77-0b3e5d9c1f20')
    expect(t).not.toContain('abc.def')
  })
  test('fields are masked by key name, deeply', () => {
    const m = maskFields({ caller: '+14155550123', nested: { apiKey: 'sk-123', to: '+4930123456' }, list: [{ token: 'x' }] }) as Record<string, any>
    expect(m.caller).toBe('+********123')
    expect(m.nested.apiKey).toBe('[secret:6]')
    expect(m.nested.to).toBe('+*******456')
    expect(m.list[0].token).toBe('[secret:1]')
  })
  test('the logger writes one masked JSON object per line', () => {
    const { log, lines, entries } = memoryLogger('info')
    log.child({ callId: 'c-1' }).info('call.started', { caller: '+14155550123', note: 'from +14155550123' })
    log.debug('hidden')
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('4155550123')
    const [e] = entries()
    expect(e?.event).toBe('call.started')
    expect(e?.callId).toBe('c-1')
    expect(e?.level).toBe('info')
  })
})
