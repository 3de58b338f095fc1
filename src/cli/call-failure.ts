/**
 * @module cli/call-failure
 * Why `fastagent call` could not start a call, in words that say what to do: nothing listening, a TLS certificate the
 * caller does not trust, or the bot's refusal by HTTP status (401, 403, 429, 503…). Pure: the simulator reports the
 * status or the connection error's code, this turns it into one line.
 */

export type StartFailure = { readonly reason: string; readonly status?: number | undefined; readonly cause?: string | undefined }

/** Codes Bun (BoringSSL) reports for a certificate chain the client does not trust. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
])

function hostOf(url: string): string {
  try {
    const u = new URL(url)
    return u.port ? `${u.hostname}:${u.port}` : u.hostname
  } catch {
    return url
  }
}

export function explainStartFailure(url: string, f: StartFailure): string {
  const host = hostOf(url)
  switch (f.status) {
    case 401:
      return `the bot refused the token (HTTP 401): pass --token with the bot's AUDIOCODES_BOT_TOKEN`
    case 403:
      return `the connection is forbidden (HTTP 403): something in front of the bot (a proxy, a firewall rule) refuses it; check its access rules and the URL`
    case 404:
      return `there is no bot at this path (HTTP 404): FastAgent's endpoint is /audiocodes`
    case 429:
      return `too many failed authentications from this address (HTTP 429): fix --token, then retry after a minute`
    case 503:
      return `the bot is not taking calls (HTTP 503): it is starting, draining, at MAX_CONCURRENT_CALLS or overloaded; retry shortly`
    case undefined:
      break
    default:
      return `the bot refused the call with HTTP ${f.status}`
  }
  const cause = f.cause
  if (cause === 'ECONNREFUSED') return `nothing is listening at ${host}: is fastagent running, and are the host and port in --url right?`
  if (cause === 'ENOTFOUND' || cause === 'EAI_AGAIN') return `cannot resolve the host of ${url} (${cause})`
  if (cause === 'TIMEOUT' || cause === 'ETIMEDOUT') return `no answer from ${host} in time: a firewall may drop the connection`
  if (cause !== undefined && UNTRUSTED.has(cause)) {
    return `the TLS certificate of ${host} is not trusted (${cause}): for a self-signed certificate or a private CA, set NODE_EXTRA_CA_CERTS=/path/to/ca.pem`
  }
  if (cause === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the TLS certificate is not valid for ${host} (${cause}): use the host name the certificate was issued for`
  if (cause === 'CERT_HAS_EXPIRED') return `the TLS certificate of ${host} has expired (${cause})`
  if (cause === 'ECONNRESET' && url.startsWith('wss:')) return `${host} dropped the TLS handshake (${cause}): is it serving TLS at all (ws:// instead of wss://)?`
  return `the call did not start: ${f.reason}${cause ? ` (${cause})` : ''}`
}
