/**
 * Vendor finish reasons → the canonical set (stop, length, tool_calls, content_filter).
 * OpenAI's own values pass unchanged; the rest are spellings seen from OpenAI-compatible vendors.
 */
export function mapOpenAiFinishReason(reason: unknown): string | null {
  if (typeof reason !== 'string' || reason.length === 0) return null
  switch (reason) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason
    case 'function_call':
      return 'tool_calls'
    case 'model_length':
    case 'max_tokens':
      return 'length'
    case 'eos':
    case 'end_turn':
    case 'stop_sequence':
      return 'stop'
    case 'tool_use':
      return 'tool_calls'
    case 'sensitive':
    case 'safety':
      return 'content_filter'
    default:
      return reason
  }
}
