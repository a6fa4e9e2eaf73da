import { GatewayError, type ErrorSurface } from '../errors.ts'

/** A request refused by a rate limit: 429 in the caller's error shape, with `Retry-After` in whole seconds. */
export class RateLimitedError extends GatewayError {
  readonly retryAfterSeconds: number

  constructor(message: string, retryAfterMs: number, code = 'rate_limit_exceeded') {
    super(429, message, code)
    this.name = 'RateLimitedError'
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000))
  }

  override toResponse(surface: ErrorSurface, headers?: Record<string, string>): Response {
    return super.toResponse(surface, { 'retry-after': String(this.retryAfterSeconds), ...headers })
  }
}
