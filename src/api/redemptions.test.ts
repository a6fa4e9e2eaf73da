import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'
import { normaliseRedemptionKey } from './redemptions.ts'

let server: TestServer
let root: ApiClient
let user: ApiClient

beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
  await root.call('POST', '/api/user/', { username: 'wallet', password: 'password-123' })
  user = await server.signIn('wallet', 'password-123')
})
afterAll(() => server.dispose())

const quotaOf = async (client: ApiClient) => (await client.call('GET', '/api/user/self')).body.data.quota as number

describe('redemption codes', () => {
  test('a batch of codes: 32 hex keys, listed, searched by name prefix and id', async () => {
    const created = await root.call('POST', '/api/redemption/', { name: 'launch', count: 3, quota: 250_000 })
    expect(created.body.success).toBe(true)
    const keys = created.body.data as string[]
    expect(keys).toHaveLength(3)
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{32}$/)
    expect(new Set(keys).size).toBe(3)
    const list = (await root.call('GET', '/api/redemption/?p=1&page_size=2')).body.data
    expect([list.total, list.items.length, list.page, list.page_size]).toEqual([3, 2, 1, 2])
    expect(list.items[0]).toMatchObject({ name: 'launch', quota: 250_000, status: 1, used_user_id: 0, expired_time: 0, user_id: root.userId })
    const byName = (await root.call('GET', '/api/redemption/search?keyword=lau')).body.data
    expect(byName.total).toBe(3)
    const one = list.items[1]
    expect((await root.call('GET', `/api/redemption/search?keyword=${one.id}`)).body.data.items.map((row: { id: number }) => row.id)).toContain(one.id)
    expect((await root.call('GET', `/api/redemption/${one.id}`)).body.data.key).toBe(one.key)
  })

  test('bad batches are refused with the reason', async () => {
    expect((await root.call('POST', '/api/redemption/', { name: 'many', count: 101, quota: 1 })).body.message).toContain('count')
    expect((await root.call('POST', '/api/redemption/', { name: '', count: 1, quota: 1 })).body.message).toContain('name')
    expect((await root.call('POST', '/api/redemption/', { name: 'x'.repeat(21), count: 1, quota: 1 })).body.message).toContain('name')
    expect((await root.call('POST', '/api/redemption/', { name: 'past', count: 1, quota: 1, expired_time: 1000 })).body.message).toContain('future')
    expect((await root.call('POST', '/api/redemption/', { name: 'zero', count: 1, quota: 0 })).body.message).toContain('quota')
  })

  test('users cannot manage codes', async () => {
    const refused = await user.call('GET', '/api/redemption/')
    expect([refused.status, refused.body.success]).toEqual([403, false])
    expect((await user.call('POST', '/api/redemption/', { name: 'mine', count: 1, quota: 1 })).status).toBe(403)
  })

  test('redeem credits once, writes a type-1 log row, and tells why a code fails', async () => {
    const [key] = (await root.call('POST', '/api/redemption/', { name: 'gift', count: 1, quota: 500_000 })).body.data as string[]
    const before = await quotaOf(user)
    // Spaces, line breaks and upper case are forgiven.
    const typed = `  ${key!.slice(0, 16).toUpperCase()} \n${key!.slice(16)} `
    const redeemed = await user.call('POST', '/api/user/topup', { key: typed })
    expect(redeemed.body).toEqual({ success: true, message: '', data: 500_000 })
    expect(await quotaOf(user)).toBe(before + 500_000)
    const again = await user.call('POST', '/api/user/topup', { key })
    expect([again.body.success, again.body.message]).toEqual([false, 'This redemption code has already been used'])
    expect(await quotaOf(user)).toBe(before + 500_000)
    expect((await user.call('POST', '/api/user/topup', { key: 'not-a-code' })).body.message).toBe('Unknown redemption code')
    expect((await user.call('POST', '/api/user/topup', { key: 'f'.repeat(32) })).body.message).toBe('Unknown redemption code')
    const logs = (await user.call('GET', '/api/log/self?type=1')).body.data.items
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ type: 1, quota: 500_000 })
    expect(logs[0].content).toContain('gift')
    const row = (await root.call('GET', `/api/redemption/search?keyword=gift`)).body.data.items[0]
    expect(row).toMatchObject({ status: 3, used_user_id: user.userId })
    expect(row.redeemed_time).toBeGreaterThan(0)
  })

  test('disabled and expired codes are refused with their reason; edit, enable and delete invalid', async () => {
    const [disabledKey, expiringKey] = (await root.call('POST', '/api/redemption/', { name: 'states', count: 2, quota: 1000, expired_time: Math.floor(Date.now() / 1000) + 3600 })).body.data as string[]
    const rows = (await root.call('GET', '/api/redemption/search?keyword=states')).body.data.items as { id: number; key: string }[]
    const disabled = rows.find((row) => row.key === disabledKey)!
    const expiring = rows.find((row) => row.key === expiringKey)!
    expect((await root.call('PUT', '/api/redemption/?status_only=true', { id: disabled.id, status: 2 })).body.data.status).toBe(2)
    expect((await user.call('POST', '/api/user/topup', { key: disabledKey })).body.message).toBe('This redemption code is disabled')
    // Expire one by hand in the database (an edit may only set a future expiry).
    await server.store.redemptions.update(expiring.id, { expiredTime: Math.floor(Date.now() / 1000) - 10 })
    expect((await user.call('POST', '/api/user/topup', { key: expiringKey })).body.message).toBe('This redemption code has expired')
    const edited = await root.call('PUT', '/api/redemption/', { id: disabled.id, name: 'renamed', quota: 2000, expired_time: 0 })
    expect(edited.body.data).toMatchObject({ name: 'renamed', quota: 2000, expired_time: 0, status: 2 })
    expect((await root.call('PUT', '/api/redemption/?status_only=true', { id: disabled.id, status: 3 })).body.success).toBe(false)
    const removed = await root.call('DELETE', '/api/redemption/invalid')
    // The used "gift" code, the disabled one and the expired one.
    expect(removed.body.data).toBe(3)
    expect((await root.call('GET', `/api/redemption/${disabled.id}`)).status).toBe(404)
    const launch = (await root.call('GET', '/api/redemption/search?keyword=launch')).body.data.items[0]
    expect((await root.call('DELETE', `/api/redemption/${launch.id}`)).body.success).toBe(true)
    expect((await root.call('DELETE', `/api/redemption/${launch.id}`)).status).toBe(404)
  })

  test('normalisation keeps only 32 hex characters', () => {
    expect(normaliseRedemptionKey(' AB CD'.padEnd(34, 'e'))).toBe('abcd' + 'e'.repeat(28))
    expect(normaliseRedemptionKey('g'.repeat(32))).toBeUndefined()
    expect(normaliseRedemptionKey('a'.repeat(31))).toBeUndefined()
  })
})
