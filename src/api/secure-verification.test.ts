import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { TOTP } from 'otpauth'
import { ROOT_PASSWORD, sendJson, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

const codeFor = (secret: string, offsetSteps = 0) => new TOTP({ secret }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })
const sessionCookie = (headers: Headers) => headers.getSetCookie().find((cookie) => cookie.startsWith('session='))!.split(';')[0]!

describe('secure verification before revealing a channel key', () => {
  let server: TestServer
  let root: ApiClient
  let channelId: number
  let backupCodes: string[]
  const readKey = (client: ApiClient) => client.call('POST', `/api/channel/${channelId}/key`)

  beforeAll(async () => {
    server = await startTestServer()
    root = await server.signIn()
    const created = await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'c', key: 'sk-secret-upstream', models: 'gpt-4o', group: 'default' } })
    channelId = created.body.data[0].id
  })
  afterAll(() => server?.dispose())

  test('without 2FA or a passkey the key stays hidden and /api/verify says why', async () => {
    const refused = await readKey(root)
    expect([refused.status, refused.body.code]).toEqual([403, 'VERIFICATION_REQUIRED'])
    expect(JSON.stringify(refused.body)).not.toContain('sk-secret-upstream')
    expect((await root.call('POST', '/api/verify', { method: '2fa', code: '123456' })).body.message).toBe('Two-factor authentication is not enabled for this account')
    expect((await root.call('POST', '/api/verify', { method: 'passkey' })).body.message).toBe('No passkey is registered for this account')
    expect((await root.call('POST', '/api/verify', { method: 'sms' })).status).toBe(400)
    expect((await root.call('GET', '/api/verify/status')).body.data).toEqual({ verified: false })
  })

  test('a wrong code verifies nothing; a right one opens the key for this session for five minutes', async () => {
    const setup = await root.call('POST', '/api/user/2fa/setup')
    backupCodes = setup.body.data.backup_codes
    await root.call('POST', '/api/user/2fa/enable', { code: codeFor(setup.body.data.secret, -1) })
    const wrong = await root.call('POST', '/api/verify', { method: '2fa', code: '12345x' })
    expect(wrong.body).toMatchObject({ success: false, message: 'Wrong verification code or backup code' })
    expect((await readKey(root)).status).toBe(403)
    const verified = await root.call('POST', '/api/verify', { method: '2fa', code: codeFor(setup.body.data.secret) })
    expect(verified.body.data.verified).toBe(true)
    expect(verified.body.data.expires_at - Date.now() / 1000).toBeGreaterThan(290)
    expect((await root.call('GET', '/api/verify/status')).body.data.verified).toBe(true)
    expect((await readKey(root)).body.data.key).toBe('sk-secret-upstream')
  })

  test('the verification belongs to one session: another sign-in, or an access token, has none', async () => {
    const login = await sendJson(server.url, 'POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD }, {})
    const second = await sendJson(server.url, 'POST', '/api/user/login/2fa', { code: backupCodes[0], flow_token: login.body.data.flow_token }, {})
    const other = sessionCookie(second.headers)
    expect((await sendJson(server.url, 'POST', `/api/channel/${channelId}/key`, undefined, { cookie: other })).body.code).toBe('VERIFICATION_REQUIRED')
    const token = (await root.call('GET', '/api/user/token')).body.data
    const byToken = await sendJson(server.url, 'POST', '/api/verify', { method: '2fa', code: backupCodes[1] }, { authorization: token })
    expect([byToken.status, byToken.body.code]).toEqual([403, 'VERIFICATION_UNAVAILABLE'])
    expect((await sendJson(server.url, 'POST', `/api/channel/${channelId}/key`, undefined, { authorization: token })).status).toBe(403)
    // The backup code was not spent by the refused call.
    expect((await root.call('GET', '/api/user/2fa/status')).body.data.backup_codes_remaining).toBe(9)
  })

  test('an expired verification is refused again', async () => {
    const { db, tables } = server.store.database
    await db.update(tables.authFlowsTable).set({ expiresAt: 1 }).where(eq(tables.authFlowsTable.kind, 'secure_verified'))
    expect((await readKey(root)).body.code).toBe('VERIFICATION_REQUIRED')
    expect((await root.call('GET', '/api/verify/status')).body.data.verified).toBe(false)
  })

  test('the passkey method needs a passkey check of this session first', async () => {
    await server.store.passkeys.add({ userId: root.userId, credentialId: 'root-cred', publicKey: 'pk' })
    expect((await root.call('POST', '/api/verify', { method: 'passkey' })).body.message).toBe('Check your passkey first (/api/user/passkey/verify/begin and /finish)')
    expect((await readKey(root)).status).toBe(403)
  })
})
