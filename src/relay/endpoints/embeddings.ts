import { GatewayError } from '../../errors.ts'
import { openAiRequest, parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createEmbeddingsEndpoint } from '../exchanges/embeddings-exchange.ts'
import { EmbeddingRequest, EmbeddingResponse, relayDoc } from '../schemas.ts'

/**
 * OpenAI embeddings, to every provider that has them: OpenAI-format channels natively, Gemini and Cohere through
 * their own APIs. Nothing to complete, so only the input is reserved for.
 */
export const embeddingsEndpoint = createEmbeddingsEndpoint({
  name: 'embeddings',
  format: 'openai-chat',
  async read(request) {
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    if (body.input === undefined) throw new GatewayError(400, '"input" is required', 'invalid_request')
    return openAiRequest(body, bodyText)
  },
})

export const embeddingsRoutes: RelayRoute[] = [
  { path: '/v1/embeddings', endpoint: embeddingsEndpoint, detail: relayDoc('Embeddings (OpenAI shape) from any channel with embeddings', EmbeddingRequest, EmbeddingResponse) },
]
