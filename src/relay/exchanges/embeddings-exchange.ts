import type { CachedChannel } from '../../cache/routing.ts'
import { GatewayError } from '../../errors.ts'
import { providerForChannelType } from '../../providers/index.ts'
import { openAiAdaptor } from '../../providers/openai/openai-chat-adaptor.ts'
import { servesOpenAiPath, type EmbeddingsCapability, type EmbeddingsRequest, type Provider, type Usage, type WireFormat } from '../../providers/types.ts'
import type { Endpoint, Exchange, ParsedRequest, PreparedCall, RelayContext, RelayKit, RouteInput } from '../endpoint.ts'
import { parseUpstreamJson, prepareOpenAi, respondOpenAi } from './openai-exchange.ts'

/**
 * Embeddings from any provider that has them: OpenAI-format ones through `/v1/embeddings` (an OpenAI client's body
 * passes untouched and the answer comes back as the upstream wrote it), the others (Gemini, Cohere) through their
 * own API, converted to the canonical OpenAI shape. A client of another format (Gemini's `embedContent`) reads the
 * vectors back in its own shape.
 */

const badRequest = (message: string) => new GatewayError(400, message, 'invalid_request')

/** OpenAI's `input` as a list of texts; token-id arrays only OpenAI-format channels can take (they pass natively). */
export function embeddingTexts(input: unknown): string[] | undefined {
  if (typeof input === 'string') return [input]
  if (Array.isArray(input) && input.length > 0 && input.every((entry) => typeof entry === 'string')) return input as string[]
  return undefined
}

/** A client's vectors in its own shape, with the usage it was billed for. */
export type EmbeddingsWriter = (vectors: number[][], usage: Usage, context: RelayContext) => Record<string, unknown>

/** OpenAI's shape; `base64` is the little-endian float32 bytes OpenAI sends for `encoding_format: "base64"`. */
const writeOpenAi: EmbeddingsWriter = (vectors, usage, context) => ({
  object: 'list',
  data: vectors.map((vector, index) => ({
    object: 'embedding', index,
    embedding: context.body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector,
  })),
  model: context.model,
  usage: { prompt_tokens: usage.inputTokens, total_tokens: usage.inputTokens },
})

function prepareEmbeddings(context: RelayContext, channel: CachedChannel, provider: Provider, keyIndex: number, kit: RelayKit): PreparedCall {
  if (servesOpenAiPath(provider, '/v1/embeddings')) return prepareOpenAi(context, channel, provider, keyIndex, '/v1/embeddings', kit)
  const capability = provider.embeddings as EmbeddingsCapability
  const input = embeddingTexts(context.body.input)
  if (!input) throw badRequest(`"input" as token ids is served only by OpenAI-format channels; channel ${channel.id} (${provider.id}) takes text`)
  const target = kit.requests.target(channel, keyIndex, provider, channel.modelMapping[context.model] ?? context.model, false)
  const request: EmbeddingsRequest = {
    model: target.model, input,
    ...(typeof context.body.dimensions === 'number' ? { dimensions: context.body.dimensions } : {}),
    ...(typeof context.body.input_type === 'string' ? { input_type: context.body.input_type } : {}),
  }
  // The OpenAI adaptor only stands in for the contract; the capability reads failures and answers.
  return { request: kit.requests.capability(channel, capability.request(request, target), target.key), target, adaptor: openAiAdaptor, mapError: capability.mapError, mode: provider.id }
}

async function respondEmbeddings(context: RelayContext, exchange: Exchange, kit: RelayKit, write: EmbeddingsWriter | undefined): Promise<Response> {
  const { channel, call } = exchange
  // An OpenAI client and an OpenAI-format channel: the upstream's own bytes.
  if (!write && call.mode === 'openai') return respondOpenAi(context, exchange, kit)
  const text = await exchange.response.text()
  const json = parseUpstreamJson(text, context, exchange, kit)
  if (json instanceof Response) return json
  let vectors: number[][]
  let usage: Usage | null
  if (call.mode === 'openai') {
    vectors = ((json.data as { embedding: number[] }[] | undefined) ?? []).map((entry) => entry.embedding)
    usage = call.adaptor.readUsage(json)
  } else {
    const parsed = (providerForChannelType(channel.type)!.embeddings as EmbeddingsCapability).parse(json)
    vectors = parsed.vectors
    usage = parsed.usage
  }
  // Reported or counted, the usage is in the answer, so it is known before answering.
  const billed = usage ?? await kit.fallbackUsage(context, '')
  kit.settle(context, channel, billed, { upstreamModel: call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt })
  return kit.json(context, JSON.stringify((write ?? writeOpenAi)(vectors, billed, context)))
}

/** The prompt of an embeddings request: its texts (token ids count as given). */
async function countEmbeddingsPrompt(context: RelayContext, counter: Parameters<Endpoint['countPrompt']>[1]): Promise<number> {
  const input = context.body.input
  if (Array.isArray(input) && input.length > 0 && typeof input[0] !== 'string') {
    return (input as unknown[]).reduce<number>((sum, entry) => sum + (Array.isArray(entry) ? entry.length : 1), 0)
  }
  return (await counter.countTextTokens(context.model, embeddingTexts(input) ?? [])).tokens
}

/**
 * An embeddings endpoint of one client format. `read` leaves the body in OpenAI's embeddings shape (model, input,
 * dimensions…); `write` answers in the client's shape (absent: OpenAI's, passed through from OpenAI channels).
 */
export function createEmbeddingsEndpoint(definition: {
  name: string
  format: WireFormat
  read(request: Request, route: RouteInput): Promise<ParsedRequest>
  write?: EmbeddingsWriter
}): Endpoint {
  return {
    name: definition.name,
    format: definition.format,
    serves: (provider) => servesOpenAiPath(provider, '/v1/embeddings') || provider.embeddings !== undefined,
    read: definition.read,
    completionReserve: () => 0,
    prepare: prepareEmbeddings,
    respond: (context, exchange, kit) => respondEmbeddings(context, exchange, kit, definition.write),
    countPrompt: countEmbeddingsPrompt,
  }
}
