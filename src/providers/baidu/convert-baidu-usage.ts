import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/** ERNIE's OpenAI-named `usage {prompt_tokens, completion_tokens, total_tokens}` → the one Usage record. */
export function convertBaiduUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  return {
    inputTokens: asNumber(usage.prompt_tokens), cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
    outputTokens: asNumber(usage.completion_tokens), reasoningTokens: 0,
  }
}

/** ERNIE's finish_reason: `normal` and `stop` end the answer, `length` is the token limit, `content_filter` its moderation. */
export function mapBaiduFinishReason(reason: unknown): string {
  if (reason === 'length' || reason === 'content_filter') return reason
  if (reason === 'function_call') return 'tool_calls'
  return 'stop'
}
