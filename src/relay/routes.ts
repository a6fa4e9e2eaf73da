import { Elysia } from 'elysia'
import { GatewayError } from '../errors.ts'
import type { Caches } from '../cache/index.ts'
import type { Ledger } from './ledger.ts'
import type { Relay } from './relay.ts'
import {
  BillingSubscription, BillingUsage, ChatCompletionRequest, ChatCompletionResponse, CompletionRequest, EmbeddingRequest,
  EmbeddingResponse, ModelList, ModelObject, ModerationRequest, relayDoc,
} from './schemas.ts'

type ServerLike = { requestIP(request: Request): { address: string } | null } | null
const addressOf = (request: Request, server: ServerLike) => server?.requestIP(request)?.address ?? ''

const created = Math.floor(Date.now() / 1000)
const modelObject = (id: string) => ({ id, object: 'model' as const, created, owned_by: 'tollgate' })

/** The OpenAI-compatible relay routes and the legacy billing endpoints key-checking tools call. */
export function relayRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger }) {
  const { relay, caches, ledger } = dependencies

  /** neko-api-key-tool and friends: limits and usage in the display unit (USD by default), usage in cents. */
  function billing(request: Request, server: ServerLike) {
    const caller = relay.authenticate(request, addressOf(request, server))
    const options = caches.options
    const toDisplay = (quota: number) => {
      if (options.quotaDisplayType === 'TOKENS') return quota
      const usd = quota / options.quotaPerUnit
      return options.quotaDisplayType === 'CNY' ? usd * options.usdExchangeRate : usd
    }
    const token = caller.token
    const user = caller.user
    const tokenUsed = Number(token.usedQuota) + ledger.pendingForToken(token.id)
    if (options.displayTokenStat) {
      const limit = token.unlimitedQuota ? 100_000_000 : toDisplay(relay.tokenAvailable(token) + tokenUsed)
      return { limit, used: toDisplay(tokenUsed), accessUntil: token.expiredTime === -1 ? 0 : Number(token.expiredTime) }
    }
    const userUsed = Number(user.usedQuota) + ledger.pendingForUser(user.id)
    const userLeft = ledger.availableForUser(user.id, Number(user.quota))
    return { limit: toDisplay(userLeft + userUsed), used: toDisplay(userUsed), accessUntil: 0 }
  }
  const subscription = ({ request, server }: { request: Request; server: ServerLike }) => {
    const { limit, accessUntil } = billing(request, server)
    return { object: 'billing_subscription' as const, has_payment_method: true, soft_limit_usd: limit, hard_limit_usd: limit, system_hard_limit_usd: limit, access_until: accessUntil }
  }
  const usage = ({ request, server }: { request: Request; server: ServerLike }) => ({ object: 'list' as const, total_usage: billing(request, server).used * 100 })

  return new Elysia({ name: 'tollgate.relay' })
    .post('/v1/chat/completions', ({ request, server }) => relay.serve(request, addressOf(request, server), 'chat', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Chat completion (OpenAI Chat Completions), streaming or not', ChatCompletionRequest, ChatCompletionResponse, { stream: true }),
    })
    .post('/v1/completions', ({ request, server }) => relay.serve(request, addressOf(request, server), 'completions', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Legacy text completion', CompletionRequest, ChatCompletionResponse, { stream: true }),
    })
    .post('/v1/embeddings', ({ request, server }) => relay.serve(request, addressOf(request, server), 'embeddings', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Embeddings', EmbeddingRequest, EmbeddingResponse),
    })
    .post('/v1/moderations', ({ request, server }) => relay.serve(request, addressOf(request, server), 'moderations', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Moderation', ModerationRequest, ChatCompletionResponse),
    })
    .get('/v1/models', ({ request, server }) => ({ object: 'list' as const, data: relay.handleModels(request, addressOf(request, server)).map(modelObject) }), {
      detail: relayDoc('Models this key may use', undefined, ModelList),
    })
    .get('/v1/models/:model', ({ request, server, params }) => {
      const model = decodeURIComponent(params.model)
      if (!relay.handleModels(request, addressOf(request, server)).includes(model)) {
        throw new GatewayError(404, `The model '${model}' does not exist or this key has no access to it`, 'model_not_found', 'invalid_request_error')
      }
      return modelObject(model)
    }, { detail: relayDoc('One model', undefined, ModelObject) })
    .get('/v1/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (OpenAI legacy billing shape)', undefined, BillingSubscription) })
    .get('/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (without /v1)', undefined, BillingSubscription) })
    .get('/v1/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (OpenAI legacy billing shape)', undefined, BillingUsage) })
    .get('/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (without /v1)', undefined, BillingUsage) })
}
