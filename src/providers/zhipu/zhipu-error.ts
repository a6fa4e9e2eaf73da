import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { OkBodyFailure, UpstreamError } from '../types.ts'

/**
 * Zhipu v3 errors: `{code, msg, success: false}`, mostly with HTTP 200 (Zhipu's v3 error codes, https://open.bigmodel.cn/dev/api):
 * 1000-1004 authentication, 1110-1121 the account, 1200-1261 the call, 1300-1305 policy and rate limits.
 */

function classify(code: number): { status: number; type: string; code: string } {
  if (code >= 1000 && code <= 1004) return { status: 401, type: 'authentication_error', code: 'invalid_api_key' }
  if (code === 1113) return { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' } // account in arrears
  if (code >= 1110 && code <= 1121) return { status: 403, type: 'permission_error', code: 'account_unavailable' }
  if (code === 1211) return { status: 404, type: 'not_found_error', code: 'model_not_found' }
  if (code === 1220 || code === 1221 || code === 1222) return { status: 403, type: 'permission_error', code: 'permission_denied' }
  if (code === 1261) return { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' }
  if (code === 1301) return { status: 400, type: 'invalid_request_error', code: 'content_filter' } // unsafe or sensitive content
  if (code === 1304) return { status: 429, type: 'insufficient_quota', code: 'quota_exceeded' } // daily call limit
  if (code === 1302 || code === 1303 || code === 1305) return { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' }
  if (code >= 1200 && code < 1300) return { status: 400, type: 'invalid_request_error', code: 'invalid_request' }
  return { status: 502, type: 'upstream_error', code: 'upstream_error' }
}

/** The numeric failure code of a body, or null for an answer (`code: 200`, `success: true`). */
function failureCode(body: Record<string, unknown> | null): number | null {
  if (body === null || body.success === true) return null
  const code = typeof body.code === 'number' ? body.code : Number(body.code)
  return Number.isFinite(code) && code !== 200 && code !== 0 ? code : null
}

export function mapZhipuError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const code = failureCode(body)
  if (code === null) {
    // Errors from the platform in front of the API come in OpenAI's `{error: {code, message}}` shape.
    const nested = body !== null && typeof body.error === 'object' && body.error !== null ? body.error as Record<string, unknown> : null
    const nestedCode = nested === null ? null : failureCode({ code: nested.code })
    if (nestedCode !== null) return mapZhipuError(status, JSON.stringify({ code: nestedCode, msg: nested!.message }))
    return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  }
  const kind = classify(code)
  const message = `${typeof body!.msg === 'string' ? body!.msg : 'Zhipu error'} (code ${code})`
  return createUpstreamError(kind.status, message, kind.type, kind.code)
}

/** Whether an HTTP 200 body is a failure (a substring scan first: only a likely failure is parsed). */
export function zhipuOkBodyFailure(bodyText: string): OkBodyFailure | null {
  if (!bodyText.includes('"success":false') && !bodyText.includes('"success": false')) return null
  const code = failureCode(parseErrorBody(bodyText))
  return code === null ? null : { status: classify(code).status }
}
