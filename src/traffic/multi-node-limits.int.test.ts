import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

const skip = !postgresUrl || !redisUrl
if (skip) console.warn('[tests] multi-node rate-limit suite skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL')

/** Run `total` requests through `clients` concurrent loops, alternating the two nodes; the statuses in order. */
async function load(nodes: TestServer[], key: string, total: number, clients: number): Promise<number[]> {
  const statuses: number[] = []
  let next = 0
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const index = next++
      const response = await fetch(`${nodes[index % 2]!.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] }),
      })
      await response.arrayBuffer()
      statuses.push(response.status)
    }
  }))
  return statuses
}

describe.skipIf(skip)('rate limits across two nodes sharing Redis', () => {
  let upstream: MockUpstream
  let nodes: TestServer[]
  let drop: () => Promise<void>
  let root: ApiClient
  let inFlight = 0
  let peak = 0
  let holdMs = 0

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    upstream = await startMockUpstream({
      onRequest: async (request) => {
        if (!request.path.endsWith('/chat/completions')) return undefined
        inFlight++
        peak = Math.max(peak, inFlight)
        try {
          if (holdMs) await Bun.sleep(holdMs)
        } finally { inFlight-- }
        return Response.json({ id: 'x', object: 'chat.completion', created: 1, model: 'limited', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: 150, total_tokens: 250 } })
      },
    })
    // Ids restart at 1 in each run's database: clear the windows a previous run left.
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const stale = await redis.keys('tg:rl:*')
    if (stale.length) await redis.del(...stale)
    await redis.quit()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests', LOG_FLUSH_INTERVAL_MS: '100' }
    nodes = [await startTestServer(shared), await startTestServer(shared)]
    root = await nodes[0]!.signIn()
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'k', base_url: upstream.url, models: 'limited' } })
    await root.call('PUT', '/api/option/', { key: 'ModelRatio', value: '{"limited":1}' })
    for (let wait = 0; wait < 100 && !nodes[1]!.caches.routing.tiers.get('default')?.has('limited'); wait++) await Bun.sleep(10)
  }, 30_000)
  afterAll(async () => {
    for (const node of nodes ?? []) await node.dispose()
    await upstream?.stop()
    await drop?.()
  })

  async function tokenWith(fields: Record<string, unknown>) {
    const id = (await root.call('POST', '/api/token/', { name: 'limited', unlimited_quota: true, ...fields })).body.data.id
    const key = (await root.call('POST', `/api/token/${id}/key`)).body.data.key
    for (let wait = 0; wait < 100 && !nodes[1]!.caches.token(id); wait++) await Bun.sleep(10)
    return `sk-${key}`
  }

  test('a per-token RPM limit holds within 1% across both nodes under 32 concurrent clients', async () => {
    const limit = 300
    const key = await tokenWith({ rpm_limit: limit })
    const statuses = await load(nodes, key, 900, 32)
    const admitted = statuses.filter((status) => status === 200).length
    expect(statuses.filter((status) => status !== 200 && status !== 429)).toEqual([])
    expect(Math.abs(admitted - limit)).toBeLessThanOrEqual(limit * 0.01)
    console.log(`[limits] rpm_limit ${limit}: ${admitted} of 900 admitted across two nodes`)
  }, 60_000)

  test('a concurrency cap is never exceeded across both nodes, and every slot comes back', async () => {
    holdMs = 100
    peak = 0
    const key = await tokenWith({ concurrency_limit: 4 })
    const statuses = await load(nodes, key, 256, 32)
    expect(peak).toBeLessThanOrEqual(4)
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(4)
    peak = 0
    const after = await Promise.all([0, 1, 0, 1].map((node) => fetch(`${nodes[node]!.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'limited', messages: [{ role: 'user', content: 'hi' }] }),
    }).then((response) => response.status)))
    expect(after).toEqual([200, 200, 200, 200])
    expect(peak).toBe(4)
    holdMs = 0
  }, 60_000)

  test('limits are checked in the reservation\'s own script: a refused request reserves nothing, a quota refusal counts no limit', async () => {
    const zero = await tokenWith({ unlimited_quota: false, remain_quota: 50_000, rpm_limit: 0 })
    const statuses = await load(nodes, zero, 10, 4)
    expect(statuses).toEqual(Array(10).fill(429))
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    try {
      const tokens = (await root.call('GET', '/api/token/?p=1&page_size=100')).body.data.items as { id: number; name: string; rpm_limit: number | null }[]
      const id = tokens.find((token) => token.rpm_limit === 0)!.id
      // The shared quota counter of the token was never created or moved: nothing was reserved on either node.
      expect(Number(await redis.hget(`tg:quota:t:${id}`, 'r') ?? 0)).toBe(0)
      // A token out of quota: refused with 403, and its rpm window counts none of those refusals.
      const broke = await tokenWith({ unlimited_quota: false, remain_quota: 1, rpm_limit: 5 })
      const brokeId = ((await root.call('GET', '/api/token/?p=1&page_size=100')).body.data.items as { id: number; remain_quota: number }[]).find((token) => token.remain_quota === 1)!.id
      expect(await load(nodes, broke, 8, 4)).toEqual(Array(8).fill(403))
      expect(Number(await redis.hget(`tg:rl:t:${brokeId}:r`, 's') ?? 0)).toBe(0)
    } finally {
      await redis.quit()
    }
  }, 30_000)

  test('TPM settles from the usage the upstream reports, on whichever node served it', async () => {
    const key = await tokenWith({ tpm_limit: 1000 })
    const statuses: number[] = []
    for (let index = 0; index < 6; index++) {
      statuses.push((await load([nodes[index % 2]!, nodes[index % 2]!], key, 1, 1))[0]!)
      await Bun.sleep(20) // the settle is sent after the answer
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
  }, 30_000)
})
