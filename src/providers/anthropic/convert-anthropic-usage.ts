import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/**
 * Anthropic usage → the one Usage record. Anthropic's `input_tokens` excludes the cache: the prompt is
 * input + cache read + cache write, and the two cache counts are billed with their own ratios.
 * Anthropic reports no separate thinking-token count; thinking is inside `output_tokens`.
 */
export function convertAnthropicUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const uncached = asNumber(usage.input_tokens)
  const cacheRead = asNumber(usage.cache_read_input_tokens)
  const cacheWrite = asNumber(usage.cache_creation_input_tokens)
  return {
    inputTokens: uncached + cacheRead + cacheWrite,
    cachedInputTokens: cacheRead,
    cacheWriteInputTokens: cacheWrite,
    imageInputTokens: 0,
    audioInputTokens: 0,
    outputTokens: asNumber(usage.output_tokens),
    reasoningTokens: 0,
  }
}

/**
 * Stream usage: `message_start` carries the prompt counts, `message_delta` the cumulative final counts (newer
 * API versions repeat the prompt counts there too). Fields present in the later object win.
 */
export function mergeAnthropicUsage(start: Record<string, unknown> | null, delta: Record<string, unknown> | null): Usage | null {
  if (start === null && delta === null) return null
  const merged: Record<string, unknown> = { ...(start ?? {}) }
  for (const [key, value] of Object.entries(delta ?? {})) {
    if (value !== null && value !== undefined) merged[key] = value
  }
  return convertAnthropicUsage(merged)
}

/** The one Usage record → Anthropic's usage object (for the Anthropic inbound format). */
export function toAnthropicUsage(usage: Usage | null): Record<string, number> {
  if (usage === null) return { input_tokens: 0, output_tokens: 0 }
  return {
    input_tokens: Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteInputTokens),
    cache_creation_input_tokens: usage.cacheWriteInputTokens,
    cache_read_input_tokens: usage.cachedInputTokens,
    output_tokens: usage.outputTokens,
  }
}
