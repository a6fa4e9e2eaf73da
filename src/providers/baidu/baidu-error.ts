import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { OkBodyFailure, UpstreamError } from '../types.ts'

/**
 * ERNIE (Qianfan v1) errors: HTTP 200 with `{error_code, error_msg}`
 * (https://cloud.baidu.com/doc/WENXINWORKSHOP/s/tlmyncueh). The code decides the OpenAI-shaped error and whether
 * another channel may help.
 */

interface ErnieErrorClass {
  status: number
  type: string
  code: string
  /** The access token was refused: renew it and send once more. */
  renewAuth?: boolean
}

function classify(errorCode: number): ErnieErrorClass {
  switch (errorCode) {
    case 110: // Access token invalid or no longer valid
    case 111: // Access token expired
      return { status: 401, type: 'authentication_error', code: 'invalid_api_key', renewAuth: true }
    case 100: // Invalid parameter (no or a malformed access_token)
    case 13: // Get service token failed
    case 14: // IAM certification failed
    case 15: // App not exists or create failed
      return { status: 401, type: 'authentication_error', code: 'invalid_api_key' }
    case 6: // No permission to access data (the service is not enabled for this application)
    case 336004: // no permission for the model
      return { status: 403, type: 'permission_error', code: 'permission_denied' }
    case 17: // Open api daily request limit reached
    case 19: // Open api total request limit reached
    case 336501: // exceeded the free quota / balance
      return { status: 429, type: 'insufficient_quota', code: 'insufficient_quota' }
    case 4: // Open api request limit reached (cluster capacity)
    case 18: // Open api qps request limit reached
    case 336502: // rpm limit
    case 336503: // tpm limit
      return { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' }
    case 336007: // the input is longer than the model allows
    case 336103: // the prompt is longer than the model's context
      return { status: 400, type: 'invalid_request_error', code: 'context_length_exceeded' }
    case 336100: // internal error, try again later
    case 336000: // internal service error
    case 1: // Unknown error
    case 2: // Service temporarily unavailable
      return { status: 503, type: 'upstream_error', code: 'upstream_unavailable' }
    case 3: // Unsupported openapi method (no such endpoint / model)
      return { status: 404, type: 'not_found_error', code: 'model_not_found' }
    default:
      // 3360xx-3361xx: the request is invalid (336001 JSON, 336002 format, 336003 parameters, 336006 turns…).
      return errorCode >= 336001 && errorCode < 336200
        ? { status: 400, type: 'invalid_request_error', code: 'invalid_request' }
        : { status: 502, type: 'upstream_error', code: 'upstream_error' }
  }
}

const errorCodeOf = (body: Record<string, unknown> | null) => (body !== null && typeof body.error_code === 'number' && body.error_code !== 0 ? body.error_code : null)

export function mapBaiduError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const errorCode = errorCodeOf(body)
  if (errorCode === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const kind = classify(errorCode)
  const message = `${typeof body!.error_msg === 'string' ? body!.error_msg : 'Baidu ERNIE error'} (error_code ${errorCode})`
  return createUpstreamError(kind.status, message, kind.type, kind.code)
}

/** Whether an HTTP 200 body is a failure (a substring scan first: only a likely failure is parsed). */
export function baiduOkBodyFailure(bodyText: string): OkBodyFailure | null {
  if (!bodyText.includes('"error_code"')) return null
  const errorCode = errorCodeOf(parseErrorBody(bodyText))
  if (errorCode === null) return null
  const kind = classify(errorCode)
  return kind.renewAuth ? { status: kind.status, renewAuth: true } : { status: kind.status }
}
