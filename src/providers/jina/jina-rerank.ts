import { mapOpenAiError } from '../openai/openai-error.ts'
import { emptyUsage, type RerankCapability, type RerankResult, type Usage } from '../types.ts'
import { joinUrl } from '../url.ts'

/** Tokens from whichever place a Jina-style answer reports them: Jina and Together `usage`, SiliconFlow `tokens`, Xinference `meta.tokens`. */
function readRerankUsage(body: Record<string, unknown>): Usage | null {
  const usage = body.usage as { total_tokens?: number; prompt_tokens?: number } | undefined
  const tokens = (body.tokens ?? (body.meta as { tokens?: unknown } | undefined)?.tokens) as { input_tokens?: number } | undefined
  const input = usage?.prompt_tokens || usage?.total_tokens || tokens?.input_tokens
  return typeof input === 'number' && input > 0 ? { ...emptyUsage(), inputTokens: input } : null
}

/**
 * Jina's `POST /v1/rerank`, which the clients send as is (Dify's Jina provider, LangChain): the request passes
 * untouched and the answer's `results` are already in the shape clients read. SiliconFlow, Xinference and Together
 * serve the same API.
 */
export const jinaRerank: RerankCapability = {
  request: (rerank, target) => ({
    method: 'POST', url: joinUrl(target.baseUrl, '/v1/rerank'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
    body: JSON.stringify({ ...rerank, model: target.model }),
  }),
  parse: (body) => ({ results: (body.results as RerankResult[] | undefined) ?? [], usage: readRerankUsage(body) }),
  mapError: mapOpenAiError,
}
