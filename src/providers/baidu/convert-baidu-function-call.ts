import { isRecord } from '../canonical.ts'
import type { CanonicalToolCall } from '../canonical.ts'

/**
 * ERNIE's function call → a canonical tool call. ERNIE gives calls no id; one is made from the answer's id, which
 * is all a client needs to pair the result it sends back (the request side maps it to the function's name).
 */
export function ernieToolCall(functionCall: unknown, answerId: string): CanonicalToolCall | null {
  if (!isRecord(functionCall) || typeof functionCall.name !== 'string') return null
  return { id: `call_${answerId}`, type: 'function', function: { name: functionCall.name, arguments: typeof functionCall.arguments === 'string' ? functionCall.arguments : '{}' } }
}
