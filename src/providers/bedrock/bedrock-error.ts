import { isRecord } from '../canonical.ts'
import { createUpstreamError, fallbackErrorMessage, parseErrorBody, typeForStatus } from '../errors.ts'
import type { UpstreamError } from '../types.ts'

/** Bedrock exception names by HTTP status, for bodies that only carry a message. */
function exceptionForStatus(status: number): string {
  switch (status) {
    case 400: return 'ValidationException'
    case 403: return 'AccessDeniedException'
    case 404: return 'ResourceNotFoundException'
    case 408: return 'ModelTimeoutException'
    case 424: return 'ModelErrorException'
    case 429: return 'ThrottlingException'
    case 503: return 'ServiceUnavailableException'
    default: return status >= 500 ? 'InternalServerException' : 'BedrockException'
  }
}

/**
 * Bedrock error body `{message}` (or `{Message}`; the exception name travels in the x-amzn-errortype header,
 * which mapError does not see, so it is inferred from the status) → UpstreamError. A signature or key problem
 * (403) is the channel's fault and retryable elsewhere; a ValidationException (400) is the request's.
 */
export function mapBedrockError(status: number, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText)
  const message = body !== null && typeof (body.message ?? body.Message) === 'string' ? String(body.message ?? body.Message) : fallbackErrorMessage(status, bodyText)
  const code = body !== null && isRecord(body) && typeof body.__type === 'string' ? body.__type.split('#').pop()! : exceptionForStatus(status)
  return createUpstreamError(status, message, typeForStatus(status), code)
}

/** Status an in-stream Bedrock exception stands for. */
export function statusForBedrockException(exception: string): number {
  switch (exception) {
    case 'validationException': return 400
    case 'throttlingException': return 429
    case 'modelStreamErrorException': return 424
    case 'serviceUnavailableException': return 503
    default: return 500
  }
}
