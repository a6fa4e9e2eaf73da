import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

let harness: RelayHarness

beforeAll(async () => {
  harness = await startRelayHarness({ upstream: { latencyMs: 20, jitterMs: 30, responseBytes: 120 } })
  await harness.addChannel({ models: 'metered' })
  await harness.setOption('ModelRatio', { metered: 1 })
  await harness.setOption('CompletionRatio', { metered: 2 })
})
afterAll(() => harness.dispose())

async function newUser(name: string, quota: number) {
  await harness.root.call('POST', '/api/user/', { username: name, password: 'password-123', quota })
  return harness.server.signIn(name, 'password-123')
}

const post = (key: string, body: Record<string, unknown>) => fetch(`${harness.server.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'metered', messages: [{ role: 'user', content: 'How much?' }], max_tokens: 60, ...body }),
})

describe('quota under concurrency', () => {
  test('200 concurrent requests on one token never overspend it, and the books balance to the unit', async () => {
    const initialTokenQuota = 20_000
    const user = await newUser('concurrent', 1_000_000)
    const token = await harness.addToken({ unlimited_quota: false, remain_quota: initialTokenQuota }, user)
    const responses = await Promise.all(Array.from({ length: 200 }, (_, index) => post(token.key, { stream: index % 2 === 1 }).then(async (response) => ({ status: response.status, text: await response.text() }))))
    const answered = responses.filter((response) => response.status === 200).length
    const refused = responses.filter((response) => response.status === 403).length
    expect(answered + refused).toBe(200)
    expect(answered).toBeGreaterThan(0)
    expect(refused).toBeGreaterThan(0) // 20 000 units cannot pay for 200 requests reserving ~130 each… and costing ~100

    await harness.server.flushUsage()
    const logged = (await harness.root.call('GET', '/api/log/?username=concurrent&type=2&page_size=1')).body.data.total as number
    expect(logged).toBe(answered)
    let loggedQuota = 0
    for (let page = 1; (page - 1) * 100 < logged; page++) {
      const items = (await harness.root.call('GET', `/api/log/?username=concurrent&type=2&page_size=100&p=${page}`)).body.data.items as { quota: number }[]
      loggedQuota += items.reduce((sum, row) => sum + row.quota, 0)
    }

    const tokenAfter = (await user.call('GET', `/api/token/${token.id}`)).body.data
    const userAfter = (await user.call('GET', '/api/user/self')).body.data
    // Reservations cover the worst case (prompt estimate + max_tokens × completion ratio), so nothing overspends.
    expect(tokenAfter.remain_quota).toBeGreaterThanOrEqual(0)
    expect(initialTokenQuota - tokenAfter.remain_quota).toBe(loggedQuota)
    expect(tokenAfter.used_quota).toBe(loggedQuota)
    expect(1_000_000 - userAfter.quota).toBe(loggedQuota)
    expect(userAfter.used_quota).toBe(loggedQuota)
    expect(userAfter.request_count).toBe(answered)
    expect(harness.server.ledger.pendingForToken(token.id)).toBe(0)
    expect(harness.server.ledger.pendingForUser(user.userId)).toBe(0)
  }, 30_000)

  test('a request that fails upstream refunds its reservation and is logged as an error', async () => {
    const user = await newUser('refunded', 50_000)
    const token = await harness.addToken({ unlimited_quota: true }, user)
    harness.upstream.setOptions({ failureRate: 1, failureStatus: 400 })
    try {
      expect((await post(token.key, {})).status).toBe(400)
    } finally {
      harness.upstream.setOptions({ failureRate: 0 })
    }
    await harness.server.flushUsage()
    expect((await user.call('GET', '/api/user/self')).body.data.quota).toBe(50_000)
    expect(harness.server.ledger.pendingForUser(user.userId)).toBe(0)
    const errorRow = (await harness.root.call('GET', '/api/log/?username=refunded&type=5')).body.data.items[0]
    expect(JSON.parse(errorRow.other)).toMatchObject({ status_code: 400, refunded_reservation: expect.any(Number) })
  })

  test('an exhausted user is refused with insufficient_user_quota', async () => {
    const user = await newUser('broke', 0)
    const token = await harness.addToken({ unlimited_quota: true }, user)
    const response = await post(token.key, {})
    expect(response.status).toBe(403)
    expect((await response.json()).error.code).toBe('insufficient_user_quota')
  })

  test('a client that disconnects mid-stream is billed for what was delivered', async () => {
    const user = await newUser('leaver', 1_000_000)
    const token = await harness.addToken({ unlimited_quota: true }, user)
    harness.upstream.setOptions({ chunkCount: 40, chunkIntervalMs: 25, responseBytes: 800 })
    try {
      const reader = (await post(token.key, { stream: true, max_tokens: 1000 })).body!.getReader()
      await reader.read()
      await reader.read()
      await Bun.sleep(100)
      await reader.cancel()
    } finally {
      harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 0, responseBytes: 120 })
    }
    for (let wait = 0; wait < 50; wait++) {
      await harness.server.flushUsage()
      if ((await harness.root.call('GET', '/api/log/?username=leaver&type=2')).body.data.total === 1) break
      await Bun.sleep(20)
    }
    const row = (await harness.root.call('GET', '/api/log/?username=leaver&type=2')).body.data.items[0]
    expect(JSON.parse(row.other).client_disconnected).toBe(true)
    expect(row.prompt_tokens).toBeGreaterThan(0)
    expect(row.completion_tokens).toBeGreaterThan(0)
    expect(row.completion_tokens).toBeLessThan(200) // 800 bytes ≈ 200 tokens were on offer; far fewer arrived
    expect(row.quota).toBeGreaterThan(0)
  })
})
