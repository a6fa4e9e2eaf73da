import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startTestServer, type TestServer } from '../testing/server.ts'

const skipReason = !postgresUrl || !redisUrl ? 'needs TEST_DATABASE_URL and TEST_REDIS_URL' : undefined
if (skipReason) console.warn(`[tests] two-node invalidation suite skipped: ${skipReason}`)

async function eventually(check: () => boolean, withinMs: number) {
  const deadline = Date.now() + withinMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await Bun.sleep(10)
  }
  return true
}

describe.skipIf(Boolean(skipReason))('two nodes on one Postgres and one Redis', () => {
  let first: TestServer
  let second: TestServer
  let drop: () => Promise<void>

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    first = await startTestServer(shared)
    second = await startTestServer(shared)
    // Two servers migrating a fresh Postgres take more than the default 5 s hook time on a loaded machine.
  }, 30_000)
  afterAll(async () => {
    await first?.dispose()
    await second?.dispose()
    await drop?.()
  })

  test('a token created and then disabled through one node is seen by the other within one second', async () => {
    const root = await first.signIn()
    const id = (await root.call('POST', '/api/token/', { name: 'shared', unlimited_quota: true })).body.data.id
    expect(await eventually(() => second.caches.token(id)?.status === 1, 1000)).toBe(true)
    const started = Date.now()
    await root.call('PUT', '/api/token/?status_only=true', { id, status: 2 })
    expect(await eventually(() => second.caches.token(id)?.status === 2, 1000)).toBe(true)
    console.log(`[tests] disable propagated to the second node in ${Date.now() - started} ms`)
  })

  test('the other node\'s relay refuses a key disabled through this one within one second', async () => {
    const root = await first.signIn()
    const id = (await root.call('POST', '/api/token/', { name: 'relay-shared', unlimited_quota: true })).body.data.id
    const key = (await root.call('POST', `/api/token/${id}/key`)).body.data.key
    const models = () => fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer sk-${key}` } }).then((response) => response.status)
    // The new key reaches the second node as fast as Redis delivers (ms), or by its resync on a loaded machine.
    let status = 0
    for (const until = Date.now() + 5000; Date.now() < until && status !== 200; await Bun.sleep(20)) status = await models()
    expect(status).toBe(200)
    await root.call('PUT', '/api/token/?status_only=true', { id, status: 2 })
    const deadline = Date.now() + 1000
    while (Date.now() < deadline && status !== 401) status = await models()
    expect(status).toBe(401)
  })

  test('a session cookie from one node is valid on the other (shared secrets)', async () => {
    const root = await first.signIn()
    const cookieRoot = await second.signIn()
    expect((await cookieRoot.call('GET', '/api/user/self')).body.data.username).toBe('root')
    expect(root.userId).toBe(cookieRoot.userId)
  })

  test('channel and option changes reach the other node', async () => {
    const root = await second.signIn()
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'shared', key: 'k', models: 'shared-model', group: 'default' } })
    expect(await eventually(() => first.caches.routing.tiers.get('default')?.has('shared-model') === true, 1000)).toBe(true)
    await root.call('PUT', '/api/option/', { key: 'RetryTimes', value: '4' })
    expect(await eventually(() => first.caches.options.retryTimes === 4, 1000)).toBe(true)
  })
})
