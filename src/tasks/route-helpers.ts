import { TaskError } from './task-relay.ts'
import type { TaskAdaptor } from './types.ts'

/** What every family's routes share: JSON answers, a JSON-object body, refusals in the family's own shape. */
export function routeHelpers(adaptor: TaskAdaptor, badRequestCode: string | number) {
  return {
    json: (value: unknown) => new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } }),
    /** A TaskError becomes the family's error; anything else is a bug and goes to the app's handler. */
    fail(error: unknown): Response {
      if (!(error instanceof TaskError)) throw error
      const response = adaptor.errorResponse(error.status, error.message, error.code)
      if (error.retryAfterSeconds !== undefined) response.headers.set('retry-after', String(error.retryAfterSeconds))
      return response
    },
    async readBody(request: Request): Promise<Record<string, unknown>> {
      let parsed: unknown
      try { parsed = JSON.parse(await request.text()) } catch { throw new TaskError(400, 'bind_request_body_failed: the body is not JSON', badRequestCode) }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new TaskError(400, 'bind_request_body_failed: the body must be a JSON object', badRequestCode)
      return parsed as Record<string, unknown>
    },
  }
}
