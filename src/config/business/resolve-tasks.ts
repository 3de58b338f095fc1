/**
 * @module config/business/resolve-tasks
 * The `tasks` section → {@link DeclaredTask}s, with the checks the schema cannot make, each named by its path: an id
 * that is already a tool (a built-in task, task_input, end_call …) or used twice, a field name used twice or reserved,
 * bounds the wrong way round, a choice without options, a read-back naming a field the task does not have.
 */
import type { ChoiceOption, DeclaredField, DeclaredTask } from './business'
import type { FileProblem } from './problems'
import type { TaskEntry } from './sections/tasks'

/** Field names the generic task_input tool already gives a meaning. */
const RESERVED_FIELDS = new Set(['task_id', 'confirm', 'choice'])

const words = (s: string) => s.replaceAll('_', ' ')
const fold = (s: string) => s.trim().toLowerCase()

export function resolveTasks(entries: readonly TaskEntry[], reservedTools: ReadonlySet<string>, problems: FileProblem[]): DeclaredTask[] {
  const ids = new Set<string>()
  return entries.map((t, i) => {
    const at = `tasks[${i}]`
    if (reservedTools.has(t.id)) problems.push({ path: `${at}.id`, reason: `is already a built-in tool (${t.id}); choose another id` })
    else if (ids.has(t.id)) problems.push({ path: `${at}.id`, reason: `is used twice (${t.id})` })
    ids.add(t.id)
    const kind = t.kind ?? 'form'
    const names = new Set<string>()
    const fields = t.fields.map((f, j): DeclaredField => {
      const here = `${at}.fields[${j}]`
      if (RESERVED_FIELDS.has(f.name)) problems.push({ path: `${here}.name`, reason: `is reserved (${f.name}); choose another name` })
      else if (names.has(f.name)) problems.push({ path: `${here}.name`, reason: `is used twice in this task (${f.name})` })
      names.add(f.name)
      const minLength = f.min_length ?? 1
      const maxLength = f.max_length ?? 200
      if (minLength > maxLength) problems.push({ path: `${here}.min_length`, reason: `is more than max_length (${maxLength})` })
      if (f.min !== undefined && f.max !== undefined && f.min > f.max) problems.push({ path: `${here}.min`, reason: `is more than max (${f.max})` })
      for (const k of ['min_length', 'max_length'] as const) if (f[k] !== undefined && f.type !== 'text') problems.push({ path: `${here}.${k}`, reason: 'applies to text fields only' })
      for (const k of ['min', 'max'] as const) if (f[k] !== undefined && f.type !== 'number') problems.push({ path: `${here}.${k}`, reason: 'applies to number fields only' })
      let options: ChoiceOption[] = []
      if (f.type === 'choice') {
        if (f.options === undefined) problems.push({ path: `${here}.options`, reason: 'is required for a choice field' })
        const seen = new Map<string, string>()
        options = (f.options ?? []).map((o, k) => {
          const value = typeof o === 'string' ? o : o.value
          const all = [value, ...(typeof o === 'string' ? [] : (o.synonyms ?? []))]
          for (const w of all) {
            const other = seen.get(fold(w))
            if (other !== undefined && other !== value) problems.push({ path: `${here}.options[${k}]`, reason: `"${w}" already names option ${other}` })
            seen.set(fold(w), value)
          }
          return { value, words: all }
        })
      } else if (f.options !== undefined) problems.push({ path: `${here}.options`, reason: 'applies to choice fields only' })
      return { name: f.name, type: f.type, ask: f.ask, label: f.label ?? words(f.name), optional: f.optional ?? false, minLength, maxLength, ...(f.min !== undefined ? { min: f.min } : {}), ...(f.max !== undefined ? { max: f.max } : {}), options }
    })
    for (const key of ['confirm', 'done'] as const) {
      const text = t[key]
      if (text === undefined) continue
      for (const m of text.matchAll(/\{(\w+)\}/g)) {
        if (!names.has(m[1] ?? '')) problems.push({ path: `${at}.${key}`, reason: `names {${m[1]}}, which is not a field of this task (fields: ${[...names].join(', ')})` })
      }
    }
    if (kind === 'lookup' && t.confirm !== undefined) problems.push({ path: `${at}.confirm`, reason: 'a look-up asks no confirmation (its answer is the result)' })
    if (kind === 'lookup' && t.done !== undefined) problems.push({ path: `${at}.done`, reason: "a look-up's answer comes from its webhook ({ \"say\": … })" })
    const title = t.title ?? words(t.id)
    return {
      id: t.id,
      kind,
      title,
      description: t.description ?? `The caller wants: ${title}.`,
      fields,
      ...(t.confirm !== undefined ? { confirm: t.confirm } : {}),
      ...(t.done !== undefined ? { done: t.done } : {}),
      submit: { url: t.submit.url, secretEnv: t.submit.secret_env, caller: t.submit.caller ?? 'masked', timeoutMs: (t.submit.timeout_seconds ?? 10) * 1000 },
    }
  })
}
