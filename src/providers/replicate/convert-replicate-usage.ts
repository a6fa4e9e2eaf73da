import { isRecord } from '../canonical.ts'
import { emptyUsage, type Usage } from '../types.ts'

/** A prediction's `metrics` → Usage: language models report `input_token_count` and `output_token_count`; null without them (image models). */
export function convertReplicateUsage(metrics: unknown): Usage | null {
  if (!isRecord(metrics) || (typeof metrics.input_token_count !== 'number' && typeof metrics.output_token_count !== 'number')) return null
  return { ...emptyUsage(), inputTokens: Number(metrics.input_token_count ?? 0), outputTokens: Number(metrics.output_token_count ?? 0) }
}
