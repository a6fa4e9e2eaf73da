import type { EmbeddingsCapability } from '../types.ts'
import { joinUrl } from '../url.ts'
import { mapGeminiError } from './gemini-error.ts'

/** Gemini's task types (`RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`…) pass through; Cohere-style names are mapped. */
const taskTypes: Record<string, string> = { search_document: 'RETRIEVAL_DOCUMENT', search_query: 'RETRIEVAL_QUERY', classification: 'CLASSIFICATION', clustering: 'CLUSTERING' }

/**
 * Gemini's `POST /v1beta/models/{model}:batchEmbedContents`: one request per input, vectors back in input order.
 * The API reports no token usage, so the endpoint counts the input.
 */
export const geminiEmbeddings: EmbeddingsCapability = {
  request(embeddings, target) {
    const model = `models/${target.model}`
    const taskType = embeddings.input_type ? (taskTypes[embeddings.input_type] ?? embeddings.input_type.toUpperCase()) : undefined
    const requests = embeddings.input.map((text) => ({
      model, content: { parts: [{ text }] }, ...(taskType ? { taskType } : {}), ...(embeddings.dimensions ? { outputDimensionality: embeddings.dimensions } : {}),
    }))
    return {
      method: 'POST', url: joinUrl(target.baseUrl, `/v1beta/${model.split('/').map(encodeURIComponent).join('/')}:batchEmbedContents`),
      headers: { 'content-type': 'application/json', 'x-goog-api-key': target.key }, body: JSON.stringify({ requests }),
    }
  },
  parse: (body) => ({ vectors: ((body.embeddings as { values: number[] }[] | undefined) ?? []).map((embedding) => embedding.values), usage: null }),
  mapError: mapGeminiError,
}
