import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Spark reports failures inside a frame: `header.code` non-zero with `header.message` (Spark API reference, error
 * codes). The status each stands for decides the retry class:
 * - 10013 / 10014 / 10019 (input or output refused by content review) → 400 `content_filter`, not retried;
 * - 10907 (prompt beyond the version's context) and 10160-10163 (malformed request) → 400, not retried;
 * - 11200 (the APPID lacks the service, or its licence ran out) → 401, another channel is tried and the key counts
 *   towards auto-disable; 11201-11203 (daily quota, QPS, concurrency) → 429, the key cools down; the daily quota is
 *   `quota_exceeded`, a quota error the relay does not retry (as for every provider), the other two are retried;
 * - anything else (server errors 10000-10012, 10110 busy…) → 500, retried elsewhere.
 * A refused handshake answers HTTP 401/403 with `{"message": …}` before any frame; the transport reports it as a
 * failed connection, so that shape only reaches this mapper through a proxy that relays it.
 */
export function xunfeiStatus(code: number): number {
  if (code === 0) return 200
  if (code === 10013 || code === 10014 || code === 10019 || code === 10907 || (code >= 10160 && code <= 10163)) return 400
  if (code === 11200) return 401
  if (code >= 11201 && code <= 11203) return 429
  return 500
}

export function mapXunfeiError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const header = body && isRecord(body.header) ? body.header : undefined
  if (!header) {
    const message = body && typeof body.message === 'string' ? body.message : fallbackErrorMessage(status, bodyText)
    return createUpstreamError(status, message, typeForStatus(status), '')
  }
  const code = Number(header.code)
  const message = `${typeof header.message === 'string' ? header.message : 'Spark error'} (code ${code}${typeof header.sid === 'string' ? `, sid ${header.sid}` : ''})`
  const mapped = xunfeiStatus(code)
  if (code === 10013 || code === 10014 || code === 10019) return { status: 400, message, type: 'invalid_request_error', code: 'content_filter', retryable: false }
  if (code === 10907) return { status: 400, message, type: 'invalid_request_error', code: 'context_length_exceeded', retryable: false }
  if (code === 11201) return { status: 429, message, type: 'rate_limit_error', code: 'quota_exceeded', retryable: false }
  return createUpstreamError(mapped, message, typeForStatus(mapped), String(code))
}
