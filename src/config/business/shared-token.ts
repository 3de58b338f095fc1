/**
 * @module config/business/shared-token
 * Whether the process can run without `AUDIOCODES_BOT_TOKEN`: a business without a bot token of its own is opened by
 * the shared token only, so while one exists the shared token is required (at boot: exit 78; on reload: the new
 * version is refused). When every business has its own, nothing needs the shared one.
 */
import type { Business } from './business'
import type { ConfigProblem } from '../load'

export function sharedTokenProblem(businesses: readonly Pick<Business, 'id' | 'source' | 'tenant'>[], sharedToken: string | undefined): ConfigProblem | undefined {
  if (sharedToken !== undefined) return undefined
  const without = businesses.filter((b) => b.tenant.botToken === undefined)
  if (without.length === 0) return undefined
  const named = without.slice(0, 5).map((b) => `${b.id} (${b.source})`).join(', ') + (without.length > 5 ? `, and ${without.length - 5} more` : '')
  return {
    variable: 'AUDIOCODES_BOT_TOKEN',
    reason: `is required but not set: ${without.length === 1 ? 'a business has' : `${without.length} businesses have`} no bot token of its own (tenant: bot_token or bot_token_env): ${named}`,
  }
}
