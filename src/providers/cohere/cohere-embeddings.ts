import { emptyUsage, type EmbeddingsCapability } from '../types.ts'
import { joinUrl } from '../url.ts'
import { mapCohereError } from './cohere-error.ts'

/**
 * Cohere's `POST /v2/embed`. v3 and later models require `input_type`; an OpenAI client sends none, so documents
 * are assumed (`search_document`), as most embeddings feed an index. Billed by `meta.billed_units.input_tokens`.
 */
export const cohereEmbeddings: EmbeddingsCapability = {
  request: (embeddings, target) => ({
    method: 'POST', url: joinUrl(target.baseUrl, '/v2/embed'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({
      model: target.model, texts: embeddings.input, input_type: embeddings.input_type ?? 'search_document', embedding_types: ['float'],
      ...(embeddings.dimensions ? { output_dimension: embeddings.dimensions } : {}),
    }),
  }),
  parse(body) {
    const vectors = ((body.embeddings as { float?: number[][] } | undefined)?.float) ?? []
    const tokens = (body.meta as { billed_units?: { input_tokens?: number } } | undefined)?.billed_units?.input_tokens
    return { vectors, usage: typeof tokens === 'number' ? { ...emptyUsage(), inputTokens: tokens } : null }
  },
  mapError: mapCohereError,
}
