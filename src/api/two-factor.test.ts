import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { TOTP } from 'otpauth'
import { anonymous, ROOT_PASSWORD, sendJson, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/** The code an authenticator app would show for `secret`, `offsetSteps` periods from now. */
const codeFor = (secret: string, offsetSteps = 0) => new TOTP({ secret, digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })
const cookieOf = (headers: Headers, name: string) => headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`))?.split(';')[0]

describe('TOTP two-factor sign-in', () => {
  let server: TestServer
  let alice: ApiClient
  let secret: string
  let backupCodes: string[]
  // Each step accepted burns it and every earlier one, so the tests walk forward through the ±1 window: enable
  // with the previous step, sign in with the current one, regenerate with the next.
  let enableCode: string
  const password = 'alice-password-1'
  const login = () => sendJson(server.url, 'POST', '/api/user/login', { username: 'alice', password }, {})
  const secondStep = (body: Record<string, unknown>, headers: Record<string, string> = {}) => sendJson(server.url, 'POST', '/api/user/login/2fa', body, headers)

  beforeAll(async () => {
    server = await startTestServer()
    const root = await server.signIn()
    await root.call('POST', '/api/user/', { username: 'alice', password })
    alice = await server.signIn('alice', password)
  })
  afterAll(() => server?.dispose())

  test('setup shows the seed, URI, QR code and ten backup codes; the seed is sealed at rest', async () => {
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data).toEqual({ enabled: false, locked: false })
    const setup = await alice.call('POST', '/api/user/2fa/setup')
    expect(setup.body.success).toBe(true)
    secret = setup.body.data.secret
    backupCodes = setup.body.data.backup_codes
    expect(secret).toMatch(/^[A-Z2-7]{32}$/)
    expect(setup.body.data.qr_code_data).toStartWith('otpauth://totp/Tollgate:alice?')
    expect(setup.body.data.qr_code_data).toContain(`secret=${secret}`)
    expect(setup.body.data.qr_code_svg).toStartWith('<svg')
    expect(backupCodes).toHaveLength(10)
    expect(new Set(backupCodes).size).toBe(10)
    const row = await server.store.twoFactor.get(alice.userId)
    expect(row!.sealedSecret).toStartWith('v1:')
    expect(row!.sealedSecret).not.toContain(secret)
    expect(row!.backupCodes).not.toContain(backupCodes[0]!)
    // Not enabled yet: the password alone still signs in.
    expect((await login()).body.data.require_2fa).toBeUndefined()
  })

  test('enable refuses a wrong code and changes nothing, then takes a right one', async () => {
    const wrong = await alice.call('POST', '/api/user/2fa/enable', { code: '000000' === codeFor(secret) ? '111111' : '000000' })
    expect([wrong.status, wrong.body.success, wrong.body.message]).toEqual([400, false, 'Wrong verification code'])
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data.enabled).toBe(false)
    enableCode = codeFor(secret, -1)
    // A browser signed in with the password alone before 2FA was turned on.
    const elsewhere = await server.signIn('alice', password)
    expect((await elsewhere.call('GET', '/api/user/self')).status).toBe(200)
    const enabled = await alice.call('POST', '/api/user/2fa/enable', { code: enableCode })
    expect(enabled.body.success).toBe(true)
    // Turning 2FA on ends every other session at once; the one that turned it on stays.
    expect((await elsewhere.call('GET', '/api/user/self')).status).toBe(401)
    expect((await alice.call('GET', '/api/user/self')).status).toBe(200)
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data).toEqual({ enabled: true, locked: false, backup_codes_remaining: 10 })
    // A second setup cannot replace an enabled one.
    expect((await alice.call('POST', '/api/user/2fa/setup')).body.success).toBe(false)
  })

  test('password sign-in asks for the code: no session until the second step', async () => {
    const first = await login()
    expect(first.body).toMatchObject({ success: true, data: { require_2fa: true } })
    expect(first.body.data.flow_token).toBeString()
    expect(first.body.data.expires_at).toBeGreaterThan(Date.now() / 1000)
    expect(cookieOf(first.headers, 'session')).toBeUndefined()
    // The code used to enable is spent: the same step cannot sign in.
    const replay = await secondStep({ code: enableCode, flow_token: first.body.data.flow_token })
    expect(replay.body.success).toBe(false)
    // 'Wrong…' only when the clock moved on a step since, which put the old code out of the window.
    expect(['This code was used already; wait for the next one', 'Wrong verification code or backup code']).toContain(replay.body.message)
    expect(cookieOf(replay.headers, 'session')).toBeUndefined()
    const next = await secondStep({ code: codeFor(secret), flow_token: first.body.data.flow_token })
    expect(next.body).toMatchObject({ success: true, data: { id: alice.userId, username: 'alice' } })
    const session = cookieOf(next.headers, 'session')!
    expect((await sendJson(server.url, 'GET', '/api/user/self', undefined, { cookie: session })).status).toBe(200)
    // The flow token is single-use.
    const again = await secondStep({ code: codeFor(secret), flow_token: first.body.data.flow_token })
    expect(again.body).toMatchObject({ success: false, message: 'The sign-in expired; enter your password again' })
  })

  test('unknown, forged and expired flow tokens are refused', async () => {
    expect((await secondStep({ code: '123456', flow_token: 'forged' })).body.message).toBe('The sign-in expired; enter your password again')
    expect((await secondStep({ code: '123456' })).body.success).toBe(false)
    const first = await login()
    await server.store.database.db.update(server.store.database.tables.authFlowsTable).set({ expiresAt: 1 })
    expect((await secondStep({ code: codeFor(secret, -1), flow_token: first.body.data.flow_token })).body.message).toBe('The sign-in expired; enter your password again')
  })

  test('a backup code signs in once; the classic flow cookie works without flow_token', async () => {
    const first = await login()
    const flowCookie = cookieOf(first.headers, 'two_factor_flow')!
    expect(flowCookie).toBeString()
    const withBackup = await secondStep({ code: backupCodes[0]!.toLowerCase() }, { cookie: flowCookie })
    expect(withBackup.body.success).toBe(true)
    expect(withBackup.headers.getSetCookie().some((cookie) => cookie.startsWith('two_factor_flow=;'))).toBe(true)
    const reuse = await secondStep({ code: backupCodes[0]!, flow_token: (await login()).body.data.flow_token })
    expect(reuse.body).toMatchObject({ success: false, message: 'Wrong verification code or backup code' })
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data.backup_codes_remaining).toBe(9)
  })

  test('regenerating backup codes needs an app code; the old codes stop working', async () => {
    expect((await alice.call('POST', '/api/user/2fa/backup_codes', { code: backupCodes[1]! })).body.success).toBe(false)
    const fresh = await alice.call('POST', '/api/user/2fa/backup_codes', { code: codeFor(secret, 1) })
    expect(fresh.body.data.backup_codes).toHaveLength(10)
    const old = await secondStep({ code: backupCodes[1]!, flow_token: (await login()).body.data.flow_token })
    expect(old.body.success).toBe(false)
    backupCodes = fresh.body.data.backup_codes
  })

  test('wrong codes lock the second factor for the user, whatever the flow', async () => {
    let last
    for (let attempt = 0; attempt < 6; attempt++) last = await secondStep({ code: 'ZZZZ-ZZZZ', flow_token: (await login()).body.data.flow_token })
    expect(last!.status).toBe(429)
    expect(last!.body.message).toStartWith('Too many wrong codes')
    // Even the right code waits out the lock.
    const right = await secondStep({ code: codeFor(secret), flow_token: (await login()).body.data.flow_token })
    expect(right.status).toBe(429)
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data.locked).toBe(true)
    await server.store.database.db.update(server.store.database.tables.twoFactorTable).set({ lockedUntil: 0 })
  })

  test('disable needs a code; afterwards the password alone signs in again', async () => {
    expect((await alice.call('POST', '/api/user/2fa/disable', { code: 'nope' })).body.success).toBe(false)
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data.enabled).toBe(true)
    expect((await alice.call('POST', '/api/user/2fa/disable', { code: backupCodes[2]! })).body.success).toBe(true)
    expect((await alice.call('GET', '/api/user/2fa/status')).body.data.enabled).toBe(false)
    expect((await login()).body.data.id).toBe(alice.userId)
    expect(await server.store.twoFactor.get(alice.userId)).toBeUndefined()
  })

  test('the 2FA routes need a signed-in user', async () => {
    expect((await anonymous(server).call('POST', '/api/user/2fa/setup')).status).toBe(401)
    expect((await anonymous(server).call('GET', '/api/user/2fa/status')).status).toBe(401)
  })
})

describe('AdminTwoFactorRequired', () => {
  let server: TestServer
  beforeAll(async () => { server = await startTestServer() })
  afterAll(() => server?.dispose())

  test('an administrator without 2FA may only reach the 2FA setup until it is on', async () => {
    const root = await server.signIn()
    expect((await root.call('PUT', '/api/option/', { key: 'AdminTwoFactorRequired', value: 'maybe' })).body.success).toBe(false)
    expect((await root.call('PUT', '/api/option/', { key: 'AdminTwoFactorRequired', value: 'true' })).body.success).toBe(true)
    const login = await sendJson(server.url, 'POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD }, {})
    expect(login.body.data.require_2fa_setup).toBe(true)
    const channels = await root.call('GET', '/api/channel/')
    expect([channels.status, channels.body.message]).toEqual([403, 'Administrators must turn on two-factor authentication first (account page)'])
    expect((await root.call('GET', '/api/user/self')).status).toBe(200)
    const setup = await root.call('POST', '/api/user/2fa/setup')
    expect((await root.call('POST', '/api/user/2fa/enable', { code: codeFor(setup.body.data.secret) })).body.success).toBe(true)
    expect((await root.call('GET', '/api/channel/')).status).toBe(200)
    // Common users are not concerned.
    await root.call('POST', '/api/user/', { username: 'bob', password: 'bob-password-1' })
    const bob = await server.signIn('bob', 'bob-password-1')
    expect((await bob.call('GET', '/api/token/')).status).toBe(200)
  })
})
