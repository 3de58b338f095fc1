/**
 * Type test (checked by `tsc`, run by `bun run typecheck`): a language pack must have every key. Each
 * `@ts-expect-error` below fails the type check if the incomplete pack were ever accepted.
 */
import { test, expect } from 'bun:test'
import type { LanguagePack } from './pack'
import { en } from './packs/en'
import { PACKS } from './packs'
import { LANGUAGES } from './languages'

const { greeting: _dropped, ...callWithoutGreeting } = en.call

// @ts-expect-error a pack without the greeting does not compile
export const missingGreeting: LanguagePack = { ...en, call: callWithoutGreeting }

const { askTime: _t, ...bookingWithoutAskTime } = en.booking
// @ts-expect-error a pack without a booking question does not compile
export const missingQuestion: LanguagePack = { ...en, booking: bookingWithoutAskTime }

const { hoursLabel: _h, ...instructionsWithoutHours } = en.instructions
// @ts-expect-error a pack whose model instructions lack a line (the hours label) does not compile
export const missingInstructionLine: LanguagePack = { ...en, instructions: instructionsWithoutHours }

const { instructions: _i, ...packWithoutInstructions } = en
// @ts-expect-error a pack without the model's instructions does not compile
export const missingInstructions: LanguagePack = packWithoutInstructions

// @ts-expect-error a language without a pack does not compile
export const missingLanguage: { readonly [L in (typeof LANGUAGES)[number]]: LanguagePack } = { en: PACKS.en, de: PACKS.de }

test('every shipped language has a complete pack, every line non-empty', () => {
  for (const l of LANGUAGES) {
    const p = PACKS[l]
    expect(p.language).toBe(l)
    for (const section of [p.call, p.booking, p.dates, p.instructions]) {
      for (const [k, v] of Object.entries(section)) {
        if (typeof v === 'string') expect(v.length, `${l}.${k}`).toBeGreaterThan(0)
        else expect(typeof v, `${l}.${k}`).toBe('function')
      }
    }
    expect(Object.keys(p.call).sort()).toEqual(Object.keys(PACKS.en.call).sort())
    expect(Object.keys(p.booking).sort()).toEqual(Object.keys(PACKS.en.booking).sort())
    expect(Object.keys(p.instructions).sort()).toEqual(Object.keys(PACKS.en.instructions).sort())
  }
})
