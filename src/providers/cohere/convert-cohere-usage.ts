import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/**
 * Cohere v2 usage → the one Usage record. Cohere reports raw `tokens` (including its own prompt scaffolding)
 * and `billed_units`, what it charges for; the gateway bills what the channel is billed, as new-api does.
 * `cached_tokens` counts raw tokens, not billed units, so it is not carried over (it could exceed the billed input).
 */
export function convertCohereUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const billed = isRecord(usage.billed_units) ? usage.billed_units : isRecord(usage.tokens) ? usage.tokens : null
  if (billed === null) return null
  return {
    inputTokens: asNumber(billed.input_tokens),
    cachedInputTokens: 0,
    cacheWriteInputTokens: 0,
    imageInputTokens: 0,
    audioInputTokens: 0,
    outputTokens: asNumber(billed.output_tokens),
    reasoningTokens: 0,
  }
}
