import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { OkBodyFailure, UpstreamError } from '../types.ts'

/**
 * Tencent Cloud API errors: HTTP 200 with `{Response: {Error: {Code, Message}, RequestId}}`, the code a dotted
 * `Class.Detail` name (listed with Hunyuan's ChatCompletions, https://cloud.tencent.com/document/product/1729/105701). The class decides the
 * OpenAI-shaped error and whether another channel may help.
 */

/** Codes that mean the account cannot pay or has not enabled the service: the same account fails everywhere. */
const quotaCodes = /^(ResourceUnavailable\.(InArrears|LowBalance|NotExist|StopUsing)|ResourceInsufficient\.ChargeResourceExhaust|FailedOperation\.(ServiceNotActivated|ServiceStop|ServiceStopArrears|FreeResourcePackExhausted|ResourcePackExhausted))$/

/** The OpenAI-shaped status, type and code of a Tencent error code. */
function classify(code: string): { status: number; type: string; openAiCode: string } {
  if (code.startsWith('AuthFailure')) return { status: 401, type: 'authentication_error', openAiCode: 'invalid_api_key' }
  if (quotaCodes.test(code)) return { status: 429, type: 'insufficient_quota', openAiCode: 'insufficient_quota' }
  if (code.startsWith('LimitExceeded') || code.startsWith('RequestLimitExceeded') || code === 'FailedOperation.EngineServerLimitExceeded') {
    return { status: 429, type: 'rate_limit_error', openAiCode: 'rate_limit_exceeded' }
  }
  if (code.startsWith('UnauthorizedOperation') || code.startsWith('OperationDenied')) return { status: 403, type: 'permission_error', openAiCode: code }
  if (code.startsWith('InvalidParameter') || code.startsWith('MissingParameter') || code.startsWith('UnknownParameter') || code.startsWith('UnsupportedOperation')
    || code === 'InvalidAction' || code === 'UnsupportedProtocol' || code === 'UnsupportedRegion') {
    return { status: 400, type: 'invalid_request_error', openAiCode: code }
  }
  if (code.startsWith('ResourceNotFound')) return { status: 404, type: 'not_found_error', openAiCode: 'model_not_found' }
  if (code === 'FailedOperation.EngineRequestTimeout') return { status: 504, type: 'upstream_error', openAiCode: code }
  return { status: 502, type: 'upstream_error', openAiCode: code }
}

/** `{Response: {Error}}` or a bare `{Error}` (stream events) → the Error object, if any. */
function errorOf(body: Record<string, unknown>): Record<string, unknown> | null {
  const response = isRecord(body.Response) ? body.Response : body
  return isRecord(response.Error) ? response.Error : null
}

export function mapTencentError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const error = body === null ? null : errorOf(body)
  if (error === null || typeof error.Code !== 'string') return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  const { status: mapped, type, openAiCode } = classify(error.Code)
  const message = `${typeof error.Message === 'string' ? error.Message : 'Tencent Cloud error'} (${error.Code})`
  return createUpstreamError(mapped, message, type, openAiCode)
}

/** Whether an HTTP 200 body is a failure (the check is a substring scan; only a likely failure is parsed). */
export function tencentOkBodyFailure(bodyText: string): OkBodyFailure | null {
  if (!bodyText.includes('"Error"')) return null
  const body = parseErrorBody(bodyText)
  const error = body === null ? null : errorOf(body)
  if (error === null || typeof error.Code !== 'string') return null
  return { status: classify(error.Code).status }
}

/** The error of a stream event, if it is one. */
export function tencentStreamError(payload: Record<string, unknown>): UpstreamError | null {
  const error = errorOf(payload)
  return error === null ? null : mapTencentError(200, JSON.stringify(payload))
}
