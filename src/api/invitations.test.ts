import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { anonymous, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

let server: TestServer
let root: ApiClient

beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
  await root.call('PUT', '/api/option/', { key: 'QuotaForInviter', value: '300000' })
  await root.call('PUT', '/api/option/', { key: 'QuotaForInvitee', value: '100000' })
  await root.call('PUT', '/api/option/', { key: 'QuotaForNewUser', value: '5' })
})
afterAll(() => server.dispose())

const register = (username: string, aff?: { body?: string; query?: string }) =>
  anonymous(server).call('POST', `/api/user/register${aff?.query ? `?aff=${aff.query}` : ''}`, { username, password: 'password-123', ...(aff?.body ? { aff_code: aff.body } : {}) })

describe('invitations', () => {
  test('a code per user; registering with it rewards both sides, by body or ?aff=', async () => {
    await root.call('POST', '/api/user/', { username: 'inviter', password: 'password-123' })
    const inviter = await server.signIn('inviter', 'password-123')
    const code = (await inviter.call('GET', '/api/user/aff')).body.data as string
    expect(code).toMatch(/^[A-Za-z0-9]{10}$/)
    expect((await inviter.call('GET', '/api/user/aff')).body.data).toBe(code)
    expect((await register('friend-one', { body: code })).body.success).toBe(true)
    expect((await register('friend-two', { query: code })).body.success).toBe(true)
    // An unknown code does not stop a registration, and rewards nobody.
    expect((await register('stranger', { body: 'nope' })).body.success).toBe(true)
    const friend = (await (await server.signIn('friend-one', 'password-123')).call('GET', '/api/user/self')).body.data
    expect(friend).toMatchObject({ quota: 100_005, inviter_id: inviter.userId })
    const stranger = (await (await server.signIn('stranger', 'password-123')).call('GET', '/api/user/self')).body.data
    expect(stranger).toMatchObject({ quota: 5, inviter_id: 0 })
    const self = (await inviter.call('GET', '/api/user/self')).body.data
    expect(self).toMatchObject({ aff_code: code, aff_count: 2, aff_quota: 600_000, aff_history_quota: 600_000, quota: 5 })
    const welcome = (await (await server.signIn('friend-one', 'password-123')).call('GET', '/api/log/self?type=1')).body.data.items
    expect(welcome.map((row: { quota: number }) => row.quota)).toEqual([100_000])
  })

  test('rewards move into the balance once, with a log row; not more than waits, not below one unit', async () => {
    const inviter = await server.signIn('inviter', 'password-123')
    expect((await inviter.call('POST', '/api/user/aff_transfer', { quota: 100 })).body.message).toContain('smallest transfer')
    expect((await inviter.call('POST', '/api/user/aff_transfer', { quota: 700_000 })).body.message).toBe('You have fewer invitation rewards than that')
    const answers = await Promise.all(Array.from({ length: 5 }, () => inviter.call('POST', '/api/user/aff_transfer', { quota: 500_000 })))
    expect(answers.filter((answer) => answer.body.success)).toHaveLength(1)
    const self = (await inviter.call('GET', '/api/user/self')).body.data
    expect(self).toMatchObject({ quota: 500_005, aff_quota: 100_000, aff_history_quota: 600_000 })
    const logs = (await inviter.call('GET', '/api/log/self?type=1')).body.data.items
    expect(logs).toHaveLength(1)
    expect(JSON.parse(logs[0].other)).toEqual({ source: 'invitation', detail: 'aff_transfer' })
  })

  test('the reward options are validated', async () => {
    expect((await root.call('PUT', '/api/option/', { key: 'QuotaForInviter', value: '-1' })).body.success).toBe(false)
  })
})
