/**
 * @module ops/sparse-map
 * A map that exists only while it holds entries. A call keeps many small maps (responses in flight, play streams,
 * items being played) that are empty most of the time; an empty `Map` that once held an entry still keeps its hash
 * table (about 300 bytes each in JSC), for the whole call. Held as `Map | undefined`: created on the first entry,
 * let go with the last.
 */

/** `m` with `k` set to `v` (a new map when `m` is undefined). */
export function mapPut<K, V>(m: Map<K, V> | undefined, k: K, v: V): Map<K, V> {
  if (m === undefined) return new Map([[k, v]])
  m.set(k, v)
  return m
}

/** `m` without `k`: undefined once it is empty. */
export function mapDrop<K, V>(m: Map<K, V> | undefined, k: K): Map<K, V> | undefined {
  if (m === undefined) return undefined
  m.delete(k)
  return m.size === 0 ? undefined : m
}

/** The same for sets. */
export function setAdd<T>(s: Set<T> | undefined, v: T): Set<T> {
  if (s === undefined) return new Set([v])
  s.add(v)
  return s
}

export function setDrop<T>(s: Set<T> | undefined, v: T): Set<T> | undefined {
  if (s === undefined) return undefined
  s.delete(v)
  return s.size === 0 ? undefined : s
}
