import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/** Responses API usage (`input_tokens` incl. cached, `output_tokens` incl. reasoning) → the one Usage record. */
export function convertOpenAiResponsesUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const inputDetails = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {}
  const outputDetails = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {}
  return {
    inputTokens: asNumber(usage.input_tokens),
    cachedInputTokens: asNumber(inputDetails.cached_tokens),
    cacheWriteInputTokens: 0,
    imageInputTokens: asNumber(inputDetails.image_tokens),
    audioInputTokens: asNumber(inputDetails.audio_tokens),
    outputTokens: asNumber(usage.output_tokens),
    reasoningTokens: asNumber(outputDetails.reasoning_tokens),
  }
}
