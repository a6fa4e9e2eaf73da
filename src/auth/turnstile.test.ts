import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockTurnstile, type MockTurnstile } from '../testing/mock-turnstile.ts'
import { anonymous, ROOT_PASSWORD, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/** Turnstile checked server-side on sign-in, registration and e-mail sending, against a local siteverify mock. */
describe('Turnstile', () => {
  const secret = '0x4AAAAAAA-test-secret'
  let turnstile: MockTurnstile
  let server: TestServer
  let root: ApiClient
  let guest: ApiClient

  beforeAll(async () => {
    turnstile = startMockTurnstile(secret)
    server = await startTestServer({ TURNSTILE_VERIFY_URL: turnstile.url })
    root = await server.signIn()
    guest = anonymous(server)
    for (const [key, value] of Object.entries({ TurnstileSiteKey: '0x4AAAAAAA-site', TurnstileSecretKey: secret, TurnstileCheckEnabled: 'true' })) {
      expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
    }
  })
  afterAll(async () => {
    await server?.dispose()
    turnstile?.stop()
  })

  const login = (query = '') => guest.call('POST', `/api/user/login${query}`, { username: 'root', password: ROOT_PASSWORD })

  test('/api/status tells the console to show the widget; the secret stays sealed and unlisted', async () => {
    const status = (await guest.call('GET', '/api/status')).body.data
    expect([status.turnstile_check, status.turnstile_site_key]).toEqual([true, '0x4AAAAAAA-site'])
    const options = (await root.call('GET', '/api/option/')).body.data as { key: string; value: string }[]
    expect(options.some((option) => option.key === 'TurnstileSecretKey')).toBe(false)
    expect(options.find((option) => option.key === 'TurnstileSiteKey')?.value).toBe('0x4AAAAAAA-site')
    expect((await server.store.options.all()).TurnstileSecretKey).toStartWith('v1:')
  })

  test('password sign-in needs a valid, unused token', async () => {
    expect((await login()).body).toMatchObject({ success: false, code: 'turnstile_missing' })
    expect((await login('?turnstile=forged')).body.code).toBe('turnstile_failed')
    const token = turnstile.issue()
    const accepted = await login(`?turnstile=${encodeURIComponent(token)}`)
    expect(accepted.body.success).toBe(true)
    expect(turnstile.calls.at(-1)).toEqual({ secret, response: token, remoteip: '127.0.0.1' })
    expect((await login(`?turnstile=${encodeURIComponent(token)}`)).body.code).toBe('turnstile_failed')
  })

  test('registration and e-mail sending are checked too, before anything else happens', async () => {
    const body = { username: 'tina', password: 'password-123' }
    expect((await guest.call('POST', '/api/user/register', body)).body.code).toBe('turnstile_missing')
    expect(await server.store.users.getByUsername('tina')).toBeUndefined()
    expect((await guest.call('POST', `/api/user/register?turnstile=${turnstile.issue()}`, body)).body.success).toBe(true)
    expect((await guest.call('GET', '/api/verification?email=tina@example.com')).body.code).toBe('turnstile_missing')
    expect((await guest.call('GET', '/api/reset_password?email=tina@example.com&turnstile=forged')).body.code).toBe('turnstile_failed')
    // With the check passed, the next refusal is about mail, not Turnstile.
    expect((await guest.call('GET', `/api/verification?email=tina@example.com&turnstile=${turnstile.issue()}`)).body.code).toBe('smtp_not_configured')
  })

  test('turning the check off lets sign-in through without a token', async () => {
    await root.call('PUT', '/api/option/', { key: 'TurnstileCheckEnabled', value: 'false' })
    expect((await login()).body.success).toBe(true)
    expect((await guest.call('GET', '/api/status')).body.data.turnstile_check).toBe(false)
  })
})
