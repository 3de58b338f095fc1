/**
 * @module continuity/twilio-http-client
 * A fetch-based `httpClient` for the `twilio` package (stack-notes D2): axios is never on the request path (it hung
 * under Bun before), every request has a timeout, and the API base URL can point at a local fake in tests and the
 * demo (`TWILIO_API_BASE_URL`). The twilio package parses the string body itself.
 */

type Primitive = string | number | boolean | undefined | null
type FormValue = Primitive | readonly Primitive[] | Date

export type TwilioRequest = {
  readonly method: string
  readonly uri: string
  readonly username?: string
  readonly password?: string
  readonly authStrategy?: { getAuthString(): Promise<string> }
  readonly headers?: Record<string, string>
  readonly params?: object
  readonly data?: object
  readonly timeout?: number
}

export type TwilioResponse = { statusCode: number; body: string; headers: Record<string, string> }

const toForm = (o: object): URLSearchParams => {
  const p = new URLSearchParams()
  for (const [k, raw] of Object.entries(o as Record<string, FormValue>)) {
    const list = Array.isArray(raw) ? raw : [raw]
    for (const v of list) if (v !== undefined && v !== null) p.append(k, v instanceof Date ? v.toISOString() : String(v))
  }
  return p
}

export function fetchHttpClient(baseUrl: string | undefined, defaultTimeoutMs = 10_000) {
  return {
    async request(o: TwilioRequest): Promise<TwilioResponse> {
      const target = baseUrl ? o.uri.replace(/^https?:\/\/[^/]+/, baseUrl.replace(/\/+$/, '')) : o.uri
      const url = new URL(target)
      if (o.params) for (const [k, v] of toForm(o.params)) url.searchParams.append(k, v)
      const headers = new Headers(o.headers)
      if (o.authStrategy) headers.set('Authorization', await o.authStrategy.getAuthString())
      else if (o.username && o.password) headers.set('Authorization', 'Basic ' + btoa(`${o.username}:${o.password}`))
      const res = await fetch(url, {
        method: o.method.toUpperCase(),
        headers,
        ...(o.data ? { body: toForm(o.data) } : {}),
        signal: AbortSignal.timeout(o.timeout ?? defaultTimeoutMs),
      })
      return { statusCode: res.status, body: await res.text(), headers: Object.fromEntries(res.headers) }
    },
  }
}
