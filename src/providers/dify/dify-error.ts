import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Dify errors are `{code, message, status}` (HTTP answers and the stream's `error` event alike). Its codes name the
 * cause: `provider_quota_exceeded` is the app's model provider out of credit (a quota error, not retried on the same
 * terms), `file_too_large` / `unsupported_file_type` (413 / 415) refuse the request itself, the rest keep the class
 * of their status.
 */
export function mapDifyError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const message = typeof body.message === 'string' && body.message.length > 0 ? body.message : fallbackErrorMessage(status, bodyText)
  const code = typeof body.code === 'string' ? body.code : isRecord(body.error) ? String(body.error.code ?? '') : ''
  if (code === 'provider_quota_exceeded') return createUpstreamError(status, message, 'insufficient_quota', 'insufficient_quota')
  return createUpstreamError(status, message, typeForStatus(status), code)
}
