/**
 * @module bench/profile
 * Summarises a `.cpuprofile` written by `bun run bench --profile` (the server from source under `bun --cpu-prof`):
 * samples by self function and by category, counted in SAMPLES, not in Bun's time-weighted durations — the sampler
 * only fires while the VM runs JavaScript, so a sample's time delta includes the idle gap before it and would credit
 * idle time to whatever ran first after a wake-up. Note what a JS profile cannot see: the event loop's own native work
 * outside any JS frame (epoll, recv, WebSocket framing) is not sampled at all; `perf` sees it.
 * Run: `bun scripts/bench/profile.ts <file.cpuprofile> [top]`.
 */
import { readFileSync } from 'node:fs'

type CallFrame = { functionName: string; url: string; lineNumber: number }
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] }
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

/** Which part of the relay a frame belongs to; the first rule that matches wins. */
const CATEGORIES: readonly [string, (f: CallFrame) => boolean][] = [
  ['socket send (native sendText/send: syscall + loopback TCP)', (f) => f.url === '' && (f.functionName === 'sendText' || f.functionName === 'send')],
  ['JSON.parse', (f) => f.url === '' && f.functionName === 'parse'],
  ['base64 pattern regex (TypeBox string check)', (f) => f.functionName.startsWith('/^(?:[A-Za-z0-9+/]')],
  ['Elysia ws layer (parse, ElysiaWS wrapper, async handlers)', (f) => f.url.includes('/elysia/')],
  ['TypeBox', (f) => f.url.includes('/@sinclair/typebox/')],
  ['src/telephony (phone leg, endpoint)', (f) => f.url.includes('/src/telephony/')],
  ['src/realtime (model leg, protocol, transport)', (f) => f.url.includes('/src/realtime/')],
  ['src/call + src/audio', (f) => f.url.includes('/src/call/') || f.url.includes('/src/audio/')],
  ['src/ops (metrics, logs)', (f) => f.url.includes('/src/ops/')],
  ['other src/', (f) => f.url.includes('/src/')],
  ['other JavaScript', (f) => f.url !== ''],
  ['other native', () => true],
]

export function summarise(p: Profile, top = 25): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const self = new Map<string, number>()
  const selfCat = new Map<string, number>()
  const inclusiveCat = new Map<string, number>()
  const category = (f: CallFrame) => CATEGORIES.find(([, test]) => test(f))?.[0] ?? 'other native'
  let total = 0
  for (const id of p.samples) {
    const n = byId.get(id)
    if (!n || n.callFrame.functionName === '(root)' || n.callFrame.functionName === '(program)' || n.callFrame.functionName === '(idle)') continue
    total++
    const f = n.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url ? f.url.replace(/^.*\/(node_modules|src)\//, '$1/') + ':' + f.lineNumber : '[native]'}`
    self.set(key, (self.get(key) ?? 0) + 1)
    const cat = category(f)
    selfCat.set(cat, (selfCat.get(cat) ?? 0) + 1)
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame
      if (frame && frame.functionName !== '(root)') seen.add(category(frame))
    }
    for (const c of seen) inclusiveCat.set(c, (inclusiveCat.get(c) ?? 0) + 1)
  }
  const pct = (n: number) => `${((100 * n) / Math.max(1, total)).toFixed(1)} %`
  const lines = [
    `${total} samples in JavaScript over ${((p.endTime - p.startTime) / 1e6).toFixed(1)} s`,
    '',
    '| category | self | inclusive |',
    '| --- | ---: | ---: |',
    ...CATEGORIES.map(([c]) => c)
      .filter((c) => (selfCat.get(c) ?? 0) + (inclusiveCat.get(c) ?? 0) > 0)
      .map((c) => `| ${c} | ${pct(selfCat.get(c) ?? 0)} | ${pct(inclusiveCat.get(c) ?? 0)} |`),
    '',
    '| self | function |',
    '| ---: | --- |',
    ...[...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, n]) => `| ${pct(n)} | \`${k.replace(/\|/g, '\\|')}\` |`),
  ]
  return lines.join('\n')
}

if (import.meta.main) {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: bun scripts/bench/profile.ts <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  process.stdout.write(summarise(profile, Number(process.argv[3] ?? 25)) + '\n')
}
