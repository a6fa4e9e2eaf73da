import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * `{error: {message, type, param, code}}` (OpenAI and most compatible vendors) → UpstreamError.
 * Vendors vary: `error` may be a string, `code` a number, or the fields may sit at the top level.
 */
export function mapOpenAiError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const error = isRecord(body.error) ? body.error : body
  const message = typeof error.message === 'string'
    ? error.message
    : typeof body.error === 'string'
      ? body.error
      : typeof body.detail === 'string' ? body.detail : fallbackErrorMessage(status, bodyText)
  const type = typeof error.type === 'string' && error.type.length > 0 ? error.type : typeForStatus(status)
  const code = error.code === undefined || error.code === null ? '' : String(error.code)
  return createUpstreamError(status, message, type, code)
}
