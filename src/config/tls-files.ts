/**
 * @module config/tls-files
 * Checks TLS_CERT_FILE / TLS_KEY_FILE before anything is started or created: each file exists, is readable, holds
 * the right kind of PEM block (a swap is named as such), parses, is not passphrase-protected, and the key belongs to
 * the certificate. {@link classifyPem} is pure; {@link checkTlsFiles} reads the files.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ConfigProblem } from './load'
import { fileErrorReason } from './file-errors'

export type PemKind = 'certificate' | 'private key' | 'encrypted private key' | 'other PEM' | 'not PEM'

/** What a file holds, judged by its first PEM block (`-----BEGIN …-----`). */
export function classifyPem(text: string): PemKind {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1]
  if (label === undefined) return 'not PEM'
  if (label === 'CERTIFICATE' || label === 'TRUSTED CERTIFICATE') return 'certificate'
  if (label === 'ENCRYPTED PRIVATE KEY' || (label.endsWith('PRIVATE KEY') && /Proc-Type: 4,ENCRYPTED/.test(text))) return 'encrypted private key'
  if (label.endsWith('PRIVATE KEY')) return 'private key'
  return 'other PEM'
}

type Read = { ok: true; text: string } | { ok: false; reason: string }

function read(path: string): Read {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') }
  } catch (err) {
    return { ok: false, reason: `cannot be read: ${fileErrorReason(err, path)}` }
  }
}

export function checkTlsFiles(certPath: string | undefined, keyPath: string | undefined): ConfigProblem[] {
  if (certPath === undefined || keyPath === undefined) return [] // the pair rule in loadConfig names the missing one
  const cert = read(certPath)
  const key = read(keyPath)
  const problems: ConfigProblem[] = []
  if (!cert.ok) problems.push({ variable: 'TLS_CERT_FILE', reason: cert.reason })
  if (!key.ok) problems.push({ variable: 'TLS_KEY_FILE', reason: key.reason })
  if (!cert.ok || !key.ok) return problems

  const certKind = classifyPem(cert.text)
  const keyKind = classifyPem(key.text)
  if (certKind !== 'certificate' && keyKind === 'certificate' && (certKind === 'private key' || certKind === 'encrypted private key')) {
    const swapped = 'TLS_CERT_FILE and TLS_KEY_FILE look swapped'
    return [
      { variable: 'TLS_CERT_FILE', reason: `holds a private key, not a certificate (${certPath}): ${swapped}` },
      { variable: 'TLS_KEY_FILE', reason: `holds a certificate, not a private key (${keyPath}): ${swapped}` },
    ]
  }
  if (certKind !== 'certificate') {
    problems.push({ variable: 'TLS_CERT_FILE', reason: `is not a PEM certificate: ${certPath} holds ${article(certKind)} (expected "-----BEGIN CERTIFICATE-----")` })
  }
  if (keyKind === 'encrypted private key') {
    problems.push({ variable: 'TLS_KEY_FILE', reason: `is passphrase-protected (${keyPath}); give an unencrypted key (openssl pkey -in key.pem -out plain.pem)` })
  } else if (keyKind !== 'private key') {
    problems.push({ variable: 'TLS_KEY_FILE', reason: `is not a PEM private key: ${keyPath} holds ${article(keyKind)} (expected "-----BEGIN … PRIVATE KEY-----")` })
  }
  if (problems.length > 0) return problems

  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert.text)
  } catch {
    return [{ variable: 'TLS_CERT_FILE', reason: `has a PEM certificate block that does not parse (${certPath})` }]
  }
  let pkey: ReturnType<typeof createPrivateKey>
  try {
    pkey = createPrivateKey(key.text)
  } catch {
    return [{ variable: 'TLS_KEY_FILE', reason: `has a PEM private key block that does not parse (${keyPath})` }]
  }
  if (!x509.checkPrivateKey(pkey)) {
    return [{ variable: 'TLS_KEY_FILE', reason: `does not belong to the certificate in TLS_CERT_FILE (${keyPath} vs ${certPath})` }]
  }
  return []
}

function article(kind: PemKind): string {
  return kind === 'not PEM' ? 'no PEM block' : kind === 'other PEM' ? 'another kind of PEM block' : `a ${kind}`
}
