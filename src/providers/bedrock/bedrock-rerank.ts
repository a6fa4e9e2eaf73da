import type { RerankCapability, RerankResult } from '../types.ts'
import { mapBedrockError } from './bedrock-error.ts'
import { signedBedrockPost } from './bedrock-request.ts'
import { parseBedrockKey } from './convert-to-bedrock-messages.ts'

/**
 * Bedrock's Rerank API (Agent Runtime, `POST /rerank`) for its rerank models (cohere.rerank-v3-5:0,
 * amazon.rerank-v1:0): the query and the documents as inline sources, the model by its foundation-model ARN.
 * Answers `results[{index, relevanceScore}]` and no usage, so the tokens are counted. A channel base URL replaces the
 * Agent Runtime host (it is not the bedrock-runtime one chat uses).
 */
export const bedrockRerank: RerankCapability = {
  request(rerank, target) {
    const region = parseBedrockKey(target.key).region
    const body = JSON.stringify({
      queries: [{ type: 'TEXT', textQuery: { text: rerank.query } }],
      sources: rerank.documents.map((document) => ({
        type: 'INLINE',
        inlineDocumentSource: typeof document === 'string' ? { type: 'TEXT', textDocument: { text: document } } : { type: 'JSON', jsonDocument: document },
      })),
      rerankingConfiguration: {
        type: 'BEDROCK_RERANKING_MODEL',
        bedrockRerankingConfiguration: {
          modelConfiguration: { modelArn: `arn:aws:bedrock:${region}::foundation-model/${target.model}` },
          numberOfResults: rerank.top_n ?? rerank.documents.length,
        },
      },
    })
    return { method: 'POST', ...signedBedrockPost(target, 'bedrock-agent-runtime', '/rerank', body), signed: true }
  },
  parse: (body) => ({
    results: ((body.results as { index: number; relevanceScore: number }[] | undefined) ?? []).map((result): RerankResult => ({ index: result.index, relevance_score: result.relevanceScore })),
    usage: null,
  }),
  mapError: mapBedrockError,
}
