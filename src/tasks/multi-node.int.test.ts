import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startMockMidjourney, type MockTaskUpstream } from '../testing/mock-task-upstreams.ts'
import { startTestServer, type TestServer } from '../testing/server.ts'

const skip = !postgresUrl || !redisUrl
if (skip) console.warn('[tests] multi-node task poller suite skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL')

/** Two gateway nodes on one Postgres and one Redis: exactly one polls, and another takes over when it goes. */
describe.skipIf(skip)('the task poller across nodes', () => {
  let proxy: MockTaskUpstream
  let nodes: TestServer[]
  let drop: () => Promise<void>
  let key: string
  let shared: Record<string, string>

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    proxy = await startMockMidjourney({ keys: ['mj-key'], stepMs: 150 })
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const stale = [...await redis.keys('tg:quota:*'), ...await redis.keys('tg:task-poller:*')]
    if (stale.length) await redis.del(...stale)
    await redis.quit()
    shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests', LOG_FLUSH_INTERVAL_MS: '50', TASK_POLL_INTERVAL_MS: '50' }
    nodes = [await startTestServer(shared), await startTestServer(shared)]
    const root = await nodes[0]!.signIn()
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 2, name: 'proxy', key: 'mj-key', base_url: proxy.url, models: 'mj_imagine' } })
    const tokenId = (await root.call('POST', '/api/token/', { name: 'mj', unlimited_quota: true })).body.data.id
    key = `sk-${(await root.call('POST', `/api/token/${tokenId}/key`)).body.data.key}`
    for (let wait = 0; wait < 200 && !(nodes[1]!.caches.token(tokenId) && nodes[1]!.caches.routing.tiers.get('default')?.has('mj_imagine')); wait++) await Bun.sleep(10)
  }, 60_000)
  afterAll(async () => {
    for (const node of nodes ?? []) await node.dispose()
    await proxy?.stop()
    await drop?.()
  })

  const imagine = async (node: TestServer, prompt: string) => {
    const response = await fetch(`${node.url}/mj/submit/imagine`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) })
    return ((await response.json()) as { result: string }).result
  }
  const statusOn = async (node: TestServer, id: string) =>
    ((await (await fetch(`${node.url}/mj/task/${id}/fetch`, { headers: { authorization: `Bearer ${key}` } })).json()) as { status: string }).status
  async function untilStatus(node: TestServer, id: string, status: string) {
    for (let attempt = 0; attempt < 400; attempt++) {
      if (await statusOn(node, id) === status) return
      await Bun.sleep(25)
    }
    throw new Error(`task ${id} never reached ${status}`)
  }

  test('one node polls; when it stops mid-task the other takes over and finishes the task', async () => {
    const first = await imagine(nodes[0]!, 'first')
    await untilStatus(nodes[1]!, first, 'SUCCESS')
    const rounds = nodes.map((node) => node.tasks.poller.stats().rounds)
    expect(rounds.filter((count) => count > 0)).toHaveLength(1)
    const polling = rounds[0]! > 0 ? 0 : 1
    const other = 1 - polling

    const second = await imagine(nodes[polling]!, 'second')
    expect(await statusOn(nodes[other]!, second)).not.toBe('SUCCESS')
    await nodes[polling]!.dispose()
    const survivor = nodes[other]!
    nodes = [survivor]
    await untilStatus(survivor, second, 'SUCCESS')
    expect(survivor.tasks.poller.stats().rounds).toBeGreaterThan(0)

    // A restart mid-task: the last node stops with a task still running; a new node on the same database and Redis
    // resumes polling it (the lease of the stopped node is given back at shutdown).
    const third = await imagine(survivor, 'third')
    await survivor.dispose()
    nodes = [await startTestServer(shared)]
    await untilStatus(nodes[0]!, third, 'SUCCESS')
  }, 60_000)
})
