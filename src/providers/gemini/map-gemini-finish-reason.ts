/**
 * Gemini finishReason → canonical. Gemini says STOP after a function call too, so the caller passes whether
 * the candidate called a function.
 */
export function mapGeminiFinishReason(reason: unknown, hasToolCalls: boolean): string | null {
  switch (reason) {
    case undefined:
    case null:
    case 'FINISH_REASON_UNSPECIFIED':
      return null
    case 'STOP':
      return hasToolCalls ? 'tool_calls' : 'stop'
    case 'MAX_TOKENS':
      return 'length'
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
    case 'IMAGE_PROHIBITED_CONTENT':
    case 'IMAGE_RECITATION':
      return 'content_filter'
    default:
      // MALFORMED_FUNCTION_CALL, LANGUAGE, OTHER, ...: the model stopped without a usable tool call.
      return hasToolCalls ? 'tool_calls' : 'stop'
  }
}

/** Canonical finish reason → Gemini finishReason (for the Gemini inbound format). */
export function mapFinishReasonToGemini(finishReason: string | null): string {
  switch (finishReason) {
    case 'length':
      return 'MAX_TOKENS'
    case 'content_filter':
      return 'SAFETY'
    default:
      return 'STOP'
  }
}
