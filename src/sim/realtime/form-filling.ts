/**
 * @module sim/realtime/form-filling
 * How the emulated model handles tasks it knows only from their tool definitions (the business's declared forms and
 * look-ups): it starts the tool whose name the caller's words cover, answers the field the task waits for with what
 * the caller said, and sends a correction to the field the caller names ("no, my date of birth is …"). Like a model
 * it reads the tools' names and parameters, nothing of the product's code.
 */
import type { RealtimeFunctionTool } from 'openai/resources/realtime/realtime'
import { normalize } from './phrases'

const nameWords = (name: string) => name.split('_').filter((w) => w.length >= 3)
/** A word of the tool's name said by the caller, allowing inflection ("refills", "ordered"). */
const said = (t: string, w: string) => new RegExp(`\\b${w.slice(0, Math.max(4, w.length - 2))}`).test(t)

/** The tool whose every name word the caller said (the most specific one), among `candidates`. */
export function toolFromWords(tools: readonly RealtimeFunctionTool[], heard: string, skip: ReadonlySet<string>): RealtimeFunctionTool | undefined {
  const t = normalize(heard)
  const hits = tools.filter((x) => x.name !== undefined && !skip.has(x.name) && nameWords(x.name).length > 0 && nameWords(x.name).every((w) => said(t, w)))
  return hits.sort((a, b) => nameWords(b.name ?? '').length - nameWords(a.name ?? '').length)[0]
}

/** The fields a task takes: the properties of its start tool. */
export function taskFields(tools: readonly RealtimeFunctionTool[], task: string): string[] {
  const tool = tools.find((x) => x.name === task)
  const props = (tool?.parameters as { properties?: Record<string, unknown> } | undefined)?.properties ?? {}
  return Object.keys(props)
}

/** What the caller gave as the value: their words without "it's", "my name is" (or "mein … ist") and the final full stop. */
export function valueOf(heard: string, label?: string): string {
  let v = heard.trim()
  if (label !== undefined) {
    const at = v.toLowerCase().indexOf(label)
    if (at >= 0) v = v.slice(at + label.length)
  }
  // "… is", German "… ist", Spanish "… es": the value follows.
  v = v.replace(/^[\s,:]*(?:is|was|should be|to|ist|war|es|era)\b\s*/i, '')
  v = v.replace(/^(?:it's|it is|that's|that is|my [a-z ]+ is|i need|i'd like)\s+/i, '')
  return v.replace(/[.!?]+$/, '').trim()
}

/** A field of `fields` the caller names ("my date of birth is …"), with the value said after it. */
export function correction(fields: readonly string[], heard: string): { field: string; value: string } | undefined {
  const t = heard.toLowerCase()
  for (const f of [...fields].sort((a, b) => b.length - a.length)) {
    const label = f.replaceAll('_', ' ')
    if (label.length < 4 || !t.includes(label)) continue
    const value = valueOf(heard, label)
    if (value !== '') return { field: f, value }
  }
  return undefined
}
