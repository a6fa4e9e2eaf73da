import { quotaFor, reservationFor } from '../../billing/pricing.ts'
import { GatewayError } from '../../errors.ts'
import { estimateTokens } from '../token-counter.ts'
import { providerForChannelType } from '../../providers/index.ts'
import { openAiAdaptor } from '../../providers/openai/openai-chat-adaptor.ts'
import { emptyUsage, type RerankCapability, type RerankRequest, type RerankResult } from '../../providers/types.ts'
import { parseJsonObject, type Endpoint, type RelayContext, type RelayRoute } from '../endpoint.ts'
import { parseUpstreamJson } from '../exchanges/openai-exchange.ts'
import { RerankRequestSchema, RerankResponseSchema, relayDoc } from '../schemas.ts'

const badRequest = (message: string) => new GatewayError(400, message, 'invalid_request')

/** Cohere bills a search unit per query over up to 100 documents. */
const searchUnitsFor = (documents: number) => Math.max(1, Math.ceil(documents / 100))

/** The request in the one shape every rerank capability reads; refuses what no upstream would take. */
function readRerank(body: Record<string, unknown>): RerankRequest {
  if (typeof body.query !== 'string' || body.query.length === 0) throw badRequest('"query" must be a non-empty string')
  const documents = body.documents
  if (!Array.isArray(documents) || documents.length === 0) throw badRequest('"documents" must be a non-empty array of strings or objects')
  if (!documents.every((document) => typeof document === 'string' || (document !== null && typeof document === 'object' && !Array.isArray(document)))) {
    throw badRequest('"documents" must hold strings or objects')
  }
  // Dify sends `top_n: null` when the user set none.
  const topN = body.top_n === null || body.top_n === undefined ? undefined : Number(body.top_n)
  if (topN !== undefined && (!Number.isInteger(topN) || topN < 1)) throw badRequest('"top_n" must be a positive integer')
  return {
    model: String(body.model ?? ''), query: body.query, documents: documents as RerankRequest['documents'],
    ...(topN !== undefined ? { top_n: topN } : {}),
    ...(typeof body.return_documents === 'boolean' ? { return_documents: body.return_documents } : {}),
  }
}

/** Ranked results with the documents when the client asked for them (Cohere v2 never returns them). */
function withDocuments(results: RerankResult[], rerank: RerankRequest): RerankResult[] {
  if (rerank.return_documents !== true) return results
  return results.map((result) => (result.document && Object.keys(result.document).length > 0 ? result : {
    ...result, document: typeof rerank.documents[result.index] === 'string' ? { text: rerank.documents[result.index] as string } : rerank.documents[result.index] as Record<string, unknown>,
  }))
}

const rerankOf = (context: RelayContext) => context.body as unknown as RerankRequest

/**
 * Reranking in the Jina/Cohere shape (`model`, `query`, `documents`, `top_n`, `return_documents`), answered with
 * `results[].index`, `relevance_score`, `document` and `usage` — what Dify's Jina and Cohere providers, LangChain and
 * the Cohere SDK read. Served by every provider with a rerank capability (Jina, Cohere, SiliconFlow, Xinference).
 */
export const rerankEndpoint: Endpoint = {
  name: 'rerank',
  format: 'openai-chat',
  serves: (provider) => provider.rerank !== undefined,
  async read(request) {
    const bodyText = await request.text()
    const rerank = readRerank(parseJsonObject(bodyText))
    return { body: rerank as unknown as Record<string, unknown>, bodyText, model: rerank.model.trim(), stream: false, clientWantsUsage: false }
  },
  completionReserve: () => 0,
  reserve(parsed, price, quotaPerUnit) {
    const rerank = parsed.body as unknown as RerankRequest
    if (price.kind === 'per-call') return quotaFor(price, emptyUsage(), quotaPerUnit) * searchUnitsFor(rerank.documents.length)
    return reservationFor(price, estimateTokens(parsed.bodyText.length), 0, quotaPerUnit)
  },
  prepare(context, channel, provider, keyIndex, kit) {
    const rerank = provider.rerank as RerankCapability
    const target = kit.requests.target(channel, keyIndex, provider, channel.modelMapping[context.model] ?? context.model, false)
    // The OpenAI adaptor only stands in for reading a failure; the capability's mapError reads it.
    return { request: kit.requests.capability(channel, rerank.request(rerankOf(context), target), target.key), target, adaptor: openAiAdaptor, mapError: rerank.mapError, mode: provider.id }
  },
  async respond(context, exchange, kit) {
    const { channel, call } = exchange
    const text = await exchange.response.text()
    const json = parseUpstreamJson(text, context, exchange, kit)
    if (json instanceof Response) return json
    const rerank = rerankOf(context)
    const { results, usage, searchUnits } = (providerForChannelType(channel.type)!.rerank as RerankCapability).parse(json)
    const outcome = { upstreamModel: call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt }
    // Search units (Cohere) bill per unit when the model has a per-call price; tokens otherwise, counted if unreported.
    const perUnit = searchUnits !== undefined && context.price.kind === 'per-call'
    const billedFor: Record<string, number> = searchUnits !== undefined ? { search_units: searchUnits, documents: rerank.documents.length } : { documents: rerank.documents.length }
    if (usage) kit.settle(context, channel, usage, { ...outcome, billedFor })
    else if (perUnit) kit.settle(context, channel, emptyUsage(), { ...outcome, billedFor, quota: quotaFor(context.price, emptyUsage(), kit.caches.options.quotaPerUnit) * searchUnits })
    else kit.settleLater(context, channel, kit.fallbackUsage(context, ''), () => ({ ...outcome, billedFor }))
    const promptTokens = usage?.inputTokens ?? 0
    return kit.json(context, JSON.stringify({
      id: typeof json.id === 'string' ? json.id : `rerank-${context.requestId}`, model: context.model, results: withDocuments(results, rerank),
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      ...(searchUnits !== undefined ? { meta: { billed_units: { search_units: searchUnits } } } : {}),
    }))
  },
  countPrompt: async (context, counter) => {
    const rerank = rerankOf(context)
    const texts = [rerank.query, ...rerank.documents.map((document) => (typeof document === 'string' ? document : JSON.stringify(document)))]
    return (await counter.countTextTokens(context.model, texts)).tokens
  },
}

export const rerankRoutes: RelayRoute[] = [
  // Dify's Jina provider posts to {base}/rerank with base https://api.jina.ai/v1: set it to the gateway's /v1.
  { path: '/v1/rerank', endpoint: rerankEndpoint, detail: relayDoc('Rerank documents against a query (Jina / Cohere shape)', RerankRequestSchema, RerankResponseSchema) },
]
