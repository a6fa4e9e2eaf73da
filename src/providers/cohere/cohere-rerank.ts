import { type RerankCapability, type RerankResult } from '../types.ts'
import { joinUrl } from '../url.ts'
import { mapCohereError } from './cohere-error.ts'

/** Cohere v2 takes documents as strings: Jina's `{text}` objects give their text, other records their JSON. */
const documentText = (document: string | Record<string, unknown>) =>
  typeof document === 'string' ? document : typeof document.text === 'string' ? document.text : JSON.stringify(document)

/**
 * Cohere's `POST /v2/rerank`. It returns no documents (v2 dropped `return_documents`); the endpoint adds them from
 * the request when the client asked. Cohere bills rerank in search units, not tokens.
 */
export const cohereRerank: RerankCapability = {
  request: (rerank, target) => ({
    method: 'POST', url: joinUrl(target.baseUrl, '/v2/rerank'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({ model: target.model, query: rerank.query, documents: rerank.documents.map(documentText), ...(rerank.top_n ? { top_n: rerank.top_n } : {}) }),
  }),
  parse(body) {
    const billed = (body.meta as { billed_units?: { search_units?: number } } | undefined)?.billed_units
    return { results: (body.results as RerankResult[] | undefined) ?? [], usage: null, searchUnits: billed?.search_units }
  },
  mapError: mapCohereError,
}
