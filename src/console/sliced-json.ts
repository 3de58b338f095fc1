/**
 * @module console/sliced-json
 * Console reads share the event loop with every call's audio: a list of 300 live calls built and serialised in one go
 * holds the loop for a millisecond or more, and every frame due in that time waits (the relay's p99 shows it). This
 * builds a JSON array a slice at a time and lets the loop run (socket reads, audio frames) between slices, so no
 * console request holds it longer than one slice's work.
 */

/** Items per slice: a slice of live-call summaries is some tens of microseconds of work. */
export const SLICE = 32

/** Lets the event loop run what is due (I/O first) before the next slice. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** `JSON.stringify(items.map(map))`, the same text, built a slice at a time with the loop running between slices. */
export async function jsonArrayInSlices<T>(items: readonly T[], map: (item: T) => unknown, slice = SLICE): Promise<string> {
  const parts: string[] = []
  for (let i = 0; i < items.length; i += slice) {
    if (i > 0) await yieldToLoop()
    const text = JSON.stringify(items.slice(i, i + slice).map(map))
    // Each slice is an array text `[a,b]`: its inside joins the others.
    if (text.length > 2) parts.push(text.slice(1, -1))
  }
  return `[${parts.join(',')}]`
}

/**
 * One build shared by every request that arrives while it runs (several viewers polling at once cost one build),
 * never a result kept after it: the next request after it finished builds afresh.
 */
export function coalesced<R>(build: () => Promise<R>): () => Promise<R> {
  let running: Promise<R> | undefined
  return () => {
    running ??= build().finally(() => {
      running = undefined
    })
    return running
  }
}
