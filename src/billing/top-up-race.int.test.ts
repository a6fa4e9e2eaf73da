import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { startMockEasyPay, type MockEasyPay } from '../testing/mock-easypay.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'
import { createSubscriptionJob } from './subscriptions.ts'

const skip = !postgresUrl || !redisUrl
if (skip) console.warn('[tests] top-up race suite skipped: needs TEST_DATABASE_URL and TEST_REDIS_URL')

/** Duplicate credits raced 50 at a time across two gateway nodes on one Postgres: exactly one lands. */
describe.skipIf(skip)('credits race across two nodes', () => {
  let nodes: TestServer[]
  let gateway: MockEasyPay
  let drop: () => Promise<void>
  let root: ApiClient
  const merchant = { pid: '2002', key: 'race-merchant-key' }
  /** The same user signed in on each node. */
  const signedIn: Record<string, ApiClient[]> = {}

  beforeAll(async () => {
    const database = await createPostgresDatabase()
    drop = database.drop
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const stale = await redis.keys('tg:quota:*')
    if (stale.length) await redis.del(...stale)
    await redis.quit()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    nodes = [await startTestServer(shared), await startTestServer(shared)]
    gateway = startMockEasyPay(merchant)
    root = await nodes[0]!.signIn()
    for (const [key, value] of Object.entries({ PayAddress: gateway.url, EpayId: merchant.pid, EpayKey: merchant.key, ServerAddress: nodes[0]!.url })) {
      expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
    }
    for (const name of ['alice', 'bob']) {
      await root.call('POST', '/api/user/', { username: name, password: 'password-123' })
      signedIn[name] = await Promise.all(nodes.map((node) => node.signIn(name, 'password-123')))
    }
  }, 30_000)
  afterAll(async () => {
    for (const node of nodes ?? []) await node.dispose()
    await gateway?.stop()
    await drop?.()
  })

  const quotaOf = async (name: string) => (await signedIn[name]![0]!.call('GET', '/api/user/self')).body.data.quota as number

  test('one code redeemed 50 times at once by two users on two nodes credits exactly once', async () => {
    const [key] = (await root.call('POST', '/api/redemption/', { name: 'race', count: 1, quota: 777_000 })).body.data as string[]
    const answers = await Promise.all(Array.from({ length: 50 }, (_, index) =>
      signedIn[index % 4 < 2 ? 'alice' : 'bob']![index % 2]!.call('POST', '/api/user/topup', { key })))
    const winners = answers.filter((answer) => answer.body.success)
    expect(winners).toHaveLength(1)
    expect(answers.filter((answer) => answer.body.message === 'This redemption code has already been used')).toHaveLength(49)
    const total = (await quotaOf('alice')) + (await quotaOf('bob'))
    expect(total).toBe(777_000)
    const credits = (await root.call('GET', '/api/log/?type=1&page_size=100')).body.data
    expect(credits.total).toBe(1)
  }, 30_000)

  test('one paid order notified 50 times at once on two nodes credits exactly once', async () => {
    const alice = signedIn.alice![0]!
    const before = await quotaOf('alice')
    const pay = await alice.call('POST', '/api/user/pay', { amount: 4, payment_method: 'alipay' })
    expect(pay.body.message).toBe('success')
    await fetch(pay.body.url, { method: 'POST', body: new URLSearchParams(pay.body.data) })
    const order = gateway.orders.at(-1)!
    // Half the callbacks go to the other node.
    const notifyUrls = nodes.map((node) => `${node.url}/api/user/epay/notify`)
    const replies = await Promise.all(Array.from({ length: 50 }, (_, index) =>
      gateway.callback({ ...order, fields: { ...order.fields, notify_url: notifyUrls[index % 2]! }, replies: [] })))
    expect(replies.every((reply) => reply === 'success')).toBe(true)
    expect(await quotaOf('alice')).toBe(before + 4 * 500_000)
    const credits = (await root.call('GET', '/api/log/?type=1&username=alice&page_size=100')).body.data.items
      .filter((row: { other: string }) => row.other.includes(order.fields.out_trade_no!))
    expect(credits).toHaveLength(1)
  }, 30_000)

  test('a credit on one node moves the shared Redis counter, so the other node can spend it', async () => {
    const userId = signedIn.alice![0]!.userId
    const before = await quotaOf('alice')
    // A reservation on node 2 creates the user's shared counter from the database value; settling at 0 frees it.
    const reservation = await nodes[1]!.ledger.reserve({ userId, userQuota: before, tokenId: 999_999, tokenQuota: 0, unlimitedToken: true, amount: 1 })
    expect(typeof reservation).toBe('object')
    nodes[1]!.ledger.settle(reservation as never, 0)
    const [key] = (await root.call('POST', '/api/redemption/', { name: 'counter', count: 1, quota: 1234 })).body.data as string[]
    expect((await signedIn.alice![0]!.call('POST', '/api/user/topup', { key })).body.data).toBe(1234)
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    let persisted = ''
    for (let wait = 0; wait < 100; wait++) {
      persisted = (await redis.hget(`tg:quota:u:${userId}`, 'p')) ?? ''
      if (persisted === String(before + 1234)) break
      await Bun.sleep(10)
    }
    await redis.quit()
    expect(persisted).toBe(String(before + 1234))
    // And node 2 may now reserve the whole new balance.
    const all = await nodes[1]!.ledger.reserve({ userId, userQuota: 0, tokenId: 999_999, tokenQuota: 0, unlimitedToken: true, amount: before + 1234 })
    expect(typeof all).toBe('object')
    nodes[1]!.ledger.settle(all as never, 0)
  })

  test('a subscription boundary run by both nodes at once is granted once', async () => {
    const plan = (await root.call('POST', '/api/plan/', { name: 'race plan', price: 1, period_days: 2, grant_every: 'day', quota: 50_000 })).body.data
    const bob = signedIn.bob![0]!
    const pay = await bob.call('POST', '/api/subscription/pay', { plan_id: plan.id, payment_method: 'alipay' })
    await fetch(pay.body.url, { method: 'POST', body: new URLSearchParams(pay.body.data) })
    expect(await gateway.callback(gateway.orders.at(-1)!)).toBe('success')
    const before = await quotaOf('bob')
    const [subscription] = (await bob.call('GET', '/api/subscription/self')).body.data
    const jobs = nodes.map((node) => createSubscriptionJob({ store: node.store, caches: node.caches, log: () => {} }))
    // Both nodes, five times each, at the day-1 boundary.
    const steps = await Promise.all(Array.from({ length: 10 }, (_, index) => jobs[index % 2]!.runDue(subscription.next_renewal)))
    expect(steps.reduce((sum, count) => sum + count, 0)).toBe(1)
    // Nothing was spent: the fresh grant replaces the unused one, the balance is unchanged.
    expect(await quotaOf('bob')).toBe(before)
    const grants = (await root.call('GET', '/api/log/?type=1&username=bob&page_size=100')).body.data.items.filter((row: { other: string }) => row.other.includes('"source":"plan"'))
    expect(grants).toHaveLength(2)
  }, 30_000)
})
