import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockRealtimeUpstream, type MockRealtimeUpstream } from '../../../bench/mock-realtime-upstream.ts'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../../testing/databases.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'

const skip = !postgresUrl || !redisUrl
if (skip) console.warn('[tests] realtime on Postgres + Redis skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL')

/** Per-response billing with the Redis ledger (the multi-node books) and Postgres: the same figures as in memory. */
describe.skipIf(skip)('realtime billing on Postgres and the Redis ledger', () => {
  let upstream: MockRealtimeUpstream
  let harness: RelayHarness
  let drop: () => Promise<void>

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    // Each run gets its own database, so ids restart at 1: clear the counters a previous run left.
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const stale = await redis.keys('tg:quota:*')
    if (stale.length) await redis.del(...stale)
    await redis.quit()
    upstream = startMockRealtimeUpstream()
    harness = await startRelayHarness({ env: { DATABASE_URL: database.url, REDIS_URL: redisUrl! } })
    await harness.setOption('ModelRatio', { 'gpt-realtime': 2 })
    await harness.setOption('CompletionRatio', { 'gpt-realtime': 4 })
    await harness.setOption('CacheRatio', { 'gpt-realtime': 0.1 })
    await harness.setOption('AudioRatio', { 'gpt-realtime': 8 })
    await harness.setOption('AudioCompletionRatio', { 'gpt-realtime': 2 })
    await harness.setOption('PreConsumedQuota', 500)
    await harness.addChannel({ base_url: upstream.url, models: 'gpt-realtime' })
  }, 30_000) // a Postgres database and a server, on a shared machine
  afterAll(async () => {
    await harness?.dispose()
    await upstream?.stop()
    await drop?.()
  })

  test('each response is settled at once; the token runs out after two and the session closes with 1008', async () => {
    const { key, id } = await harness.addToken({ name: 'redis-books', unlimited_quota: false, remain_quota: 9000 })
    const socket = new WebSocket(`${harness.server.url.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`, ['realtime', `openai-insecure-api-key.${key}`])
    const types: string[] = []
    socket.onmessage = (message) => types.push(JSON.parse(String(message.data)).type)
    const closed = new Promise<number>((resolve) => { socket.onclose = (event) => resolve(event.code) })
    const count = (type: string) => types.filter((seen) => seen === type).length
    while (count('session.created') === 0) await Bun.sleep(5)
    for (let round = 1; round <= 2; round++) {
      socket.send(JSON.stringify({ type: 'response.create' }))
      while (count('response.done') < round) await Bun.sleep(5)
    }
    expect(await closed).toBe(1008)
    expect(types.at(-1)).toBe('error')
    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?type=2&token_name=redis-books&page_size=10')).body.data.items as { quota: number }[]
    expect(rows.map((row) => row.quota)).toEqual([4123, 4123])
    const token = (await harness.root.call('GET', `/api/token/${id}`)).body.data
    expect(token.remain_quota).toBe(9000 - 2 * 4123)
  })
})
