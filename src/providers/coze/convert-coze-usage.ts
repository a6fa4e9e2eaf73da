import { asNumber, isRecord } from '../canonical.ts'
import { emptyUsage, type Usage } from '../types.ts'

/** Coze's chat `usage` (`token_count`, `input_count`, `output_count`) → the one Usage record; null when absent or all zero. */
export function convertCozeUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  const input = asNumber(usage.input_count)
  const output = asNumber(usage.output_count)
  if (input === 0 && output === 0) return null
  return { ...emptyUsage(), inputTokens: input, outputTokens: output }
}
