import { GatewayError } from '../../errors.ts'
import type { RelayRoute } from '../endpoint.ts'
import { createOpenAiEndpoint } from '../exchanges/openai-exchange.ts'
import { EmbeddingRequest, EmbeddingResponse, relayDoc } from '../schemas.ts'

/** Embeddings on OpenAI-format channels; nothing to complete, so only the input is reserved for. */
export const embeddingsEndpoint = createOpenAiEndpoint({
  name: 'embeddings',
  path: '/v1/embeddings',
  completes: false,
  validate(body) {
    if (body.input === undefined) throw new GatewayError(400, '"input" is required', 'invalid_request')
  },
})

export const embeddingsRoutes: RelayRoute[] = [
  { path: '/v1/embeddings', endpoint: embeddingsEndpoint, detail: relayDoc('Embeddings', EmbeddingRequest, EmbeddingResponse) },
]
