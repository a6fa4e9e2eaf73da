import { asNumber, isRecord } from '../canonical.ts'
import type { Usage } from '../types.ts'

function modalityCount(details: unknown, modality: string): number {
  let total = 0
  for (const entry of Array.isArray(details) ? details : []) {
    if (isRecord(entry) && entry.modality === modality) total += asNumber(entry.tokenCount)
  }
  return total
}

/**
 * Gemini usageMetadata → the one Usage record. `promptTokenCount` includes cached content; tool-use prompt
 * tokens (search results fed back) are prompt too. Thoughts are billed as output, so output = candidates +
 * thoughts. `candidatesTokenCount` is absent while only thoughts exist (gemma-4 recording): that counts as 0.
 */
export function convertGeminiUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  if (usage.promptTokenCount === undefined && usage.candidatesTokenCount === undefined && usage.totalTokenCount === undefined) return null
  const thoughts = asNumber(usage.thoughtsTokenCount)
  return {
    inputTokens: asNumber(usage.promptTokenCount) + asNumber(usage.toolUsePromptTokenCount),
    cachedInputTokens: asNumber(usage.cachedContentTokenCount),
    cacheWriteInputTokens: 0,
    imageInputTokens: modalityCount(usage.promptTokensDetails, 'IMAGE'),
    audioInputTokens: modalityCount(usage.promptTokensDetails, 'AUDIO'),
    outputTokens: asNumber(usage.candidatesTokenCount) + thoughts,
    reasoningTokens: thoughts,
  }
}

/** The one Usage record → Gemini usageMetadata (for the Gemini inbound format). */
export function toGeminiUsage(usage: Usage | null): Record<string, number> | undefined {
  if (usage === null) return undefined
  const metadata: Record<string, number> = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens - usage.reasoningTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  }
  if (usage.reasoningTokens > 0) metadata.thoughtsTokenCount = usage.reasoningTokens
  if (usage.cachedInputTokens > 0) metadata.cachedContentTokenCount = usage.cachedInputTokens
  return metadata
}
