import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/**
 * gpt-image usage (`input_tokens` = text + image input, `input_tokens_details.{text_tokens,image_tokens}`,
 * `output_tokens` = image output) → the one Usage record. dall-e answers carry none: null.
 */
export function convertOpenAiImageUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const details = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {}
  return {
    inputTokens: asNumber(usage.input_tokens),
    cachedInputTokens: asNumber(details.cached_tokens),
    cacheWriteInputTokens: 0,
    imageInputTokens: asNumber(details.image_tokens),
    audioInputTokens: 0,
    outputTokens: asNumber(usage.output_tokens),
    reasoningTokens: 0,
  }
}
