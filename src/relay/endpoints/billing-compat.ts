import { Elysia } from 'elysia'
import type { Ledger } from '../../billing/ledger.ts'
import type { Caches } from '../../cache/index.ts'
import type { Relay } from '../relay.ts'
import { BillingSubscription, BillingUsage, relayDoc } from '../schemas.ts'
import type { ClientAddress, ServerLike } from '../../net/client-address.ts'

type RouteArguments = { request: Request; server: ServerLike; path: string }

/** The legacy OpenAI billing endpoints key-checking tools (neko-api-key-tool and friends) call with a key. */
export function billingCompatRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger; addressOf: ClientAddress }) {
  const { relay, caches, ledger, addressOf } = dependencies

  /** Limits and usage in the display unit (USD by default). */
  function billing(request: Request, path: string, server: ServerLike) {
    const caller = relay.authenticate(request, path, addressOf(request, server))
    const options = caches.options
    const toDisplay = (quota: number) => {
      if (options.quotaDisplayType === 'TOKENS') return quota
      const usd = quota / options.quotaPerUnit
      return options.quotaDisplayType === 'CNY' ? usd * options.usdExchangeRate : usd
    }
    const { token, user } = caller
    const tokenUsed = Number(token.usedQuota) + ledger.pendingForToken(token.id)
    if (options.displayTokenStat) {
      const limit = token.unlimitedQuota ? 100_000_000 : toDisplay(relay.tokenAvailable(token) + tokenUsed)
      return { limit, used: toDisplay(tokenUsed), accessUntil: token.expiredTime === -1 ? 0 : Number(token.expiredTime) }
    }
    const userUsed = Number(user.usedQuota) + ledger.pendingForUser(user.id)
    const userLeft = ledger.availableForUser(user.id, Number(user.quota))
    return { limit: toDisplay(userLeft + userUsed), used: toDisplay(userUsed), accessUntil: 0 }
  }
  const subscription = ({ request, server, path }: RouteArguments) => {
    const { limit, accessUntil } = billing(request, path, server)
    return { object: 'billing_subscription' as const, has_payment_method: true, soft_limit_usd: limit, hard_limit_usd: limit, system_hard_limit_usd: limit, access_until: accessUntil }
  }
  // Usage in cents, as OpenAI reported it.
  const usage = ({ request, server, path }: RouteArguments) => ({ object: 'list' as const, total_usage: billing(request, path, server).used * 100 })

  return new Elysia({ name: 'tollgate.relay.billing-compat' })
    .get('/v1/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (OpenAI legacy billing shape)', undefined, BillingSubscription) })
    .get('/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (without /v1)', undefined, BillingSubscription) })
    .get('/v1/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (OpenAI legacy billing shape)', undefined, BillingUsage) })
    .get('/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (without /v1)', undefined, BillingUsage) })
}
