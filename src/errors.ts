/**
 * The one error family. Thrown anywhere; serialised in exactly one place per surface: the `{success:false,message}`
 * envelope on /api, the OpenAI error shape (or the inbound format's shape) on relay routes.
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
}

export const badRequest = (message: string, code = 'invalid_request') => new GatewayError(400, message, code)
export const unauthorized = (message: string, code = 'AUTH_UNAUTHORIZED') => new GatewayError(401, message, code)
export const forbidden = (message: string, code = 'AUTH_INSUFFICIENT_PRIVILEGE') => new GatewayError(403, message, code)
export const notFound = (message: string) => new GatewayError(404, message, 'not_found')
export const conflict = (message: string) => new GatewayError(409, message, 'conflict')

/** Elysia validation errors carry a JSON-Pointer path; turn it into a sentence naming the field. */
export function describeValidation(error: { all?: { path?: string; message?: string; summary?: string }[]; message?: string }, where: string): string {
  const first = error.all?.[0]
  if (!first) return `Invalid ${where}`
  const field = (first.path ?? '').replace(/^\//, '').replaceAll('/', '.')
  const reason = first.summary ?? first.message ?? 'is invalid'
  return field ? `Invalid ${where} field "${field}": ${reason}` : `Invalid ${where}: ${reason}`
}

export const envelopeError = (message: string, code?: string) => (code ? { success: false, message, code } : { success: false, message })
