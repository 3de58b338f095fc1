/**
 * @module agents/domain/service-match
 * Which service the caller means, from their words: the service's name, one of its synonyms or its id, matched
 * without case, accents or punctuation, as a whole phrase in what they said ("a cleaning, please") or what they said
 * as part of a name ("cleaning" → "Dental cleaning"). Two services matching equally well is a question, not a guess.
 */
import type { ServiceOption } from './settings'

export type ServiceMatch =
  | { readonly ok: true; readonly service: ServiceOption }
  | { readonly ok: false; readonly reason: 'unknown' | 'ambiguous'; readonly candidates: readonly ServiceOption[] }

export const normalizeWords = (s: string): string =>
  ` ${s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()} `

export function matchService(words: string, services: readonly ServiceOption[]): ServiceMatch {
  const said = normalizeWords(words)
  if (said.trim() === '') return { ok: false, reason: 'unknown', candidates: services }
  let best = 0
  let found: ServiceOption[] = []
  for (const s of services) {
    let score = 0
    for (const phrase of [s.name, ...s.synonyms, s.id.replace(/[-_]/g, ' ')]) {
      const p = normalizeWords(phrase)
      if (p.trim() === '') continue
      // The whole name in what was said beats what was said being part of a longer name; longer phrases win ties.
      const here = said === p ? 3000 : said.includes(p) ? 2000 + p.length : p.includes(said) ? 1000 + said.length : 0
      score = Math.max(score, here)
    }
    if (score > best) {
      best = score
      found = [s]
    } else if (score === best && score > 0) found.push(s)
  }
  const only = found.length === 1 ? found[0] : undefined
  if (only) return { ok: true, service: only }
  return { ok: false, reason: found.length > 1 ? 'ambiguous' : 'unknown', candidates: found.length > 1 ? found : services }
}
