/**
 * @module agents/declared/secrets
 * Every declared task signs its webhook with the secret in its `secret_env`: at boot each one must be set (and long
 * enough to be a secret), or the server does not start (exit 78 naming the variable and the task).
 */
import type { Business } from '../../config/business/business'

export type SecretProblem = { readonly variable: string; readonly reason: string }

const MIN_SECRET = 16

export function secretProblems(businesses: readonly Business[], env: Readonly<Record<string, string | undefined>>): SecretProblem[] {
  const out: SecretProblem[] = []
  const seen = new Set<string>()
  for (const b of businesses) {
    for (const t of b.tasks) {
      const name = t.submit.secretEnv
      if (seen.has(name)) continue
      const v = env[name]
      const used = `task ${t.id} (${b.source}) signs its webhook with it`
      if (v === undefined || v === '') out.push({ variable: name, reason: `is not set; ${used}` })
      else if (v.length < MIN_SECRET) out.push({ variable: name, reason: `must be at least ${MIN_SECRET} characters (it is ${v.length}); ${used}` })
      seen.add(name)
    }
  }
  return out
}

export function formatSecretProblems(problems: readonly SecretProblem[]): string {
  return `fastagent: invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.variable} ${p.reason}`).join('\n')}`
}
