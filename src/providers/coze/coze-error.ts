import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * The HTTP status a Coze business code stands for. Coze refuses with HTTP 200 and `{code, msg}` (code 0 is
 * success), so the status the relay's retry policy reads is derived from the code's class in Coze's error-code
 * reference: 4100 an invalid token (401), 4101 a token without the permission (403), 4200 a bot or resource that
 * does not exist or is not published to the API (404), 4013 too many requests (429), other 4xxx the request
 * (400), 5xxx and beyond Coze itself (502).
 */
export function cozeStatus(code: number): number {
  if (code === 4100) return 401
  if (code === 4101) return 403
  if (code === 4200) return 404
  if (code === 4013) return 429
  if (code >= 4000 && code < 5000) return 400
  return 502
}

/** `{code, msg}` (also `last_error` of a failed chat) → UpstreamError; out-of-balance messages are quota errors. */
export function mapCozeError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const error = isRecord(body.last_error) ? body.last_error : body
  const message = typeof error.msg === 'string' && error.msg.length > 0 ? error.msg : typeof error.message === 'string' ? error.message : fallbackErrorMessage(status, bodyText)
  const code = error.code === undefined || error.code === null ? '' : String(error.code)
  if (/balance|quota/i.test(message) && !/rate/i.test(message)) return createUpstreamError(status, message, 'insufficient_quota', 'insufficient_quota')
  return createUpstreamError(status, message, typeForStatus(status), code)
}
