import type { UpstreamError } from './types.ts'

/**
 * A request (or a response being converted) that cannot be expressed in the target format: a body valid in no
 * format, a tool schema the target cannot express, an image type the target refuses, a parameter with no
 * equivalent. The relay answers it as a 4xx in the caller's format; `code` names the problem for scripts and
 * `message` names it for people. Conversion never drops content silently: it throws this instead.
 */
export class ConversionError extends Error {
  readonly status: number = 400
  readonly type = 'invalid_request_error'
  readonly code: string
  /** Dotted path of the offending field when known, e.g. `messages[2].content[1]`. */
  readonly param: string | null

  constructor(code: string, message: string, param: string | null = null) {
    super(message)
    this.name = 'ConversionError'
    this.code = code
    this.param = param
  }
}

/**
 * An error reported by the upstream inside a stream that had already started (Anthropic `error` event,
 * Responses `error` / `response.failed`, an OpenAI chunk carrying `error`). Parsers throw it from `push`;
 * `createStreamConversion` turns it into the inbound format's error event and exposes it via `upstreamError()`.
 */
export class UpstreamStreamError extends Error {
  readonly upstream: UpstreamError

  constructor(upstream: UpstreamError) {
    super(upstream.message)
    this.name = 'UpstreamStreamError'
    this.upstream = upstream
  }
}

/**
 * new-api's default `AutomaticRetryStatusCodes` (100-199, 300-399, 401-407, 409-499, 500-503, 505-523, 525-599):
 * 400, 408, 504 and 524 are never retried, because the same request would fail or time out again elsewhere.
 * The relay applies the channel's status_code_mapping and the configured option on top of this.
 */
export function isRetryableStatus(status: number): boolean {
  if (status >= 200 && status < 300) return false
  if (status === 400 || status === 408 || status === 504 || status === 524) return false
  return true
}

/** Error codes that mean the account or key behind the channel is out of money: another try of the same key cannot help. */
const quotaCodes = new Set([
  'insufficient_quota',
  'billing_hard_limit_reached',
  'billing_not_active',
  'account_deactivated',
  'insufficient_balance',
  'quota_exceeded',
])

export function isQuotaCode(code: string, type: string): boolean {
  return quotaCodes.has(code) || quotaCodes.has(type)
}

/** Builds an UpstreamError with the default retry class from status, code and type. */
export function createUpstreamError(status: number, message: string, type: string, code: string): UpstreamError {
  let retryable = isRetryableStatus(status)
  if (isQuotaCode(code, type)) retryable = false
  // 413 and 422 say the request itself is unacceptable; another channel of the same provider would refuse it too.
  if (status === 413 || status === 422) retryable = false
  return { status, message, type, code, retryable }
}

/** Parses an error body that may not be JSON (HTML from a proxy, plain text). */
export function parseErrorBody(bodyText: string): Record<string, unknown> | null {
  if (bodyText.length === 0) return null
  try {
    const parsed: unknown = JSON.parse(bodyText)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>
    if (Array.isArray(parsed) && parsed.length > 0 && typeof parsed[0] === 'object') return parsed[0] as Record<string, unknown>
    return null
  } catch {
    return null
  }
}

/** Message for an unparseable body: the status line plus a bounded excerpt, so logs stay readable. */
export function fallbackErrorMessage(status: number, bodyText: string): string {
  const excerpt = bodyText.trim().slice(0, 300)
  return excerpt.length > 0 ? `upstream returned HTTP ${status}: ${excerpt}` : `upstream returned HTTP ${status} with an empty body`
}

/** Status-derived type when the provider gave none, matching the OpenAI error type vocabulary. */
export function typeForStatus(status: number): string {
  if (status === 401) return 'authentication_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 429) return 'rate_limit_error'
  if (status >= 500) return 'upstream_error'
  return 'invalid_request_error'
}
