/** Bedrock Converse stopReason → canonical finish reason. */
export function mapBedrockFinishReason(stopReason: unknown): string | null {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length'
    case 'tool_use':
      return 'tool_calls'
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter'
    case undefined:
    case null:
      return null
    default:
      return 'stop'
  }
}
