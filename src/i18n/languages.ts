/**
 * @module i18n/languages
 * The languages FastAgent speaks. Every language here ships a complete pack (see `packs/`); adding one is adding a
 * pack, and the type checker refuses a pack that lacks a line.
 */
export const LANGUAGES = ['en', 'de', 'es'] as const
export type Language = (typeof LANGUAGES)[number]

export const isLanguage = (s: string): s is Language => (LANGUAGES as readonly string[]).includes(s)
