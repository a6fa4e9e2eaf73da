import { Elysia, t } from 'elysia'
import { badRequest, conflict, GatewayError, notFound } from '../errors.ts'
import { defaultBaseUrl } from '../providers/index.ts'
import { joinUrl } from '../providers/url.ts'
import type { ChannelHealth } from '../relay/channel-health.ts'
import { authPlugin, envelope, ok, ROLE_ADMIN, type ApiDependencies } from './context.ts'

/** Channel operations that talk to the upstream: test, test all, model discovery, balance. */
export function channelOpsRoutes(dependencies: ApiDependencies & { health: ChannelHealth }) {
  const { store, caches, health } = dependencies

  async function upstreamJson(url: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(20_000), redirect: 'manual' })
    const text = await response.text()
    if (!response.ok) throw new GatewayError(502, `Upstream answered ${response.status}: ${text.slice(0, 300)}`, 'bad_response_status_code')
    try { return JSON.parse(text) } catch { throw new GatewayError(502, 'Upstream answered with a body that is not JSON', 'bad_response_body') }
  }

  /** Model ids from an upstream's model list: OpenAI `/v1/models`, Anthropic `/v1/models`, Gemini `/v1beta/models`. */
  async function listUpstreamModels(type: number, key: string, baseUrl: string): Promise<string[]> {
    const base = baseUrl || defaultBaseUrl(type)
    if (!base) throw badRequest('This channel type needs a base URL')
    if (type === 14) {
      const body = await upstreamJson(joinUrl(base, '/v1/models?limit=1000'), { 'x-api-key': key, 'anthropic-version': '2023-06-01' })
      return (body.data as { id: string }[] ?? []).map((model) => model.id)
    }
    if (type === 24) {
      const body = await upstreamJson(joinUrl(base, '/v1beta/models?pageSize=1000'), { 'x-goog-api-key': key })
      return (body.models as { name: string }[] ?? []).map((model) => model.name.replace(/^models\//, ''))
    }
    const headers: Record<string, string> = type === 3 ? { 'api-key': key } : { authorization: `Bearer ${key}` }
    const body = await upstreamJson(joinUrl(base, '/v1/models'), headers)
    return (body.data as { id: string }[] ?? []).map((model) => model.id)
  }

  async function balanceOf(type: number, key: string, baseUrl: string): Promise<number> {
    const base = baseUrl || defaultBaseUrl(type)
    const bearer = { authorization: `Bearer ${key}` }
    switch (type) {
      case 1: case 8: case 10: case 12: case 13: {
        const subscription = await upstreamJson(joinUrl(base, '/v1/dashboard/billing/subscription'), bearer)
        const usage = await upstreamJson(joinUrl(base, '/v1/dashboard/billing/usage'), bearer)
        return Number(subscription.hard_limit_usd ?? 0) - Number(usage.total_usage ?? 0) / 100
      }
      case 20: {
        const credits = await upstreamJson(joinUrl(base, '/v1/credits'), bearer) as { data?: { total_credits?: number; total_usage?: number } }
        return Number(credits.data?.total_credits ?? 0) - Number(credits.data?.total_usage ?? 0)
      }
      case 43: {
        const balance = await upstreamJson(joinUrl(base, '/user/balance'), bearer) as { balance_infos?: { currency: string; total_balance: string }[] }
        return Number(balance.balance_infos?.find((info) => info.currency === 'USD')?.total_balance ?? balance.balance_infos?.[0]?.total_balance ?? 0)
      }
      default:
        throw new GatewayError(400, 'Balance lookup is not implemented for this channel type', 'not_implemented')
    }
  }

  return new Elysia({ name: 'tollgate.channel-ops', prefix: '/api/channel' })
    .use(authPlugin(dependencies))
    .get('/test/:id', async ({ params, query }) => {
      if (!caches.routing.byId.has(params.id)) throw notFound(`Channel ${params.id} does not exist`)
      const result = await health.testChannel(params.id, query.model, query.endpoint_type)
      return { ...result, time: Number(result.time.toFixed(3)) }
    }, {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), query: t.Object({ model: t.Optional(t.String()), endpoint_type: t.Optional(t.String()), stream: t.Optional(t.String()) }),
      response: t.Object({ success: t.Boolean(), message: t.String(), time: t.Number(), error_code: t.Optional(t.String()) }),
      detail: { tags: ['Channels'], summary: 'Send a minimal request through one channel; records response time' },
    })
    .get('/test', ({ set }) => {
      if (health.testAllRunning) throw conflict('A test of all channels is already running')
      void health.testAll().catch((error: Error) => console.warn(`[health] test-all failed: ${error.message}`))
      set.status = 200
      return ok({ task_id: `test-all-${Date.now()}`, status: 'running' })
    }, { role: ROLE_ADMIN, response: envelope(t.Object({ task_id: t.String(), status: t.String() })), detail: { tags: ['Channels'], summary: 'Test every channel in the background (re-enables passing auto-disabled ones)' } })
    .get('/fetch_models/:id', async ({ params }) => {
      const channel = caches.routing.byId.get(params.id)
      if (!channel) throw notFound(`Channel ${params.id} does not exist`)
      return ok(await listUpstreamModels(channel.type, channel.keys[0] ?? '', channel.baseUrl))
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(t.Array(t.String())), detail: { tags: ['Channels'], summary: 'Model ids from the channel\'s upstream' } })
    .post('/fetch_models', async ({ body }) => ok(await listUpstreamModels(body.type, body.key.split('\n')[0]!.trim(), body.base_url?.trim() ?? '')), {
      role: ROLE_ADMIN, body: t.Object({ type: t.Integer(), key: t.String({ minLength: 1 }), base_url: t.Optional(t.String()) }),
      response: envelope(t.Array(t.String())), detail: { tags: ['Channels'], summary: 'Model ids from an upstream before the channel exists' },
    })
    .get('/update_balance/:id', async ({ params }) => {
      const channel = caches.routing.byId.get(params.id)
      if (!channel) throw notFound(`Channel ${params.id} does not exist`)
      if (channel.keys.length > 1) throw badRequest('Balance lookup is not supported for multi-key channels')
      const balance = await balanceOf(channel.type, channel.keys[0] ?? '', channel.baseUrl)
      await store.channels.update(channel.id, { balance, balanceUpdatedTime: Math.floor(Date.now() / 1000) })
      return { success: true, message: '', balance }
    }, {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: t.Object({ success: t.Boolean(), message: t.String(), balance: t.Number() }),
      detail: { tags: ['Channels'], summary: 'Ask the upstream for the channel\'s balance (USD)' },
    })
}
