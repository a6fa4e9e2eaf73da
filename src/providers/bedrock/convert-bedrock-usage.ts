import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/**
 * Bedrock Converse usage → the one Usage record. Like Anthropic's, Converse `inputTokens` excludes prompt-cache
 * reads and writes, so the prompt is input + cache read + cache write. Older responses spell the cache fields
 * `...Count`; either is read.
 */
export function convertBedrockUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const cacheRead = asNumber(usage.cacheReadInputTokens ?? usage.cacheReadInputTokenCount)
  const cacheWrite = asNumber(usage.cacheWriteInputTokens ?? usage.cacheWriteInputTokenCount)
  return {
    inputTokens: asNumber(usage.inputTokens) + cacheRead + cacheWrite,
    cachedInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    imageInputTokens: 0,
    audioInputTokens: 0,
    outputTokens: asNumber(usage.outputTokens),
    reasoningTokens: 0,
  }
}
