import { Elysia } from 'elysia'
import { GatewayError } from '../errors.ts'
import type { Caches } from '../cache/index.ts'
import type { Ledger } from '../billing/ledger.ts'
import type { Relay } from './relay.ts'
import {
  AnthropicMessage, AnthropicMessagesRequest, BillingSubscription, BillingUsage, ChatCompletionRequest, GeminiModelList, GeminiRequest, GeminiResponse,
  ResponsesRequest, ResponsesResponse, ChatCompletionResponse, CompletionRequest, EmbeddingRequest,
  EmbeddingResponse, ModelList, ModelObject, ModerationRequest, relayDoc,
} from './schemas.ts'

type ServerLike = { requestIP(request: Request): { address: string } | null } | null
const addressOf = (request: Request, server: ServerLike) => server?.requestIP(request)?.address ?? ''

const created = Math.floor(Date.now() / 1000)
const modelObject = (id: string) => ({ id, object: 'model' as const, created, owned_by: 'tollgate' })
const geminiModels = (models: string[]) => ({
  models: models.map((id) => ({ name: `models/${id}`, baseModelId: id, displayName: id, supportedGenerationMethods: ['generateContent', 'streamGenerateContent'] })),
})

/** The OpenAI-compatible relay routes and the legacy billing endpoints key-checking tools call. */
export function relayRoutes(dependencies: { relay: Relay; caches: Caches; ledger: Ledger }) {
  const { relay, caches, ledger } = dependencies

  /** neko-api-key-tool and friends: limits and usage in the display unit (USD by default), usage in cents. */
  function billing(request: Request, path: string, server: ServerLike) {
    const caller = relay.authenticate(request, path, addressOf(request, server))
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
  const subscription = ({ request, server, path }: { request: Request; server: ServerLike; path: string }) => {
    const { limit, accessUntil } = billing(request, path, server)
    return { object: 'billing_subscription' as const, has_payment_method: true, soft_limit_usd: limit, hard_limit_usd: limit, system_hard_limit_usd: limit, access_until: accessUntil }
  }
  const usage = ({ request, server, path }: { request: Request; server: ServerLike; path: string }) => ({ object: 'list' as const, total_usage: billing(request, path, server).used * 100 })

  /** `{model}:generateContent` or `{model}:streamGenerateContent`; the model and the stream flag come from the URL. */
  function gemini(request: Request, path: string, server: ServerLike, target: string) {
    const separator = decodeURIComponent(target).lastIndexOf(':')
    const model = decodeURIComponent(target).slice(0, separator)
    const action = decodeURIComponent(target).slice(separator + 1)
    if (separator <= 0 || (action !== 'generateContent' && action !== 'streamGenerateContent')) {
      throw new GatewayError(404, `Unsupported Gemini method "${action || target}": use :generateContent or :streamGenerateContent`, 'not_found', 'NOT_FOUND')
    }
    return relay.serve(request, path, addressOf(request, server), 'chat', 'gemini', { modelOverride: model, streamOverride: action === 'streamGenerateContent' })
  }

  /** Clients ask for models in their own dialect: Claude SDKs send x-api-key + anthropic-version, Gemini a Google key. */
  function modelList(request: Request, path: string, server: ServerLike) {
    const models = relay.handleModels(request, path, addressOf(request, server))
    const headers = request.headers
    if (headers.get('anthropic-version') || (headers.get('x-api-key') && !headers.get('authorization'))) {
      const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: new Date(created * 1000).toISOString() }))
      return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }
    }
    if (headers.get('x-goog-api-key') || new URL(request.url).searchParams.has('key')) return geminiModels(models)
    return { object: 'list' as const, data: models.map(modelObject) }
  }

  return new Elysia({ name: 'tollgate.relay' })
    .post('/v1/chat/completions', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'chat', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Chat completion (OpenAI Chat Completions), streaming or not', ChatCompletionRequest, ChatCompletionResponse, { stream: true }),
    })
    .post('/v1/completions', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'completions', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Legacy text completion', CompletionRequest, ChatCompletionResponse, { stream: true }),
    })
    .post('/v1/embeddings', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'embeddings', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Embeddings', EmbeddingRequest, EmbeddingResponse),
    })
    .post('/v1/moderations', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'moderations', 'openai-chat'), {
      parse: 'none', detail: relayDoc('Moderation', ModerationRequest, ChatCompletionResponse),
    })
    .post('/v1/messages', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'chat', 'anthropic'), {
      parse: 'none', detail: relayDoc('Anthropic Messages (key in x-api-key), streaming or not, to any channel', AnthropicMessagesRequest, AnthropicMessage, { stream: true }),
    })
    .post('/v1/responses', ({ request, server, path }) => relay.serve(request, path, addressOf(request, server), 'chat', 'openai-responses'), {
      parse: 'none', detail: relayDoc('OpenAI Responses, streaming or not, to any channel', ResponsesRequest, ResponsesResponse, { stream: true }),
    })
    .post('/v1beta/models/*', ({ request, server, params, path }) => gemini(request, path, server, params['*']), {
      parse: 'none', detail: relayDoc('Gemini generateContent / streamGenerateContent (key in x-goog-api-key or ?key=; alt=sse)', GeminiRequest, GeminiResponse, { stream: true }),
    })
    // @google/genai 3.x posts to /v1/models/{model}:generateContent.
    .post('/v1/models/*', ({ request, server, params, path }) => gemini(request, path, server, params['*']), {
      parse: 'none', detail: relayDoc('Gemini generateContent under /v1 (as @google/genai sends it)', GeminiRequest, GeminiResponse, { stream: true }),
    })
    .get('/v1/models', ({ request, server, path }) => modelList(request, path, server), {
      detail: relayDoc('Models this key may use (Anthropic or Gemini shape when asked that way)', undefined, ModelList),
    })
    .get('/v1beta/models', ({ request, server, path }) => geminiModels(relay.handleModels(request, path, addressOf(request, server))), {
      detail: relayDoc('Models this key may use, Gemini shape', undefined, GeminiModelList),
    })
    .get('/v1/models/:model', ({ request, server, params, path }) => {
      const model = decodeURIComponent(params.model)
      if (!relay.handleModels(request, path, addressOf(request, server)).includes(model)) {
        throw new GatewayError(404, `The model '${model}' does not exist or this key has no access to it`, 'model_not_found', 'invalid_request_error')
      }
      return modelObject(model)
    }, { detail: relayDoc('One model', undefined, ModelObject) })
    .get('/v1/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (OpenAI legacy billing shape)', undefined, BillingSubscription) })
    .get('/dashboard/billing/subscription', subscription, { detail: relayDoc('Key balance (without /v1)', undefined, BillingSubscription) })
    .get('/v1/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (OpenAI legacy billing shape)', undefined, BillingUsage) })
    .get('/dashboard/billing/usage', usage, { detail: relayDoc('Key usage in cents (without /v1)', undefined, BillingUsage) })
}
