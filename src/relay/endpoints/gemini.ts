import { conversationStart, withInstructions } from '../../channels/cache-affinity.ts'
import { GatewayError } from '../../errors.ts'
import { parseJsonObject, type RelayRoute, type RouteInput } from '../endpoint.ts'
import { createChatEndpoint, readCanonical } from '../exchanges/chat-exchange.ts'
import { createEmbeddingsEndpoint } from '../exchanges/embeddings-exchange.ts'
import { GeminiRequest, GeminiResponse, relayDoc } from '../schemas.ts'

/** `{model}:{method}` from the route's wildcard. */
export function geminiMethod(route: RouteInput): { model: string; method: string } {
  const target = decodeURIComponent(route.params?.['*'] ?? '')
  const separator = target.lastIndexOf(':')
  return separator <= 0 ? { model: '', method: target } : { model: target.slice(0, separator).trim(), method: target.slice(separator + 1) }
}

const unsupported = (method: string) =>
  new GatewayError(404, `Unsupported Gemini method "${method}": use :generateContent, :streamGenerateContent, :embedContent, :batchEmbedContents or :countTokens`, 'not_found', 'NOT_FOUND')

/** Gemini clients: `{model}:generateContent` or `{model}:streamGenerateContent`; model and stream come from the URL. */
export const geminiEndpoint = createChatEndpoint({
  name: 'gemini',
  format: 'gemini',
  async read(request, route) {
    const { model, method } = geminiMethod(route)
    if (!model || (method !== 'generateContent' && method !== 'streamGenerateContent')) throw unsupported(method)
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    body.stream = method === 'streamGenerateContent'
    return { body, bodyText, model, stream: body.stream === true, clientWantsUsage: false, canonical: readCanonical('gemini', body) }
  },
  conversationRoot: (body) => withInstructions(body.systemInstruction, conversationStart(body.contents)),
})

/** The text of a Gemini `content` (its text parts joined); embeddings take text only. */
function contentText(content: unknown, field: string): string {
  const parts = (content as { parts?: { text?: unknown }[] } | undefined)?.parts
  if (!Array.isArray(parts) || !parts.every((part) => typeof part.text === 'string')) throw new GatewayError(400, `${field} must have text parts`, 'invalid_request', 'INVALID_ARGUMENT')
  return parts.map((part) => part.text).join('')
}

/**
 * Gemini's `{model}:embedContent` (the @google/genai SDK's `embedContent`) and `:batchEmbedContents`, to any channel
 * with embeddings: read into OpenAI's embeddings shape, answered as `{embedding: {values}}` or `{embeddings: [{values}]}`.
 */
export const geminiEmbeddingsEndpoint = createEmbeddingsEndpoint({
  name: 'gemini-embeddings',
  format: 'gemini',
  async read(request, route) {
    const { model, method } = geminiMethod(route)
    const gemini = parseJsonObject(await request.text())
    const batch = method === 'batchEmbedContents'
    const entries = batch ? gemini.requests : [gemini]
    if (!Array.isArray(entries) || entries.length === 0) throw new GatewayError(400, '"requests" must be a non-empty array', 'invalid_request', 'INVALID_ARGUMENT')
    const first = entries[0] as Record<string, unknown>
    const body: Record<string, unknown> = {
      model, input: entries.map((entry, index) => contentText((entry as Record<string, unknown>).content, batch ? `requests[${index}].content` : '"content"')),
      ...(typeof first.outputDimensionality === 'number' ? { dimensions: first.outputDimensionality } : {}),
      ...(typeof first.taskType === 'string' ? { input_type: first.taskType } : {}),
    }
    return { body, bodyText: JSON.stringify(body), model, stream: false, clientWantsUsage: false }
  },
  // The method is the end of the request path (`…:batchEmbedContents`).
  write: (vectors, _usage, context) => (context.path.endsWith(':batchEmbedContents') ? { embeddings: vectors.map((values) => ({ values })) } : { embedding: { values: vectors[0] ?? [] } }),
})

const geminiActions = {
  generateContent: geminiEndpoint, streamGenerateContent: geminiEndpoint,
  embedContent: geminiEmbeddingsEndpoint, batchEmbedContents: geminiEmbeddingsEndpoint, countTokens: 'count-tokens',
} as const

export const geminiRoutes: RelayRoute[] = [
  {
    path: '/v1beta/models/*', endpoint: geminiEndpoint, actions: geminiActions,
    detail: relayDoc('Gemini generateContent / streamGenerateContent / embedContent / batchEmbedContents / countTokens (key in x-goog-api-key or ?key=; alt=sse)', GeminiRequest, GeminiResponse, { stream: true }),
  },
  // @google/genai 3.x posts to /v1/models/{model}:generateContent.
  { path: '/v1/models/*', endpoint: geminiEndpoint, actions: geminiActions, detail: relayDoc('Gemini methods under /v1 (as @google/genai sends them)', GeminiRequest, GeminiResponse, { stream: true }) },
]
