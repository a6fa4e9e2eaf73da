import { Elysia, t } from 'elysia'
import { badRequest, conflict, notFound } from '../errors.ts'
import { draftChannel, type ChannelClient } from '../channels/channel-client.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import type { CachedChannel } from '../cache/routing.ts'
import { authPlugin, envelope, ok, ROLE_ADMIN, type ApiDependencies } from './context.ts'

/** Balance lookups in flight at once when all channels are asked. */
const BALANCE_CONCURRENCY = 4

/** Channel operations that talk to the upstream: test, test all, model discovery, balance. */
export function channelOpsRoutes(dependencies: ApiDependencies & { health: ChannelHealth; channelClient: ChannelClient }) {
  const { store, caches, health, channelClient } = dependencies
  const updateBalance = async (channel: CachedChannel) => {
    const balance = await channelClient.balance(channel)
    await store.channels.update(channel.id, { balance, balanceUpdatedTime: Math.floor(Date.now() / 1000) })
    return balance
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
      return ok(await channelClient.listModels(channel))
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(t.Array(t.String())), detail: { tags: ['Channels'], summary: 'Model ids from the channel\'s upstream' } })
    .post('/fetch_models', async ({ body }) => ok(await channelClient.listModels(draftChannel({ type: body.type, key: body.key.split('\n')[0]!.trim(), baseUrl: body.base_url?.trim() ?? '' }))), {
      role: ROLE_ADMIN, body: t.Object({ type: t.Integer(), key: t.String({ minLength: 1 }), base_url: t.Optional(t.String()) }),
      response: envelope(t.Array(t.String())), detail: { tags: ['Channels'], summary: 'Model ids from an upstream before the channel exists' },
    })
    .get('/ops', () => ok({ retry_times: caches.options.retryTimes }), {
      role: ROLE_ADMIN, response: envelope(t.Object({ retry_times: t.Integer() })), detail: { tags: ['Channels'], summary: 'Relay settings the channel page shows (RetryTimes)' },
    })
    .get('/update_balance', async () => {
      // Every enabled single-key channel whose provider has a balance endpoint, a few at a time.
      const candidates = [...caches.routing.byId.values()].filter((channel) => channel.status === 1 && channel.keys.length === 1 && channelClient.hasBalance(channel))
      let updated = 0
      const failures: string[] = []
      for (let start = 0; start < candidates.length; start += BALANCE_CONCURRENCY) {
        await Promise.all(candidates.slice(start, start + BALANCE_CONCURRENCY).map(async (channel) => {
          try {
            await updateBalance(channel)
            updated++
          } catch (error) {
            failures.push(`#${channel.id} ${channel.name}: ${(error as Error).message}`)
          }
        }))
      }
      return { success: true, message: failures.length ? `Updated ${updated}; failed: ${failures.slice(0, 10).join('; ')}` : '', data: { updated, failed: failures.length } }
    }, {
      role: ROLE_ADMIN, response: t.Object({ success: t.Boolean(), message: t.String(), data: t.Object({ updated: t.Integer(), failed: t.Integer() }) }),
      detail: { tags: ['Channels'], summary: 'Ask every enabled channel with a balance endpoint for its balance' },
    })
    .get('/update_balance/:id', async ({ params }) => {
      const channel = caches.routing.byId.get(params.id)
      if (!channel) throw notFound(`Channel ${params.id} does not exist`)
      if (channel.keys.length > 1) throw badRequest('Balance lookup is not supported for multi-key channels')
      return { success: true, message: '', balance: await updateBalance(channel) }
    }, {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: t.Object({ success: t.Boolean(), message: t.String(), balance: t.Number() }),
      detail: { tags: ['Channels'], summary: 'Ask the upstream for the channel\'s balance (USD)' },
    })
}
