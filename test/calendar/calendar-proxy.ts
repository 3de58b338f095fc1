/**
 * @module test/calendar/calendar-proxy
 * An HTTP proxy in front of the real Radicale that makes the calendar slow, stalls chosen requests until the test
 * lets them go, or takes the calendar away (connection refused) and brings it back on the same port. Behaviour is
 * driven by gates, not by timing, so tests stay deterministic on a loaded machine.
 */
export type Held = { readonly method: string; readonly path: string }

export type CalendarProxy = {
  readonly url: string
  /** Every request that reached the proxy (method and path), in order. */
  readonly seen: Held[]
  /** Adds this delay before forwarding each request. */
  delay(ms: number): void
  /** Requests matching `match` wait until {@link release} (or until `hold` is called again). */
  hold(match: (r: Held) => boolean): void
  /** Lets every held request go on, and stops holding. */
  release(): void
  /** Resolves when `n` requests are held. */
  held(n: number): Promise<void>
  /** Stops listening: connections are refused. */
  down(): void
  /** Listens again on the same port. */
  up(): void
  stop(): void
}

/**
 * Makes the proxy a resource server that takes bearer tokens only (as Google's CalDAV API does): a request whose
 * token `accepts` refuses gets 401, an accepted one goes on to the real server with `upstream` credentials instead.
 */
export type BearerGate = { readonly accepts: (authorization: string | null) => boolean; readonly upstream: string }

export function calendarProxy(upstream: string, gate?: BearerGate): CalendarProxy {
  const base = new URL(upstream)
  let delayMs = 0
  let holdMatch: ((r: Held) => boolean) | undefined
  let waiting: { r: Held; go: () => void }[] = []
  const heldWaiters: { n: number; resolve: () => void }[] = []
  const seen: Held[] = []
  const notifyHeld = () => {
    for (const w of [...heldWaiters]) if (waiting.length >= w.n) {
      heldWaiters.splice(heldWaiters.indexOf(w), 1)
      w.resolve()
    }
  }

  const handle = async (req: Request): Promise<Response> => {
    const u = new URL(req.url)
    const r: Held = { method: req.method, path: u.pathname }
    seen.push(r)
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await req.arrayBuffer()
    if (delayMs > 0) await Bun.sleep(delayMs)
    if (holdMatch?.(r)) {
      await new Promise<void>((go) => {
        waiting.push({ r, go })
        notifyHeld()
      })
    }
    const headers = new Headers(req.headers)
    headers.set('host', base.host)
    if (gate) {
      if (!gate.accepts(req.headers.get('authorization'))) {
        return new Response('token expired or invalid', { status: 401, headers: { 'www-authenticate': 'Bearer realm="caldav", error="invalid_token"' } })
      }
      headers.set('authorization', gate.upstream)
    }
    const res = await fetch(new URL(u.pathname + u.search, base), { method: req.method, headers, ...(body ? { body } : {}), redirect: 'manual' })
    const payload = await res.arrayBuffer()
    const out = new Headers(res.headers)
    for (const h of ['content-encoding', 'content-length', 'transfer-encoding', 'connection']) out.delete(h)
    return new Response(payload, { status: res.status, statusText: res.statusText, headers: out })
  }

  let port = 0
  let server: ReturnType<typeof Bun.serve> | undefined
  const listen = () => {
    server = Bun.serve({ hostname: '127.0.0.1', port, fetch: handle, idleTimeout: 0, error: () => new Response(null, { status: 599 }) })
    port = server.port ?? 0
  }
  listen()

  return {
    url: `http://127.0.0.1:${port}${base.pathname}`,
    seen,
    delay(ms) {
      delayMs = ms
    },
    hold(match) {
      holdMatch = match
    },
    release() {
      holdMatch = undefined
      const list = waiting
      waiting = []
      for (const w of list) w.go()
    },
    held(n) {
      return new Promise((resolve) => {
        heldWaiters.push({ n, resolve })
        notifyHeld()
      })
    },
    down() {
      server?.stop(true)
      server = undefined
    },
    up() {
      if (!server) listen()
    },
    stop() {
      this.release()
      server?.stop(true)
      server = undefined
    },
  }
}
