import { getInbound } from './providers/index.ts'
import type { ClientError, WireFormat } from './providers/types.ts'

/**
 * The one error family. Thrown anywhere; serialised here and nowhere else, per surface: the `{success:false,message}`
 * envelope on /api, the caller's wire format on relay routes (OpenAI, Anthropic, Gemini, Responses shapes, which
 * the inbound formats own), and a final SSE error event once a stream's headers are sent.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
    readonly type = 'new_api_error',
    /** Whether another channel may succeed where this failed (relay retry policy). */
    readonly retryable = false,
  ) {
    super(message)
    this.name = 'GatewayError'
  }

  /** This error as a JSON response on `surface` (the envelope on /api, the client's format on relay routes). */
  toResponse(surface: ErrorSurface, headers?: Record<string, string>): Response {
    return errorResponse(surface, this, headers)
  }
}

export const badRequest = (message: string, code = 'invalid_request') => new GatewayError(400, message, code)
export const unauthorized = (message: string, code = 'AUTH_UNAUTHORIZED') => new GatewayError(401, message, code)
export const forbidden = (message: string, code = 'AUTH_INSUFFICIENT_PRIVILEGE') => new GatewayError(403, message, code)
export const notFound = (message: string) => new GatewayError(404, message, 'not_found')
export const conflict = (message: string) => new GatewayError(409, message, 'conflict')
/** A body announced as larger than MAX_REQUEST_BODY_MB, refused before it is read. */
export const bodyTooLarge = (bytes: number, limitMb: number) =>
  new GatewayError(413, `The request body is ${(bytes / 1048576).toFixed(1)} MB, more than the ${limitMb} MB this gateway accepts (MAX_REQUEST_BODY_MB)`, 'request_body_too_large')

/** Elysia validation errors carry a JSON-Pointer path; turn it into a sentence naming the field. */
export function describeValidation(error: { all?: { path?: string; message?: string; summary?: string }[]; message?: string }, where: string): string {
  const first = error.all?.[0]
  if (!first) return `Invalid ${where}`
  const field = (first.path ?? '').replace(/^\//, '').replaceAll('/', '.')
  const reason = first.summary ?? first.message ?? 'is invalid'
  return field ? `Invalid ${where} field "${field}": ${reason}` : `Invalid ${where}: ${reason}`
}

export const envelopeError = (message: string, code?: string) => (code ? { success: false, message, code } : { success: false, message })

/** Where an error is shown: the management envelope, or a relay client's wire format. */
export type ErrorSurface = 'envelope' | WireFormat

/** The body of an error on `surface`. */
export function errorBody(surface: ErrorSurface, error: ClientError): Record<string, unknown> {
  return surface === 'envelope' ? envelopeError(error.message, error.code || undefined) : getInbound(surface).errorBody(error)
}

/** The error as a JSON response on `surface`. */
export function errorResponse(surface: ErrorSurface, error: ClientError, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(errorBody(surface, error)), { status: error.status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } })
}

/** The last event of an OpenAI-format stream that failed after its headers were sent. */
export function openAiStreamErrorEvent(message: string): string {
  return `data: ${JSON.stringify(errorBody('openai-chat', { status: 502, message, type: 'new_api_error', code: 'stream_error' }))}\n\ndata: [DONE]\n\n`
}
