import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Google API error `{error:{code, message, status, details}}` → UpstreamError; `status` (RESOURCE_EXHAUSTED,
 * INVALID_ARGUMENT, ...) becomes the code. An invalid API key arrives as 400 INVALID_ARGUMENT with reason
 * API_KEY_INVALID: that is the channel's fault, not the request's, so it is retryable on another channel.
 * Streams may also answer with a JSON array holding the error object; both are read.
 */
export function mapGeminiError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const error = body !== null && isRecord(body.error) ? body.error : null
  if (error === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const code = typeof error.status === 'string' ? error.status : String(error.code ?? '')
  const message = typeof error.message === 'string' ? error.message : fallbackErrorMessage(status, bodyText)
  const mapped = createUpstreamError(status, message, typeForStatus(status), code)
  const reasons = (Array.isArray(error.details) ? error.details : []).map((detail) => (isRecord(detail) ? detail.reason : undefined))
  if (reasons.includes('API_KEY_INVALID') || /API key not valid/i.test(message)) {
    mapped.code = 'invalid_api_key'
    mapped.type = 'authentication_error'
    mapped.retryable = true
  }
  return mapped
}
