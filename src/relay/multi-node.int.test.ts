import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startTestServer, type TestServer } from '../testing/server.ts'

const skip = !postgresUrl || !redisUrl
if (skip) console.warn('[tests] multi-node quota suite skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL')

describe.skipIf(skip)('two nodes share one token\'s quota through Redis', () => {
  let upstream: MockUpstream
  let nodes: TestServer[]
  let drop: () => Promise<void>

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    upstream = await startMockUpstream({ latencyMs: 20, jitterMs: 20, responseBytes: 120 })
    // Each run gets its own database, so user and token ids restart at 1: clear counters a previous run left.
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const stale = await redis.keys('tg:quota:*')
    if (stale.length) await redis.del(...stale)
    await redis.quit()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests', LOG_FLUSH_INTERVAL_MS: '100' }
    nodes = [await startTestServer(shared), await startTestServer(shared)]
    // Two servers migrating a fresh Postgres take more than the default 5 s hook time on a loaded machine.
  }, 30_000)
  afterAll(async () => {
    for (const node of nodes ?? []) await node.dispose()
    await upstream?.stop()
    await drop?.()
  })

  test('concurrent spending on both nodes never overspends, and the books balance', async () => {
    const root = await nodes[0]!.signIn()
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'mock', key: 'k', base_url: upstream.url, models: 'metered' } })
    await root.call('PUT', '/api/option/', { key: 'ModelRatio', value: '{"metered":1}' })
    await root.call('POST', '/api/user/', { username: 'shared', password: 'password-123', quota: 1_000_000 })
    const user = await nodes[0]!.signIn('shared', 'password-123')
    const tokenId = (await user.call('POST', '/api/token/', { name: 'shared', remain_quota: 15_000 })).body.data.id
    const key = (await user.call('POST', `/api/token/${tokenId}/key`)).body.data.key
    for (let wait = 0; wait < 100 && !nodes[1]!.caches.token(tokenId); wait++) await Bun.sleep(10)
    for (let wait = 0; wait < 100 && !nodes[1]!.caches.routing.tiers.get('default')?.has('metered'); wait++) await Bun.sleep(10)

    const statuses = await Promise.all(Array.from({ length: 200 }, (_, index) => fetch(`${nodes[index % 2]!.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer sk-${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'metered', messages: [{ role: 'user', content: 'How much?' }], max_tokens: 60 }),
    }).then(async (response) => { await response.arrayBuffer(); return response.status })))
    const answered = statuses.filter((status) => status === 200).length
    expect(answered).toBeGreaterThan(0)
    expect(statuses.filter((status) => status === 403).length).toBe(200 - answered)

    await Promise.all(nodes.map((node) => node.flushUsage()))
    const token = (await user.call('GET', `/api/token/${tokenId}`)).body.data
    const logs = (await root.call('GET', '/api/log/?username=shared&type=2&page_size=100')).body.data
    let spent = 0
    for (let page = 1; (page - 1) * 100 < logs.total; page++) {
      spent += ((await root.call('GET', `/api/log/?username=shared&type=2&page_size=100&p=${page}`)).body.data.items as { quota: number }[]).reduce((sum, row) => sum + row.quota, 0)
    }
    expect(logs.total).toBe(answered)
    expect(token.remain_quota).toBeGreaterThanOrEqual(0)
    expect(15_000 - token.remain_quota).toBe(spent)
    expect(token.used_quota).toBe(spent)
  }, 30_000)
})
