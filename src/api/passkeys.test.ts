import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { UNFINISHED_SIGN_IN_LIMIT } from './passkeys.ts'
import { anonymous, ROOT_PASSWORD, sendJson, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

// The ceremonies themselves (real authenticator signatures) are tested in Chromium with a virtual authenticator
// (admin/tests/second-factor.test.ts); these are the refusals around them.
const fakeAnswer = { id: 'AAAA', rawId: 'AAAA', type: 'public-key', response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' }, clientExtensionResults: {} }
const cookieOf = (headers: Headers, name: string) => headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`))?.split(';')[0]

describe('passkey routes', () => {
  let server: TestServer
  let root: ApiClient
  let erin: ApiClient
  let erinSession: string
  /** As erin, with another cookie (a challenge) beside her session. */
  const asErin = (method: string, path: string, body: unknown, cookie: string) => sendJson(server.url, method, path, body, { cookie: `${erinSession}; ${cookie}` })
  beforeAll(async () => {
    server = await startTestServer()
    root = await server.signIn()
    await root.call('POST', '/api/user/', { username: 'erin', password: 'erin-password-1' })
    erin = await server.signIn('erin', 'erin-password-1')
    erinSession = cookieOf((await sendJson(server.url, 'POST', '/api/user/login', { username: 'erin', password: 'erin-password-1' }, {})).headers, 'session')!
  })
  afterAll(() => server?.dispose())

  test('off, or with no relying party configured, every ceremony says why', async () => {
    const off = await anonymous(server).call('POST', '/api/user/passkey/login/begin')
    expect([off.status, off.body.message]).toEqual([400, 'Passkey sign-in is disabled by the administrator'])
    expect((await anonymous(server).call('GET', '/api/status')).body.data.passkey_login).toBe(false)
    await root.call('PUT', '/api/option/', { key: 'passkey.enabled', value: 'true' })
    const unconfigured = await erin.call('POST', '/api/user/passkey/register/begin')
    expect(unconfigured.body.message).toBe('Passkeys need passkey.rp_id and passkey.origins, or ServerAddress, to be set')
    expect((await root.call('PUT', '/api/option/', { key: 'passkey.origins', value: 'gateway.example.com' })).body.success).toBe(false)
    await root.call('PUT', '/api/option/', { key: 'ServerAddress', value: 'http://localhost:3000' })
    expect((await anonymous(server).call('GET', '/api/status')).body.data).toMatchObject({ passkey_login: true, passkey_rp_id: 'localhost', passkey_origins: 'http://localhost:3000' })
  })

  test('begin hands out options and an HttpOnly challenge cookie; finishing without it, or twice, is refused', async () => {
    const begun = await erin.call('POST', '/api/user/passkey/register/begin')
    expect(begun.body.data.options).toMatchObject({ rp: { id: 'localhost' }, user: { name: 'erin' }, authenticatorSelection: { residentKey: 'required' } })
    const challenge = cookieOf(begun.headers, 'passkey_challenge')!
    expect(begun.headers.getSetCookie()[0]).toContain('HttpOnly; SameSite=Strict')
    const noCookie = await erin.call('POST', '/api/user/passkey/register/finish', fakeAnswer)
    expect(noCookie.body.message).toBe('The passkey request expired or was used already; start again')
    expect((await sendJson(server.url, 'POST', '/api/user/passkey/register/finish', fakeAnswer, { cookie: challenge })).status).toBe(401)
    // Another user cannot finish erin's registration with her challenge (and spends it trying).
    const rootSession = cookieOf((await sendJson(server.url, 'POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD }, {})).headers, 'session')!
    const crossUser = await sendJson(server.url, 'POST', '/api/user/passkey/register/finish', fakeAnswer, { cookie: `${rootSession}; ${challenge}` })
    expect(crossUser.body.message).toBe('The passkey request expired or was used already; start again')
    // A bad answer spends the challenge too: the next try must begin again.
    const fresh = cookieOf((await erin.call('POST', '/api/user/passkey/register/begin')).headers, 'passkey_challenge')!
    const bad = await asErin('POST', '/api/user/passkey/register/finish', fakeAnswer, fresh)
    expect(bad.body.message).toStartWith('Passkey verification failed')
    const again = await asErin('POST', '/api/user/passkey/register/finish', fakeAnswer, fresh)
    expect(again.body.message).toBe('The passkey request expired or was used already; start again')
    expect(await server.store.passkeys.listForUser(erin.userId)).toEqual([])
  })

  test('a sign-in challenge does not finish a registration, and an unknown credential is refused', async () => {
    const login = await anonymous(server).call('POST', '/api/user/passkey/login/begin')
    expect(login.body.data.options.rpId).toBe('localhost')
    const challenge = cookieOf(login.headers, 'passkey_challenge')!
    const crossed = await asErin('POST', '/api/user/passkey/register/finish', fakeAnswer, challenge)
    expect(crossed.body.message).toBe('The passkey request expired or was used already; start again')
    const unknown = await sendJson(server.url, 'POST', '/api/user/passkey/login/finish', fakeAnswer, { cookie: challenge })
    expect([unknown.body.success, unknown.body.message]).toEqual([false, 'This passkey is not registered here'])
    expect(cookieOf(unknown.headers, 'session')).toBeUndefined()
  })

  test('listing and removal are per user; admins reset a user\'s passkeys and 2FA', async () => {
    const mine = await server.store.passkeys.add({ userId: erin.userId, credentialId: 'erin-cred', publicKey: 'pk', name: 'Phone', createdAt: 5 })
    expect((await erin.call('GET', '/api/user/passkey/')).body.data).toMatchObject({ enabled: true, passkeys: [{ id: mine.id, name: 'Phone', created_at: 5, last_used_at: 0 }] })
    expect((await root.call('DELETE', `/api/user/passkey/${mine.id}`)).status).toBe(404)
    expect((await erin.call('GET', '/api/user/passkey/')).body.data.passkeys).toHaveLength(1)
    expect((await erin.call('DELETE', `/api/user/${root.userId}/reset_passkey`)).status).toBe(403)
    expect((await root.call('DELETE', `/api/user/${erin.userId}/reset_passkey`)).body.success).toBe(true)
    expect((await root.call('DELETE', `/api/user/${erin.userId}/reset_passkey`)).body.message).toBe('The user has no passkey')
    await server.store.twoFactor.begin(erin.userId, 'v1:x', [], 1)
    await server.store.twoFactor.enable(erin.userId, 1)
    expect((await root.call('GET', '/api/user/2fa/stats')).body.data).toMatchObject({ enabled_users: 1, total_users: 2 })
    expect((await root.call('DELETE', `/api/user/${erin.userId}/2fa`)).body.success).toBe(true)
    expect(await server.store.twoFactor.get(erin.userId)).toBeUndefined()
  })
})

describe('passkey sign-in flood', () => {
  let server: TestServer
  afterAll(() => server?.dispose())

  test('an address that begins many sign-ins without finishing is refused for a while', async () => {
    server = await startTestServer()
    const root = await server.signIn()
    await root.call('PUT', '/api/option/', { key: 'passkey.enabled', value: 'true' })
    await root.call('PUT', '/api/option/', { key: 'ServerAddress', value: 'http://localhost:3000' })
    for (let attempt = 0; attempt < UNFINISHED_SIGN_IN_LIMIT; attempt++) {
      expect((await anonymous(server).call('POST', '/api/user/passkey/login/begin')).status).toBe(200)
    }
    const refused = await anonymous(server).call('POST', '/api/user/passkey/login/begin')
    expect([refused.status, refused.body.message]).toEqual([429, 'Too many passkey sign-ins begun from this address; try again later'])
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500)
    const { db, tables } = server.store.database
    expect((await db.select().from(tables.authFlowsTable)).length).toBe(UNFINISHED_SIGN_IN_LIMIT)
  })
})
