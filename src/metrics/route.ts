import { Elysia } from 'elysia'
import { timingSafeEqual } from 'node:crypto'

/**
 * `GET /metrics` for Prometheus, with `Authorization: Bearer <METRICS_TOKEN>` (a scrape config's
 * `authorization: { credentials: … }`). Only mounted when METRICS_TOKEN is set.
 */
export function metricsRoute(token: string, render: () => Promise<string>) {
  const expected = Buffer.from(`Bearer ${token}`)
  const authorised = (header: string | null) => {
    if (!header) return false
    const given = Buffer.from(header)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }
  return new Elysia({ name: 'tollgate.metrics' }).get('/metrics', async ({ request }) => {
    if (!authorised(request.headers.get('authorization'))) {
      return new Response('metrics need Authorization: Bearer <METRICS_TOKEN>\n', { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' } })
    }
    return new Response(await render(), { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' } })
  }, { detail: { tags: ['System'], summary: 'Prometheus metrics (Bearer METRICS_TOKEN)', security: [{ metricsToken: [] }], responses: { 200: { description: 'Prometheus text format' }, 401: { description: 'Missing or wrong token' } } } })
}
