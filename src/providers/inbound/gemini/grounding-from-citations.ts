import { isRecord } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'

/**
 * The web sources an OpenAI-shaped answer carries at its top level — Perplexity's `search_results` (`{title, url}`)
 * and `citations` (URLs, also xAI's live search) — as Gemini's `groundingMetadata.groundingChunks` (`{web: {uri,
 * title}}`), where a Gemini client reads the sources of a grounded answer. The answer's `[1]`-style markers keep
 * pointing at the same order. undefined when the answer names none.
 */
export function groundingFromCitations(answer: Record<string, unknown>): JsonObject | undefined {
  const results = Array.isArray(answer.search_results) ? answer.search_results.filter((result) => isRecord(result) && typeof result.url === 'string') : []
  if (results.length > 0) {
    return { groundingChunks: results.map((result) => ({ web: typeof result.title === 'string' ? { uri: result.url, title: result.title } : { uri: result.url } })) }
  }
  const citations = Array.isArray(answer.citations) ? answer.citations.filter((citation): citation is string => typeof citation === 'string') : []
  return citations.length > 0 ? { groundingChunks: citations.map((uri) => ({ web: { uri } })) } : undefined
}
