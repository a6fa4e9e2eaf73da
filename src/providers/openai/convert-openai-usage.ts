import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/**
 * OpenAI Chat usage (and the vendor variants that copy it) → the one Usage record.
 * - `prompt_tokens` already includes cached tokens; the cache hit count is `prompt_tokens_details.cached_tokens`,
 *   or DeepSeek's `prompt_cache_hit_tokens` when details are absent.
 * - `completion_tokens` includes reasoning tokens at OpenAI. Some vendors (xAI) report reasoning outside it; that is
 *   detected exactly when `total_tokens` equals prompt + completion + reasoning, and then reasoning is added back.
 * - `cached_creation_tokens` is new-api's name for cache writes in an OpenAI-shaped usage (we emit it too).
 */
export function convertOpenAiUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const promptDetails = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {}
  const completionDetails = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {}
  const inputTokens = asNumber(usage.prompt_tokens)
  const completionTokens = asNumber(usage.completion_tokens)
  const reasoningTokens = asNumber(completionDetails.reasoning_tokens)
  const totalTokens = asNumber(usage.total_tokens)
  const reasoningOutsideCompletion = reasoningTokens > 0 && totalTokens === inputTokens + completionTokens + reasoningTokens
  const cachedTokens = 'cached_tokens' in promptDetails
    ? asNumber(promptDetails.cached_tokens)
    : asNumber(usage.prompt_cache_hit_tokens)
  return {
    inputTokens,
    cachedInputTokens: cachedTokens,
    cacheWriteInputTokens: asNumber(promptDetails.cached_creation_tokens),
    imageInputTokens: asNumber(promptDetails.image_tokens),
    audioInputTokens: asNumber(promptDetails.audio_tokens),
    outputTokens: reasoningOutsideCompletion ? completionTokens + reasoningTokens : completionTokens,
    reasoningTokens,
  }
}
