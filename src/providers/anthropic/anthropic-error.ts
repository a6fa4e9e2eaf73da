import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/** Anthropic error types that are worth another channel even when the status alone would not say so. */
const retryableTypes = new Set(['overloaded_error', 'rate_limit_error', 'api_error'])

/**
 * `{type:"error", error:{type, message}, request_id}` → UpstreamError. Anthropic has no separate code field, so
 * the error type doubles as the code. 529 (overloaded) is retryable on another channel.
 */
export function mapAnthropicError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const error = body !== null && isRecord(body.error) ? body.error : null
  if (error === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const type = typeof error.type === 'string' ? error.type : typeForStatus(status)
  const message = typeof error.message === 'string' ? error.message : fallbackErrorMessage(status, bodyText)
  const mapped = createUpstreamError(status, message, type, type)
  if (retryableTypes.has(type) && status !== 400) mapped.retryable = true
  // A billing problem on this key ("credit balance is too low") is a quota error: the key cannot serve anyone.
  if (/credit balance is too low/i.test(message)) {
    mapped.code = 'insufficient_quota'
    mapped.retryable = false
  }
  return mapped
}

/** Status an in-stream Anthropic error type stands for. */
export function statusForAnthropicErrorType(type: string): number {
  switch (type) {
    case 'invalid_request_error': return 400
    case 'authentication_error': return 401
    case 'permission_error': return 403
    case 'not_found_error': return 404
    case 'request_too_large': return 413
    case 'rate_limit_error': return 429
    case 'overloaded_error': return 529
    default: return 500
  }
}
