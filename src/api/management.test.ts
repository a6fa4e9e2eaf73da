import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { anonymous, startTestServer, ROOT_PASSWORD, type ApiClient, type TestServer } from '../testing/server.ts'
import { verifySession } from '../testing/secure-verification.ts'

let server: TestServer
let root: ApiClient

beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
})
afterAll(() => server.dispose())

async function createUser(username: string, role?: number) {
  const created = await root.call('POST', '/api/user/', { username, password: 'password-123', role })
  expect(created.body.success).toBe(true)
  return server.signIn(username, 'password-123')
}

describe('accounts', () => {
  test('status answers without authentication', async () => {
    const status = await anonymous(server).call('GET', '/api/status')
    expect(status.status).toBe(200)
    expect(status.body.data.quota_per_unit).toBe(500000)
  })

  test('root created from INITIAL_ROOT_PASSWORD does not have to change it', async () => {
    const self = await root.call('GET', '/api/user/self')
    expect(self.body.data).toMatchObject({ username: 'root', role: 100, must_change_password: false })
  })

  test('the session cookie is HttpOnly and SameSite=Lax', async () => {
    const login = await anonymous(server).call('POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD })
    expect(login.headers.get('set-cookie')).toMatch(/^session=.+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax/)
  })

  test('wrong password is refused, then the address is slowed and locked out', async () => {
    // Its own server: the lock-out is per address and every test here comes from 127.0.0.1.
    const isolated = await startTestServer()
    const guest = anonymous(isolated)
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await guest.call('POST', '/api/user/login', { username: 'root', password: 'nope' })).body).toEqual({ success: false, message: 'Incorrect username or password' })
    }
    // Attempts 6-10 are delayed (250 ms doubling); the 11th is refused outright with Retry-After.
    const started = Date.now()
    await guest.call('POST', '/api/user/login', { username: 'root', password: 'nope' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    for (let attempt = 0; attempt < 4; attempt++) await guest.call('POST', '/api/user/login', { username: 'root', password: 'nope' })
    const locked = await guest.call('POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD })
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(locked.body.success).toBe(false)
    await isolated.dispose()
  }, 20_000)

  test('access tokens work as Authorization with or without Bearer; New-Api-User must match', async () => {
    const user = await createUser('scripter')
    const pat = (await user.call('GET', '/api/user/token')).body.data as string
    expect(pat.length).toBeGreaterThanOrEqual(32)
    const guest = anonymous(server)
    expect((await guest.call('GET', '/api/user/self', undefined, { authorization: pat })).body.data.username).toBe('scripter')
    expect((await guest.call('GET', '/api/user/self', undefined, { authorization: `Bearer ${pat}`, 'new-api-user': String(user.userId) })).body.data.username).toBe('scripter')
    const mismatch = await guest.call('GET', '/api/user/self', undefined, { authorization: pat, 'new-api-user': '1' })
    expect(mismatch.status).toBe(401)
    const unknown = await guest.call('GET', '/api/user/self', undefined, { authorization: 'not-a-token' })
    expect([unknown.status, unknown.body.success]).toEqual([401, false])
    // A new token replaces the old one.
    await user.call('GET', '/api/user/token')
    expect((await guest.call('GET', '/api/user/self', undefined, { authorization: pat })).status).toBe(401)
  })

  test('every admin route refuses a common user with 403', async () => {
    const user = await createUser('plain')
    for (const [method, path] of [['GET', '/api/user/'], ['GET', '/api/channel/'], ['GET', '/api/option/'], ['POST', '/api/user/manage'], ['GET', '/api/group']]) {
      const response = await user.call(method!, path!, method === 'POST' ? { id: 1, action: 'disable' } : undefined)
      expect([path, response.status, response.body.success]).toEqual([path, 403, false])
    }
    const admin = await createUser('admin-one', 10)
    expect((await admin.call('GET', '/api/option/')).status).toBe(403)
    expect((await admin.call('GET', '/api/user/')).status).toBe(200)
  })

  test('admins cannot manage users of equal or higher role; root can promote', async () => {
    const admin = await createUser('admin-two', 10)
    const target = (await root.call('GET', '/api/user/search?keyword=admin-one')).body.data.items[0]
    const refused = await admin.call('POST', '/api/user/manage', { id: target.id, action: 'disable' })
    expect([refused.status, refused.body.message]).toEqual([403, 'You cannot manage a user whose role is equal to or higher than yours'])
    const common = (await root.call('GET', '/api/user/search?keyword=plain')).body.data.items[0]
    const promoted = await root.call('POST', '/api/user/manage', { id: common.id, action: 'promote' })
    expect(promoted.body.data.role).toBe(10)
    expect((await root.call('POST', '/api/user/manage', { id: common.id, action: 'demote' })).body.data.role).toBe(1)
    const quota = await admin.call('POST', '/api/user/manage', { id: common.id, action: 'add_quota', value: 500, mode: 'add' })
    expect(quota.body.data.quota).toBe(500)
  })

  test('a disabled user is signed out everywhere', async () => {
    const user = await createUser('to-disable')
    await root.call('POST', '/api/user/manage', { id: user.userId, action: 'disable' })
    const refused = await user.call('GET', '/api/user/self')
    expect([refused.status, refused.body.code]).toEqual([401, 'AUTH_USER_DISABLED'])
  })

  test('duplicate usernames get a clear message', async () => {
    const duplicate = await root.call('POST', '/api/user/', { username: 'root', password: 'password-123' })
    expect([duplicate.status, duplicate.body]).toEqual([400, { success: false, message: 'That username is already taken', code: 'duplicate_username' }])
  })

  test('changing the password needs the current one and ends other sessions', async () => {
    const user = await createUser('changer')
    const other = await server.signIn('changer', 'password-123')
    expect((await user.call('PUT', '/api/user/self', { password: 'new-password-1', original_password: 'wrong' })).body.message).toBe('The current password is incorrect')
    const changed = await user.call('PUT', '/api/user/self', { password: 'new-password-1', original_password: 'password-123' })
    expect(changed.body.success).toBe(true)
    expect((await other.call('GET', '/api/user/self')).status).toBe(401)
    await server.signIn('changer', 'new-password-1')
  })
})

describe('bad input', () => {
  test('malformed JSON is a 400 envelope', async () => {
    const response = await root.call('POST', '/api/token/', '{"name": ')
    expect(response.status).toBe(400)
    expect(response.body).toEqual({ success: false, message: 'The request body is not valid JSON', code: 'invalid_json' })
  })

  test('a wrong type names the field', async () => {
    const response = await root.call('POST', '/api/token/', { name: 'x', remain_quota: 'lots' })
    expect(response.status).toBe(400)
    expect(response.body.message).toContain('"remain_quota"')
  })

  test('unknown ids are 404 with the envelope', async () => {
    for (const path of ['/api/token/999999', '/api/channel/999999', '/api/user/999999']) {
      const response = await root.call('GET', path)
      expect([response.status, response.body.success]).toEqual([404, false])
    }
  })

  test('an oversize body is refused with 413', async () => {
    const small = await startTestServer({ MAX_REQUEST_BODY_MB: '1' })
    try {
      const client = await small.signIn()
      const response = await client.call('POST', '/api/token/', { name: 'x', model_limits: 'm'.repeat(2 * 1024 * 1024) })
      expect(response.status).toBe(413)
    } finally {
      await small.dispose()
    }
  })
})

describe('tokens', () => {
  test('create, list masked, read the full key, update, delete', async () => {
    const created = await root.call('POST', '/api/token/', { name: 'ci', remain_quota: 1000, expired_time: -1, model_limits_enabled: true, model_limits: 'gpt-4o, gpt-4o-mini', allow_ips: '10.0.0.0/8\n192.168.1.1', group: '' })
    expect(created.body.success).toBe(true)
    const id = created.body.data.id
    const listed = await root.call('GET', '/api/token/?p=1&size=10')
    const item = listed.body.data.items.find((token: { id: number }) => token.id === id)
    expect(item.key).toMatch(/^[0-9a-zA-Z]{4}\*{10}[0-9a-zA-Z]{4}$/)
    expect(item.model_limits).toBe('gpt-4o,gpt-4o-mini')
    const key = (await root.call('POST', `/api/token/${id}/key`)).body.data.key
    expect(key).toMatch(/^[0-9a-zA-Z]{48}$/)
    expect(key.slice(0, 4) + '**********' + key.slice(-4)).toBe(item.key)
    expect((await root.call('GET', `/api/token/search?token=sk-${key}`)).body.data.items[0].id).toBe(id)
    const updated = await root.call('PUT', '/api/token/', { id, name: 'ci-renamed', remain_quota: 2000 })
    expect(updated.body.data).toMatchObject({ name: 'ci-renamed', remain_quota: 2000 })
    const statusOnly = await root.call('PUT', '/api/token/?status_only=true', { id, status: 2, name: 'ignored' })
    expect(statusOnly.body.data).toMatchObject({ status: 2, name: 'ci-renamed' })
    expect((await root.call('DELETE', `/api/token/${id}`)).body.success).toBe(true)
    expect((await root.call('GET', `/api/token/${id}`)).status).toBe(404)
  })

  test('a user never sees or changes another user\'s tokens', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const id = (await alice.call('POST', '/api/token/', { name: 'mine' })).body.data.id
    expect((await bob.call('GET', `/api/token/${id}`)).status).toBe(404)
    expect((await bob.call('POST', `/api/token/${id}/key`)).status).toBe(404)
    expect((await bob.call('PUT', '/api/token/', { id, name: 'stolen' })).status).toBe(404)
    expect((await bob.call('DELETE', `/api/token/${id}`)).status).toBe(404)
    expect((await bob.call('GET', '/api/token/')).body.data.total).toBe(0)
    expect((await alice.call('GET', `/api/token/${id}`)).body.data.name).toBe('mine')
  })

  test('validation: bad IP list, unusable group, enabling an expired token', async () => {
    expect((await root.call('POST', '/api/token/', { name: 'x', allow_ips: '10.0.0.0/99' })).body.message).toBe('allow_ips: "10.0.0.0/99" has an invalid prefix length')
    expect((await root.call('POST', '/api/token/', { name: 'x', group: 'nonexistent' })).body.message).toBe('group "nonexistent" is not a group you may use')
    const id = (await root.call('POST', '/api/token/', { name: 'old', expired_time: 1000 })).body.data.id
    const enable = await root.call('PUT', '/api/token/?status_only=true', { id, status: 1 })
    expect(enable.body.message).toContain('expired')
    expect((await root.call('POST', '/api/token/', { name: 'n'.repeat(51) })).body.message).toContain('"name"')
  })
})

describe('channels', () => {
  const channel = { type: 1, name: 'openai', key: 'sk-upstream-1', base_url: 'https://api.openai.com', models: 'gpt-4o,gpt-4o-mini', group: 'default', priority: 0, weight: 1 }
  // Reading a channel key needs a fresh verification of the session (src/api/secure-verification.test.ts):
  // root turns 2FA on for these tests and off afterwards.
  let backupCodes: string[] = []
  beforeAll(async () => { backupCodes = await verifySession(root) })
  afterAll(() => root.call('POST', '/api/user/2fa/disable', { code: backupCodes[0] }))

  test('single mode creates one channel; the key is never returned', async () => {
    const created = await root.call('POST', '/api/channel/', { mode: 'single', channel })
    expect(created.body.success).toBe(true)
    expect(created.body.data).toHaveLength(1)
    const id = created.body.data[0].id
    const fetched = await root.call('GET', `/api/channel/${id}`)
    expect(fetched.body.data).toMatchObject({ name: 'openai', models: 'gpt-4o,gpt-4o-mini', status: 1 })
    expect(JSON.stringify(fetched.body)).not.toContain('sk-upstream-1')
    expect((await root.call('POST', `/api/channel/${id}/key`)).body.data.key).toBe('sk-upstream-1')
    expect(server.caches.routing.byId.get(id)?.keys).toEqual(['sk-upstream-1'])
  })

  test('batch mode makes one channel per key line; multi_to_single one multi-key channel', async () => {
    const batch = await root.call('POST', '/api/channel/', { mode: 'batch', channel: { ...channel, name: 'batch', key: 'k1\nk2\nk3' } })
    expect(batch.body.data.map((row: { name: string }) => row.name)).toEqual(['batch', 'batch', 'batch'])
    const multi = await root.call('POST', '/api/channel/', { mode: 'multi_to_single', multi_key_mode: 'polling', channel: { ...channel, name: 'multi', key: 'm1\nm2' } })
    expect(multi.body.data[0].channel_info).toMatchObject({ is_multi_key: true, multi_key_size: 2, multi_key_mode: 'polling' })
    expect(server.caches.routing.byId.get(multi.body.data[0].id)?.keys).toEqual(['m1', 'm2'])
    // Old scripts send the bare channel: batch mode.
    const bare = await root.call('POST', '/api/channel/', { ...channel, name: 'bare', key: 'b1\nb2' })
    expect(bare.body.data).toHaveLength(2)
  })

  test('list pages, filters and counts types; search by model', async () => {
    await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, type: 14, name: 'claude', models: 'claude-sonnet-4-5', group: 'vip' } })
    const listed = await root.call('GET', '/api/channel/?p=1&page_size=2')
    expect(listed.body.data).toMatchObject({ page: 1, page_size: 2 })
    expect(listed.body.data.items).toHaveLength(2)
    expect(listed.body.data.type_counts['14']).toBe(1)
    const vip = await root.call('GET', '/api/channel/?group=vip')
    expect(vip.body.data.items.map((row: { name: string }) => row.name)).toEqual(['claude'])
    expect((await root.call('GET', '/api/channel/search?model=claude')).body.data.total).toBe(1)
    expect((await root.call('GET', '/api/channel/?type=14')).body.data.total).toBe(1)
  })

  test('update keeps the key when none is sent; JSON fields are validated before saving', async () => {
    const id = (await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, name: 'to-edit' } })).body.data[0].id
    const bad = await root.call('PUT', '/api/channel/', { id, model_mapping: '{"gpt-4o": ' })
    expect(bad.body.message).toStartWith('model_mapping is not valid JSON')
    const badCodes = await root.call('PUT', '/api/channel/', { id, status_code_mapping: '{"400": "teapot"}' })
    expect(badCodes.body.message).toContain('status_code_mapping')
    const updated = await root.call('PUT', '/api/channel/', { id, name: 'edited', model_mapping: '{"gpt-4o":"gpt-4o-2024-11-20"}', key: '' })
    expect(updated.body.data).toMatchObject({ name: 'edited', model_mapping: '{"gpt-4o":"gpt-4o-2024-11-20"}' })
    expect((await root.call('POST', `/api/channel/${id}/key`)).body.data.key).toBe('sk-upstream-1')
    expect(server.caches.routing.byId.get(id)?.modelMapping).toEqual({ 'gpt-4o': 'gpt-4o-2024-11-20' })
  })

  test('status changes take the channel out of routing', async () => {
    const id = (await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, name: 'routable', models: 'only-here' } })).body.data[0].id
    expect(server.caches.routing.tiers.get('default')?.get('only-here')).toBeDefined()
    expect((await root.call('POST', `/api/channel/${id}/status`, { status: 2 })).body.data).toBe(true)
    expect(server.caches.routing.tiers.get('default')?.get('only-here')).toBeUndefined()
  })

  test('bad channel input names the problem', async () => {
    expect((await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, key: '' } })).body.message).toBe('key is required')
    expect((await root.call('POST', '/api/channel/', { mode: 'weird', channel })).body.message).toContain('mode "weird" is not supported')
    expect((await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, type: 29 } })).body.message).toBe('type 29 is not a known channel type')
    expect((await root.call('POST', '/api/channel/', { mode: 'single', channel: { ...channel, base_url: 'file:///etc/passwd' } })).body.message).toBe('base_url must be an http:// or https:// URL')
  })
})

describe('options', () => {
  test('root reads and writes options; values are validated; secrets are never listed', async () => {
    expect((await root.call('PUT', '/api/option/', { key: 'RetryTimes', value: 3 })).body.success).toBe(true)
    expect(server.caches.options.retryTimes).toBe(3)
    const bad = await root.call('PUT', '/api/option/', { key: 'ModelRatio', value: '{"gpt-4o": "cheap"}' })
    expect(bad.body).toMatchObject({ success: false, message: 'ModelRatio: value for "gpt-4o" must be a non-negative number' })
    expect((await root.call('PUT', '/api/option/', { key: 'AutomaticDisableStatusCodes', value: '401,5xx' })).body.message).toContain('"5xx"')
    await root.call('PUT', '/api/option/', { key: 'EpayKey', value: 'merchant-secret' })
    const listed = (await root.call('GET', '/api/option/')).body.data as { key: string; value: string }[]
    expect(listed.find((option) => option.key === 'RetryTimes')?.value).toBe('3')
    expect(listed.some((option) => option.key === 'EpayKey')).toBe(false)
  })
})

test('OpenAPI documents every management route with tags', async () => {
  const document = (await anonymous(server).call('GET', '/swagger/json')).body
  for (const path of ['/api/status', '/api/user/login', '/api/token/', '/api/channel/', '/api/option/', '/api/user/manage']) {
    expect(document.paths[path]).toBeDefined()
  }
  expect(document.paths['/api/token/'].post.tags).toEqual(['Tokens'])
})
