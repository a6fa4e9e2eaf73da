/**
 * The floor for any Bun gateway: Bun.serve, one `fetch` to the upstream, the response body streamed back
 * untouched. No auth, no parsing, no billing. Tollgate's overhead is reported as a ratio to this.
 *
 * Standalone: `bun bench/bare-proxy.ts --upstream http://127.0.0.1:9100 --port 0` prints `{"url","port","pid"}`.
 * Run it with BUN_CONFIG_MAX_HTTP_REQUESTS raised for many concurrent streams (Bun's fetch caps in-flight
 * requests at 256 by default).
 */
import { parseArgs } from 'node:util'

export interface BareProxy {
  url: string
  port: number
  stop(): Promise<void>
}

export function startBareProxy(settings: { upstream: string; port?: number }): BareProxy {
  const upstream = settings.upstream.replace(/\/$/, '')
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: settings.port ?? 0,
    idleTimeout: 0,
    development: false,
    async fetch(request) {
      const url = new URL(request.url)
      const headers = new Headers(request.headers)
      headers.delete('host')
      // The body is read whole, as any gateway must before it can route on the model name.
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer()
      const response = await fetch(upstream + url.pathname + url.search, {
        method: request.method,
        headers,
        body,
        signal: request.signal,
        // Same as the gateway: the client sees the upstream's bytes, no content decoding in between.
        decompress: false,
      })
      return new Response(response.body, { status: response.status, headers: response.headers })
    },
    // An unreachable upstream is a 502, quietly: the bench counts it, a stack trace per request would drown the log.
    error(error) {
      return new Response(`bare proxy: ${error.message}`, { status: 502 })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port as number,
    async stop() {
      await server.stop(true)
    },
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { upstream: { type: 'string' }, port: { type: 'string', default: '0' } },
  })
  if (!values.upstream) {
    console.error('usage: bun bench/bare-proxy.ts --upstream http://127.0.0.1:9100 [--port 0]')
    process.exit(2)
  }
  const proxy = startBareProxy({ upstream: values.upstream, port: Number(values.port) })
  console.log(JSON.stringify({ url: proxy.url, port: proxy.port, pid: process.pid }))
  const shutdown = () => {
    void proxy.stop().then(() => process.exit(0))
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}
