import { describe, expect, test } from 'bun:test'
import { configKeys, formatProblems, loadConfig, REQUIRED_FOR_SERVE } from './load'

const base = { AUDIOCODES_BOT_TOKEN: 'tok-123456789', OPENAI_API_KEY: 'sk-test-123456789' }

describe('loadConfig', () => {
  test('applies every default', () => {
    const r = loadConfig({})
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.config.HOST).toBe('0.0.0.0')
    expect(r.config.PORT).toBe(8080)
    expect(r.config.OPENAI_REALTIME_URL).toBe('wss://api.openai.com/v1/realtime')
    expect(r.config.BUSINESS_HOURS).toBe('Mon-Fri 09:00-17:00')
    expect(r.config.RESUME_WINDOW_HOURS).toBe(24)
    expect(r.config.MAX_CONCURRENT_CALLS).toBe(500)
    expect(r.config.TRANSFER_TARGET).toBeUndefined()
  })

  test('serve requires the key (the token is checked against the businesses: test/e2e/operator-mistakes)', () => {
    const r = loadConfig({}, { require: REQUIRED_FOR_SERVE })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.variable).sort()).toEqual(['OPENAI_API_KEY'])
  })

  test('names every bad variable with the reason, converts numbers', () => {
    const r = loadConfig({ ...base, PORT: '70000', SLOT_MINUTES: '0x10', LOG_LEVEL: 'loud', OPENAI_REALTIME_URL: 'ftp://x', BUSINESS_TIMEZONE: 'Nowhere/City', BUSINESS_HOURS: 'Mon-Fri 17:00-09:00' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    const byVar = Object.fromEntries(r.problems.map((p) => [p.variable, p.reason]))
    expect(Object.keys(byVar).sort()).toEqual(['BUSINESS_HOURS', 'BUSINESS_TIMEZONE', 'LOG_LEVEL', 'OPENAI_REALTIME_URL', 'PORT', 'SLOT_MINUTES'])
    expect(byVar.PORT).toContain('integer from 0 to 65535')
    expect(byVar.LOG_LEVEL).toContain('"debug"')
    expect(byVar.BUSINESS_HOURS).toContain('17:00-09:00')
    const ok = loadConfig({ ...base, PORT: '9090', VAD_THRESHOLD: '0.7' })
    expect(ok.ok && ok.config.PORT === 9090 && ok.config.VAD_THRESHOLD === 0.7).toBe(true)
  })

  test('never prints a secret value', () => {
    const secretValue = 'short'
    const r = loadConfig({ AUDIOCODES_BOT_TOKEN: secretValue, OPENAI_API_KEY: 'sk-abc', TWILIO_AUTH_TOKEN: 'tw' })
    expect(r.ok).toBe(false)
    if (r.ok) return
    const text = formatProblems(r.problems)
    expect(text).toContain('AUDIOCODES_BOT_TOKEN')
    expect(text).toContain('TWILIO_AUTH_TOKEN')
    expect(text).not.toContain(secretValue)
    expect(text).not.toContain('sk-abc')
  })

  test('groups that only work together are checked together', () => {
    const r = loadConfig({ ...base, TLS_CERT_FILE: '/x.pem', TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32) })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.problems.map((p) => p.variable).sort()).toEqual(['TLS_KEY_FILE', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'])
  })

  test('a dial-out setup needs a caller id: AUDIOCODES_CALLER_ID, else TWILIO_FROM_NUMBER', () => {
    const dialout = { ...base, AUDIOCODES_API_URL: 'https://vaic.example', AUDIOCODES_API_CLIENT_ID: 'cid', AUDIOCODES_API_CLIENT_SECRET: 'csecret', AUDIOCODES_BOT_NAME: 'bot' }
    const none = loadConfig(dialout)
    expect(none.ok).toBe(false)
    if (!none.ok) {
      expect(none.problems.map((p) => p.variable)).toEqual(['AUDIOCODES_CALLER_ID'])
      expect(none.problems[0]?.reason).toContain('TWILIO_FROM_NUMBER')
    }
    expect(loadConfig({ ...dialout, AUDIOCODES_CALLER_ID: '+18005550100' }).ok).toBe(true)
    const twilio = { TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32), TWILIO_AUTH_TOKEN: 'tw-token-123', TWILIO_FROM_NUMBER: '+15005550006' }
    expect(loadConfig({ ...dialout, ...twilio }).ok).toBe(true)
  })

  test('empty strings count as unset', () => {
    const r = loadConfig({ ...base, TRANSFER_TARGET: '', PORT: '' })
    expect(r.ok && r.config.TRANSFER_TARGET === undefined && r.config.PORT === 8080).toBe(true)
  })

  test('every variable has a one-line doc', () => {
    for (const key of configKeys) expect(loadConfig({}).ok && key.length > 0).toBe(true)
  })
})
