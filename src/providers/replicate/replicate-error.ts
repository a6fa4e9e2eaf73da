import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/**
 * Replicate's failures → UpstreamError. HTTP errors are problem details `{title, detail, status}` (401 a bad token,
 * 402 no credit or the spend limit reached, 404 an unknown model or version, 422 input validation with
 * `invalid_fields`, 429 throttled); a prediction that ran and failed is the prediction itself, `{status: 'failed',
 * error}`, which replicate-prediction.ts hands on as a 502 (the model broke, not the request's shape).
 */
export function mapReplicateError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  if (body === null) return createUpstreamError(status, fallbackErrorMessage(status, bodyText), typeForStatus(status), '')
  if (body.status === 'failed' || body.status === 'canceled') {
    const error = typeof body.error === 'string' && body.error.length > 0 ? body.error : isRecord(body.error) ? JSON.stringify(body.error) : `The prediction was ${body.status}`
    return createUpstreamError(status, `Replicate prediction ${String(body.id ?? '')} ${body.status}: ${error}`, 'upstream_error', `prediction_${body.status}`)
  }
  const detail = typeof body.detail === 'string' && body.detail.length > 0 ? body.detail : typeof body.title === 'string' ? body.title : fallbackErrorMessage(status, bodyText)
  if (status === 402) return createUpstreamError(status, detail, 'insufficient_quota', 'insufficient_quota')
  // The title names the problem ("Input validation failed"): as a code, in the snake case OpenAI's codes use.
  const code = typeof body.title === 'string' ? body.title.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_') : ''
  return createUpstreamError(status, detail, typeForStatus(status), code)
}
