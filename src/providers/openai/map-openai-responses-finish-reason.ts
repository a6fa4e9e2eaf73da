import { isRecord } from '../canonical.ts'

/**
 * A finished Response → canonical finish reason. Responses has no finish reason: `status` plus
 * `incomplete_details.reason` say why it stopped, and a function call in the output means the model wants a tool.
 */
export function mapOpenAiResponsesFinishReason(response: Record<string, unknown>, hasToolCalls: boolean): string {
  if (response.status === 'incomplete') {
    const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined
    if (reason === 'content_filter') return 'content_filter'
    return 'length'
  }
  return hasToolCalls ? 'tool_calls' : 'stop'
}

/** Canonical finish reason → Responses `status` and `incomplete_details`. */
export function mapFinishReasonToResponsesStatus(finishReason: string | null): { status: string; incompleteDetails: { reason: string } | null } {
  if (finishReason === 'length') return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } }
  if (finishReason === 'content_filter') return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } }
  return { status: 'completed', incompleteDetails: null }
}
