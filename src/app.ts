import { Elysia } from 'elysia'
import { existsSync, statSync } from 'node:fs'
import { join, normalize } from 'node:path'
import { describeValidation, errorResponse as serialiseError, GatewayError, type ErrorSurface } from './errors.ts'
import type { WireFormat } from './providers/types.ts'
import { managementRoutes, type ManagementDependencies } from './api/index.ts'
import { consoleFolder } from './runtime-paths.ts'
import { VERSION } from './api/system.ts'
import { parseManagementBody } from './security/hostile-body.ts'
import type { AddressLimits } from './traffic/address-limits.ts'

export type AppDependencies = ManagementDependencies & {
  /** Feature plugins (the relay) mounted after the management API. */
  plugins?: Elysia<any, any, any, any, any, any, any>[]
  /** Folder of the built admin app; served at / with SPA fallback when it exists. */
  adminDir?: string
  /** Internal: the swagger plugin, mounted only on the documentation copy of the app (see createApp). */
  docsPlugin?: Elysia<any, any, any, any, any, any, any>
  /** new-api's per-address limits on /api and console pages (GLOBAL_*_RATE_LIMIT, CRITICAL_RATE_LIMIT). */
  addressLimits?: AddressLimits
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
  const adminDir = dependencies.adminDir ?? consoleFolder()
  const adminIndex = join(adminDir, 'index.html')

  // OpenAPI at /swagger (Swagger UI, served from node_modules: no CDN) and /swagger/json. The swagger plugin and
  // the UI's files are loaded on the first visit: a copy of this app with the plugin mounted makes the document.
  let docs: Promise<{ spec: Response; page: Response; asset(name: string): Response | undefined }> | undefined
  const loadDocs = () => (docs ??= Promise.all([import('@elysiajs/swagger'), import('./api-docs.ts')]).then(async ([{ swagger }, api]) => {
    const copy: { handle(request: Request): Promise<Response> } = createApp({ ...dependencies, docsPlugin: swagger({ path: '/swagger/plugin', documentation: api.documentation(VERSION) as never }) })
    const generated = await (await copy.handle(new Request('http://localhost/swagger/plugin/json'))).json() as Parameters<typeof api.normaliseOpenApi>[0]
    const spec = JSON.stringify(api.normaliseOpenApi(generated))
    const page = api.uiPage('Tollgate API')
    return {
      spec: new Response(spec, { headers: { 'content-type': 'application/json' } }),
      page: new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } }),
      asset(name: string) {
        const asset = api.uiAssets[name]
        return asset && new Response(Bun.file(asset.path), { headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' } })
      },
    }
  }))
  // No request hook here: one took Elysia off its fast path (~6 µs a request, bench:compare). The relay refuses a
  // body announced over MAX_REQUEST_BODY_MB itself, with a message (relay.ts); Bun bounds every body at twice it.
  let app = new Elysia({ name: 'tollgate' })
    .use(dependencies.docsPlugin ?? new Elysia({ name: 'tollgate.docs' })
      .get('/swagger', async () => (await loadDocs()).page.clone(), { detail: { hide: true } })
      .get('/swagger/json', async () => (await loadDocs()).spec.clone(), { detail: { hide: true } })
      .get('/swagger/assets/:name', async ({ params }) => (await loadDocs()).asset(params.name) ?? errorResponse('/swagger', 404, `No documentation asset ${params.name}`, 'not_found'), { detail: { hide: true } }))
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
  // Per-address limits before anything else of a route runs (its session lookup, validation, handler).
  const { addressLimits, addressOf } = dependencies
  if (addressLimits) management = management.onTransform(function limitAddress({ request, server, path }) { return addressLimits.api(request.method, path, addressOf(request, server)) })
  for (const group of managementRoutes(dependencies)) management = management.use(group)
  app = app.use(management)
  for (const plugin of dependencies.plugins ?? []) app = app.use(plugin)

  // The admin app: static files, and index.html for client-side routes. /api, /v1 and /swagger are never shadowed.
  return app.get('/*', async ({ path, set, request, server }) => {
    if (path.startsWith('/api/') || isRelayPath(path) || path.startsWith('/swagger')) throw new GatewayError(404, `No route for ${path}`, 'not_found')
    await addressLimits?.web(path, addressOf(request, server))
    if (path === '/metrics') throw new GatewayError(404, 'Metrics are off: set METRICS_TOKEN to serve them at /metrics', 'not_found')
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
