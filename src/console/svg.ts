/**
 * @module console/svg
 * Two small inline SVG drawings, computed on the server: a task's state diagram with the path it took, and a per-turn
 * latency bar chart. No client library.
 */
import { html, raw, type Html } from './html'

export type Graph = { readonly initial: string; readonly states: readonly string[]; readonly finals: ReadonlySet<string>; readonly edges: readonly { from: string; to: string; on: string }[] }

type AnyStates = Readonly<Record<string, { readonly on?: Readonly<Record<string, unknown>>; readonly final?: true }>>

/** The transition table as a graph (targets of guarded lists included). */
export function machineGraph(m: { readonly initial: string; readonly states: AnyStates }): Graph {
  const edges: { from: string; to: string; on: string }[] = []
  const finals = new Set<string>()
  for (const [from, node] of Object.entries(m.states)) {
    if (node.final) finals.add(from)
    for (const [on, entry] of Object.entries(node.on ?? {})) {
      const list = Array.isArray(entry) ? (entry as unknown[]) : [entry]
      for (const t of list) {
        const to = (t as { target?: unknown } | null)?.target
        if (typeof to === 'string' && !edges.some((e) => e.from === from && e.to === to && e.on === on)) edges.push({ from, to, on })
      }
    }
  }
  return { initial: m.initial, states: Object.keys(m.states), finals, edges }
}

const W = 128
const H = 46
const NODE_W = 108
const NODE_H = 26

/** Columns by distance from the start (breadth-first), the path's nodes and edges highlighted and numbered. */
export function fsmDiagram(g: Graph, path: readonly { from: string; to: string; on: string }[]): Html {
  // A task's first event takes it from `new` straight into its first real state (the table's initial state is only
  // a resting place): lay the diagram out from there so the path reads left to right.
  const entry = path[0]?.from === 'new' && g.states.includes(path[0].to) ? path[0].to : g.initial
  const depth = new Map<string, number>([['new', 0], [entry, 1]])
  const queue = [entry]
  while (queue.length > 0) {
    const s = queue.shift() ?? ''
    for (const e of g.edges) if (e.from === s && !depth.has(e.to)) (depth.set(e.to, (depth.get(s) ?? 0) + 1), queue.push(e.to))
  }
  let maxDepth = 0
  for (const v of depth.values()) maxDepth = Math.max(maxDepth, v)
  for (const s of g.states) if (!depth.has(s)) depth.set(s, ++maxDepth)
  const cols = new Map<number, string[]>()
  for (const [s, d] of depth) cols.set(d, [...(cols.get(d) ?? []), s])
  const pos = new Map<string, { x: number; y: number }>()
  let rows = 1
  for (const [d, list] of cols) {
    rows = Math.max(rows, list.length)
    list.forEach((s, i) => pos.set(s, { x: 10 + d * W, y: 10 + i * H }))
  }
  const width = 20 + (maxDepth + 1) * W
  const height = 20 + rows * H
  const visited = new Set<string>(path.flatMap((p) => [p.from, p.to]))
  const taken = new Map<string, number[]>()
  path.forEach((p, i) => {
    const k = `${p.from}>${p.to}`
    taken.set(k, [...(taken.get(k) ?? []), i + 1])
  })
  const all = [...g.edges, { from: 'new', to: entry, on: 'start' }]
  const lines = all.map((e) => {
    const a = pos.get(e.from)
    const b = pos.get(e.to)
    if (!a || !b) return ''
    const steps = taken.get(`${e.from}>${e.to}`)
    const cls = steps ? 'taken' : 'edge'
    if (e.from === e.to) {
      return html`<path class="${cls}" d="M${a.x + NODE_W - 20} ${a.y} q 14 -16 20 0" fill="none"/>${steps ? html`<text x="${a.x + NODE_W - 8}" y="${a.y - 6}" class="step">${steps.join(',')}</text>` : ''}`
    }
    const x1 = a.x + (b.x >= a.x ? NODE_W : 0)
    const x2 = b.x + (b.x >= a.x ? 0 : NODE_W)
    const y1 = a.y + NODE_H / 2
    const y2 = b.y + NODE_H / 2
    const label = steps ? html`<text x="${(x1 + x2) / 2}" y="${(y1 + y2) / 2 - 3}" class="step">${steps.join(',')}</text>` : ''
    return html`<line class="${cls}" x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" marker-end="url(#arr${steps ? 't' : ''})"/>${label}`
  })
  const nodes = [...pos].map(([s, p]) => {
    const cls = visited.has(s) ? (g.finals.has(s) ? 'node visited final' : 'node visited') : g.finals.has(s) ? 'node final' : 'node'
    return html`<g class="${cls}" data-state="${s}"><rect x="${p.x}" y="${p.y}" width="${NODE_W}" height="${NODE_H}" rx="13"/><text x="${p.x + NODE_W / 2}" y="${p.y + 17}" text-anchor="middle">${s}</text></g>`
  })
  return html`<svg class="fsm" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="state diagram">
<defs><marker id="arr" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#c3c9d6"/></marker>
<marker id="arrt" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0 0L10 5L0 10z" fill="#2b59c3"/></marker></defs>
<style>${raw('.edge{stroke:#d5dae4;stroke-width:1}.taken{stroke:#2b59c3;stroke-width:2.2}.node rect{fill:#fff;stroke:#c3c9d6}.node.visited rect{fill:#dce6fb;stroke:#2b59c3;stroke-width:1.5}.node.final rect{stroke-dasharray:0}.node.visited.final rect{fill:#d9f1e3;stroke:#1f8a4c}.step{fill:#2b59c3;font-weight:600}')}</style>
${lines}${nodes}</svg>`
}

/** One bar per turn (ms), tool calls as a second series; a dashed line at 1 s for scale. */
export function latencyChart(turns: readonly { ms: number }[], tools: readonly { name: string; ms: number }[]): Html {
  // Tool bars are labelled by their name's initials (book_appointment → ba), the full name is in the tooltip.
  const bars = [
    ...turns.map((t, i) => ({ label: `T${i + 1}`, title: `turn ${i + 1}: ${Math.round(t.ms)} ms`, ms: t.ms, kind: 'turn' })),
    ...tools.map((t) => ({ label: t.name.split(/[_-]/).map((w) => w.charAt(0)).join(''), title: `${t.name}: ${Math.round(t.ms)} ms`, ms: t.ms, kind: 'tool' })),
  ]
  const max = Math.max(1000, ...bars.map((b) => b.ms))
  const bw = 34
  const height = 170
  const plot = 130
  const width = 50 + bars.length * (bw + 8)
  const y = (ms: number) => 10 + plot - (ms / max) * plot
  const rects = bars.map((b, i) => {
    const x = 44 + i * (bw + 8)
    return html`<g class="bar ${b.kind}"><title>${b.title}</title><rect x="${x}" y="${y(b.ms)}" width="${bw}" height="${Math.max(1, (b.ms / max) * plot)}"/><text x="${x + bw / 2}" y="${y(b.ms) - 3}" text-anchor="middle">${Math.round(b.ms)}</text><text x="${x + bw / 2}" y="${height - 12}" text-anchor="middle" class="lbl">${b.label}</text></g>`
  })
  return html`<svg class="latency-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="latency per turn (ms)">
<style>${raw('.bar.turn rect{fill:#2b59c3}.bar.tool rect{fill:#b26a00}.lbl{fill:#6b7385}.axis{stroke:#c3c9d6}.one{stroke:#b3261e;stroke-dasharray:4 3}')}</style>
<line class="axis" x1="40" y1="10" x2="40" y2="${10 + plot}"/><line class="axis" x1="40" y1="${10 + plot}" x2="${width}" y2="${10 + plot}"/>
<line class="one" x1="40" y1="${y(1000)}" x2="${width}" y2="${y(1000)}"/><text x="4" y="${y(1000) + 4}">1 s</text><text x="4" y="${10 + plot}">0</text>
${rects}</svg>`
}
