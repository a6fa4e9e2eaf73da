import { asNumber, isRecord } from '../canonical.ts'
import { emptyUsage, type Usage } from '../types.ts'

/**
 * Dify's `metadata.usage` (`prompt_tokens`, `completion_tokens`, `total_tokens`, plus Dify's own prices, which the
 * gateway does not bill by) → the one Usage record. Null when absent or all zero (an app whose model reports no
 * usage): the relay then counts the prompt and the answer itself.
 */
export function convertDifyUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const input = asNumber(usage.prompt_tokens)
  const output = asNumber(usage.completion_tokens)
  if (input === 0 && output === 0) return null
  return { ...emptyUsage(), inputTokens: input, outputTokens: output }
}
