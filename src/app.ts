import { Elysia } from 'elysia'
import { existsSync, statSync } from 'node:fs'
import { join, normalize } from 'node:path'
import { describeValidation, errorResponse as serialiseError, GatewayError, type ErrorSurface } from './errors.ts'
import type { WireFormat } from './providers/types.ts'
import { managementRoutes, type ManagementDependencies } from './api/index.ts'
import { VERSION } from './api/system.ts'
import { parseManagementBody } from './security/hostile-body.ts'

export type AppDependencies = ManagementDependencies & {
  /** Feature plugins (the relay) mounted after the management API. */
  plugins?: Elysia<any, any, any, any, any, any, any>[]
  /** Folder of the built admin app; served at / with SPA fallback when it exists. */
  adminDir?: string
  /** Internal: the swagger plugin, mounted only on the documentation copy of the app (see createApp). */
  docsPlugin?: Elysia<any, any, any, any, any, any, any>
}

const documentation = {
  info: { title: 'Tollgate API', version: VERSION, description: 'LLM gateway: new-api compatible management API and OpenAI-compatible relay' },
  tags: [
    { name: 'System', description: 'Status, options, groups' }, { name: 'Users', description: 'Sign-in and own account' },
    { name: 'Users (admin)', description: 'User management' }, { name: 'Tokens', description: 'API keys' },
    { name: 'Channels', description: 'Upstream providers and keys' }, { name: 'Options', description: 'Root settings' },
    { name: 'Logs', description: 'Usage logs and aggregates' }, { name: 'Relay', description: 'OpenAI-compatible endpoints' },
  ],
}

const isRelayPath = (path: string) => path.startsWith('/v1') || path.startsWith('/dashboard/') || path.startsWith('/v1beta')

/** The wire format a relay path speaks, so a refusal comes back in the caller's own error shape. */
function formatOfPath(path: string): WireFormat {
  if (path.startsWith('/v1/messages')) return 'anthropic'
  if (path.startsWith('/v1beta/') || (path.startsWith('/v1/models/') && path.includes(':'))) return 'gemini'
  return 'openai-chat'
}

/** Where a failure on `path` is shown: the envelope on /api, the caller's format on relay routes. */
const surfaceOf = (path: string): ErrorSurface => (isRelayPath(path) ? formatOfPath(path) : 'envelope')

/** A failure that is not a GatewayError (validation, parse, routing), in the caller's surface. */
function errorResponse(path: string, status: number, message: string, code: string) {
  return serialiseError(surfaceOf(path), { status, message, type: 'new_api_error', code })
}

export function createApp(dependencies: AppDependencies) {
  const adminDir = dependencies.adminDir ?? new URL('../admin/dist', import.meta.url).pathname
  const adminIndex = join(adminDir, 'index.html')

  // OpenAPI at /swagger and /swagger/json. The swagger plugin and the Scalar theme it imports cost ~5 MB of
  // resident memory, so they load on the first visit: a copy of this app with the plugin mounted answers it.
  let docs: Promise<{ handle(request: Request): Promise<Response> }> | undefined
  const serveDocs = async (request: Request): Promise<Response> => {
    docs ??= import('@elysiajs/swagger').then(({ swagger }): { handle(request: Request): Promise<Response> } => createApp({ ...dependencies, docsPlugin: swagger({ path: '/swagger', documentation }) }))
    return (await docs).handle(request)
  }
  // No request hook here: one took Elysia off its fast path (~6 µs a request, bench:compare). The relay refuses a
  // body announced over MAX_REQUEST_BODY_MB itself, with a message (relay.ts); Bun bounds every body at twice it.
  let app = new Elysia({ name: 'tollgate' })
    .use(dependencies.docsPlugin ?? new Elysia({ name: 'tollgate.docs' })
      .get('/swagger', ({ request }) => serveDocs(request), { detail: { hide: true } })
      .get('/swagger/json', ({ request }) => serveDocs(request), { detail: { hide: true } }))
    .onError(({ error, code, path, set }) => {
      const route = path ?? '/'
      if (error instanceof GatewayError) {
        // Headers set before the failure (Retry-After) still go out.
        const response = error.toResponse(surfaceOf(route))
        for (const [name, value] of Object.entries(set.headers)) if (typeof value === 'string' && name !== 'content-type') response.headers.set(name, value)
        return response
      }
      switch (code) {
        case 'VALIDATION': {
          const where = (error as { type?: string }).type === 'query' ? 'query' : (error as { type?: string }).type === 'params' ? 'path' : 'request body'
          return errorResponse(route, 400, describeValidation(error as never, where), 'invalid_request')
        }
        // The management parser's own refusals (size, depth) arrive wrapped by Elysia.
        case 'PARSE': {
          const cause = (error as { cause?: unknown }).cause
          if (cause instanceof GatewayError) return cause.toResponse(surfaceOf(route))
          return errorResponse(route, 400, 'The request body is not valid JSON', 'invalid_json')
        }
        case 'NOT_FOUND': return errorResponse(route, 404, `No route for ${route}`, 'not_found')
        case 'INVALID_COOKIE_SIGNATURE': return errorResponse(route, 401, 'Invalid session', 'AUTH_UNAUTHORIZED')
        default: {
          const status = (error as { status?: number }).status
          if (status === 413) return errorResponse(route, 413, 'The request body is too large', 'read_request_body_failed')
          // Broken percent-encoding in a path or query (decodeURIComponent throws): the caller's mistake.
          if (error instanceof URIError) return errorResponse(route, 400, `Malformed percent-encoding in ${route}`, 'invalid_request')
          console.error(`[http] ${route}: ${(error as Error)?.stack ?? error}`)
          return errorResponse(route, 500, 'Internal server error', 'internal_error')
        }
      }
    })
  // Management bodies are held to kilobytes and a nesting depth before Elysia parses or validates them.
  let management: Elysia<any, any, any, any, any, any, any> = new Elysia({ name: 'tollgate.management' }).onParse(parseManagementBody)
  for (const group of managementRoutes(dependencies)) management = management.use(group)
  app = app.use(management)
  for (const plugin of dependencies.plugins ?? []) app = app.use(plugin)

  // The admin app: static files, and index.html for client-side routes. /api, /v1 and /swagger are never shadowed.
  return app.get('/*', ({ path, set }) => {
    if (path.startsWith('/api/') || isRelayPath(path) || path.startsWith('/swagger')) throw new GatewayError(404, `No route for ${path}`, 'not_found')
    if (!existsSync(adminIndex)) {
      set.headers['content-type'] = 'text/plain; charset=utf-8'
      return 'Tollgate is running. The admin console is not built: run `bun run build`. API docs: /swagger'
    }
    const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.(\/|$))+/, '')
    const file = join(adminDir, relative)
    if (file.startsWith(adminDir + '/') && statSync(file, { throwIfNoEntry: false })?.isFile()) {
      if (relative.startsWith('/assets/')) set.headers['cache-control'] = 'public, max-age=31536000, immutable'
      return Bun.file(file)
    }
    return Bun.file(adminIndex)
  }, { detail: { hide: true } })
}

export type App = ReturnType<typeof createApp>
