import { mapOpenAiError } from '../openai/openai-error.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Cohere errors are `{id, message}` at the top level; the OpenAI mapper already reads a top-level message.
 * Cohere answers 429 for both rate limits and trial-key limits, and 402 when the account has no payment method.
 */
export function mapCohereError(status: number, bodyText: string): UpstreamError {
  const error = mapOpenAiError(status, bodyText)
  if (status === 402) {
    error.code = 'insufficient_quota'
    error.retryable = false
  }
  return error
}
