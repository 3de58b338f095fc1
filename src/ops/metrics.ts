/**
 * @module ops/metrics
 * A small Prometheus registry (text exposition format 0.0.4). Modules register counters, gauges and histograms;
 * `/metrics` renders them. Label values are escaped; a metric name can be registered once.
 * Counter increments are cheap (a field for a counter without labels, a Map lookup otherwise) and may be used on the
 * audio path.
 */

type Labels = Record<string, string>

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const labelKey = (names: readonly string[], labels: Labels | undefined) =>
  names.length === 0 ? '' : '{' + names.map((n) => `${n}="${escapeLabel(labels?.[n] ?? '')}"`).join(',') + '}'
const fmt = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN')

interface Metric {
  readonly name: string
  render(): string
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>()
  /** The value of a counter without labels: a plain field, so the per-frame counters cost one addition. */
  private plain = 0
  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly string[] = []) {}
  inc(labels?: Labels, by = 1): void {
    if (this.labelNames.length === 0) {
      this.plain += by
      return
    }
    const k = labelKey(this.labelNames, labels)
    this.values.set(k, (this.values.get(k) ?? 0) + by)
  }
  get(labels?: Labels): number {
    if (this.labelNames.length === 0) return this.plain
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0
  }
  /** Sum over every label set. */
  total(): number {
    let n = this.plain
    for (const v of this.values.values()) n += v
    return n
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`]
    if (this.labelNames.length === 0) lines.push(`${this.name} ${fmt(this.plain)}`)
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${fmt(v)}`)
    return lines.join('\n')
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>()
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[] = [],
    private readonly collect?: () => number,
  ) {}
  set(value: number, labels?: Labels): void {
    this.values.set(labelKey(this.labelNames, labels), value)
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(this.labelNames, labels)
    this.values.set(k, (this.values.get(k) ?? 0) + by)
  }
  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by)
  }
  get(labels?: Labels): number {
    if (this.collect && this.labelNames.length === 0) return this.collect()
    return this.values.get(labelKey(this.labelNames, labels)) ?? 0
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`]
    if (this.collect) lines.push(`${this.name} ${fmt(this.collect())}`)
    else {
      if (this.values.size === 0 && this.labelNames.length === 0) lines.push(`${this.name} 0`)
      for (const [k, v] of this.values) lines.push(`${this.name}${k} ${fmt(v)}`)
    }
    return lines.join('\n')
  }
}

export class Histogram implements Metric {
  private readonly counts: number[]
  private sum = 0
  private count = 0
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {
    this.counts = new Array<number>(buckets.length).fill(0)
  }
  observe(value: number): void {
    this.sum += value
    this.count++
    for (let i = 0; i < this.buckets.length; i++) if (value <= (this.buckets[i] ?? Infinity)) this.counts[i] = (this.counts[i] ?? 0) + 1
  }
  get total(): number {
    return this.count
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`]
    this.buckets.forEach((b, i) => lines.push(`${this.name}_bucket{le="${fmt(b)}"} ${this.counts[i] ?? 0}`))
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${fmt(this.sum)}`, `${this.name}_count ${this.count}`)
    return lines.join('\n')
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>()
  private register<M extends Metric>(m: M): M {
    if (this.metrics.has(m.name)) throw new Error(`metric ${m.name} registered twice`)
    this.metrics.set(m.name, m)
    return m
  }
  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames))
  }
  gauge(name: string, help: string, labelNames: readonly string[] = [], collect?: () => number): Gauge {
    return this.register(new Gauge(name, help, labelNames, collect))
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, buckets))
  }
  /** A counter's total over all labels (0 when absent): for summaries and tests. */
  counterTotal(name: string): number {
    const m = this.metrics.get(name)
    return m instanceof Counter ? m.total() : 0
  }
  render(): string {
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n'
  }
}
