/**
 * @module sim/vaic/upgrade-probe
 * The HTTP status a bot answers to a WebSocket upgrade. Bun's WebSocket client reports a refused upgrade only as an
 * error event, so the status is read from its message when present ("Expected 101 status code: 401") and otherwise
 * by repeating the upgrade request with `fetch` and the upgrade headers, which returns the status (101 when the bot
 * would accept; the probe then abandons that socket).
 */

/** `ws://` → `http://`, `wss://` → `https://`; other schemes unchanged. */
export function httpUrlOf(url: string): string {
  return url.replace(/^ws(s?):\/\//i, 'http$1://')
}

/** The status in Bun's upgrade-failure message, if it has one. */
export function statusFromError(message: string | undefined): number | undefined {
  const m = message?.match(/Expected 101 status code: (\d{3})/)
  return m?.[1] ? Number(m[1]) : undefined
}

/** What an upgrade request got: an HTTP status, or the connection error's code (ECONNREFUSED, a TLS code…). */
export type ProbeResult = { readonly status: number } | { readonly code: string; readonly message: string }

/**
 * Sends the upgrade request of a WebSocket handshake (with `Authorization: Bearer <token>` when a token is given) and
 * returns the HTTP status, or the error that kept it from getting one (code `TIMEOUT` after `timeoutMs`).
 */
export async function probeConnection(url: string, token?: string, timeoutMs = 5000): Promise<ProbeResult> {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')
  const headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' }
  if (token !== undefined) headers.Authorization = `Bearer ${token}`
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  try {
    const res = await fetch(httpUrlOf(url), { headers, signal: abort.signal })
    void res.body?.cancel().catch(() => undefined)
    return { status: res.status }
  } catch (err) {
    if (abort.signal.aborted) return { code: 'TIMEOUT', message: `no answer within ${timeoutMs} ms` }
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : 'ERROR'
    return { code, message: err instanceof Error ? err.message : String(err) }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The HTTP status of an upgrade request, or undefined when the bot cannot be reached within `timeoutMs`.
 *
 * @example
 * expect(await probeUpgrade('ws://127.0.0.1:8080/audiocodes', 'wrong')).toBe(401)
 */
export async function probeUpgrade(url: string, token?: string, timeoutMs = 5000): Promise<number | undefined> {
  const r = await probeConnection(url, token, timeoutMs)
  return 'status' in r ? r.status : undefined
}
