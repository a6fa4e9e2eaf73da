import type { Usage } from '../types.ts'

/** `usage` of a realtime `response.done` event (OpenAI's and Azure's realtime API reference). */
interface RealtimeUsage {
  input_tokens?: number
  output_tokens?: number
  input_token_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number; cached_tokens?: number; cached_tokens_details?: { text_tokens?: number; audio_tokens?: number; image_tokens?: number } }
  output_token_details?: { text_tokens?: number; audio_tokens?: number }
}

/** A realtime response's usage as the one Usage record; null when the event carries none. */
export function convertOpenAiRealtimeUsage(usage: RealtimeUsage | null | undefined): Usage | null {
  if (!usage || typeof usage !== 'object' || (usage.input_tokens === undefined && usage.output_tokens === undefined)) return null
  const input = usage.input_token_details ?? {}
  const output = usage.output_token_details ?? {}
  return {
    inputTokens: usage.input_tokens ?? 0,
    cachedInputTokens: input.cached_tokens ?? 0,
    cacheWriteInputTokens: 0,
    imageInputTokens: input.image_tokens ?? 0,
    audioInputTokens: input.audio_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    reasoningTokens: 0,
    audioOutputTokens: output.audio_tokens ?? 0,
    cachedAudioInputTokens: input.cached_tokens_details?.audio_tokens ?? 0,
  }
}
