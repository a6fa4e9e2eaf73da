/** Cohere v2 finish_reason → canonical. */
export function mapCohereFinishReason(reason: unknown): string | null {
  switch (reason) {
    case 'COMPLETE':
    case 'STOP_SEQUENCE':
      return 'stop'
    case 'MAX_TOKENS':
      return 'length'
    case 'TOOL_CALL':
      return 'tool_calls'
    case undefined:
    case null:
      return null
    default:
      // ERROR, TIMEOUT: the stream ended without a normal stop.
      return 'stop'
  }
}
