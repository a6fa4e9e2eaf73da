import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

/** Hunyuan's `Usage {PromptTokens, CompletionTokens, TotalTokens}` → the one Usage record (null when absent). */
export function convertTencentUsage(usage: unknown): Usage | null {
  if (!isRecord(usage) || (usage.PromptTokens === undefined && usage.CompletionTokens === undefined)) return null
  return {
    inputTokens: asNumber(usage.PromptTokens), cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
    outputTokens: asNumber(usage.CompletionTokens), reasoningTokens: 0,
  }
}

/** Hunyuan's FinishReason: `stop`, `tool_calls`, `length`, and `sensitive` when its moderation cut the answer. */
export function mapTencentFinishReason(reason: unknown): string | null {
  if (typeof reason !== 'string' || reason.length === 0) return null
  if (reason === 'sensitive') return 'content_filter'
  if (reason === 'tool_calls' || reason === 'length') return reason
  return 'stop'
}
