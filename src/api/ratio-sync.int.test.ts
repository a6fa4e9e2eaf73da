import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startTestServer, type TestServer } from '../testing/server.ts'

const skipReason = !postgresUrl || !redisUrl ? 'needs TEST_DATABASE_URL and TEST_REDIS_URL' : undefined
if (skipReason) console.warn(`[tests] two-node price sync suite skipped: ${skipReason}`)

describe.skipIf(Boolean(skipReason))('price sync applied on one node of two (Postgres, Redis)', () => {
  let first: TestServer
  let second: TestServer
  let drop: () => Promise<void>

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    first = await startTestServer(shared)
    second = await startTestServer(shared)
  }, 30_000)
  afterAll(async () => {
    await first?.dispose()
    await second?.dispose()
    await drop?.()
  })

  test('every map of one apply is written in one transaction and the other node prices with it within a second', async () => {
    const root = await first.signIn()
    const applied = await root.call('POST', '/api/ratio_sync/apply', { changes: [
      { model: 'sync-int-model', field: 'model_ratio', value: 3 },
      { model: 'sync-int-model', field: 'completion_ratio', value: 2 },
      { model: 'dall-e-3', field: 'model_price', value: 0.05 },
    ] })
    expect(applied.body.success).toBe(true)
    const deadline = Date.now() + 1000
    while (Date.now() < deadline && second.caches.options.modelRatio['sync-int-model'] !== 3) await Bun.sleep(10)
    expect([second.caches.options.modelRatio['sync-int-model'], second.caches.options.completionRatio['sync-int-model'], second.caches.options.modelPrice['dall-e-3']]).toEqual([3, 2, 0.05])
  })
})
