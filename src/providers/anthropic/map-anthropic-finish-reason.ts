/** Anthropic stop_reason → canonical finish reason. */
export function mapAnthropicFinishReason(stopReason: unknown): string | null {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'refusal':
      return 'content_filter'
    case null:
    case undefined:
      return null
    default:
      return 'stop'
  }
}

/** Canonical finish reason → Anthropic stop_reason (for the Anthropic inbound format). */
export function mapFinishReasonToAnthropic(finishReason: string | null): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      return 'end_turn'
  }
}
