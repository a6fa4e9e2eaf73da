import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ConfigError, loadConfig } from '../config.ts'
import { sendJson, startTestServer, type TestServer } from '../testing/server.ts'

describe('new-api\'s per-address limits', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({
      GLOBAL_API_RATE_LIMIT_ENABLE: 'true', GLOBAL_API_RATE_LIMIT: '8', GLOBAL_API_RATE_LIMIT_DURATION: '60',
      CRITICAL_RATE_LIMIT_ENABLE: 'true', CRITICAL_RATE_LIMIT: '2', CRITICAL_RATE_LIMIT_DURATION: '600',
      GLOBAL_WEB_RATE_LIMIT_ENABLE: 'true', GLOBAL_WEB_RATE_LIMIT: '3', GLOBAL_WEB_RATE_LIMIT_DURATION: '60',
    })
  })
  afterAll(() => server.dispose())
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => sendJson(server.url, method, path, body, headers)

  test('sign-in is held to the critical limit and /api to the API limit, in the envelope with Retry-After; a forged X-Forwarded-For buys nothing', async () => {
    const logins = []
    for (let index = 0; index < 3; index++) logins.push(await call('POST', '/api/user/login', { username: 'root', password: 'wrong-password' }, { 'x-forwarded-for': `203.0.113.${index}` }))
    expect(logins.slice(0, 2).map((login) => login.status)).not.toContain(429)
    expect(logins[2]!.status).toBe(429)
    expect(logins[2]!.body).toMatchObject({ success: false, code: 'rate_limit_exceeded' })
    expect(logins[2]!.body.message).toContain('at most 2 in 600 s (CRITICAL_RATE_LIMIT)')
    expect(Number(logins[2]!.headers.get('retry-after'))).toBeGreaterThan(500)

    // A refused request counts toward no limit: two /api requests so far (the admitted logins); six more pass.
    const statuses = []
    for (let index = 0; index < 7; index++) statuses.push((await call('GET', '/api/status')).status)
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429])
    const refused = await call('GET', '/api/status')
    expect(refused.body.message).toContain('(GLOBAL_API_RATE_LIMIT)')
    expect(refused.headers.get('retry-after')).not.toBeNull()
  })

  test('console pages are held to the web limit; hashed assets are not counted; the relay is not limited per address', async () => {
    for (let index = 0; index < 5; index++) await fetch(`${server.url}/assets/none-${index}.js`).then((response) => response.arrayBuffer())
    const pages = []
    for (let index = 0; index < 4; index++) pages.push(await fetch(`${server.url}/logs`).then(async (response) => { await response.arrayBuffer(); return response.status }))
    expect(pages).toEqual([200, 200, 200, 429])
    const relay = await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer sk-unknown' } })
    expect(relay.status).toBe(401)
  })

  test('a malformed limit stops start-up naming its variable', () => {
    for (const [name, value] of [['GLOBAL_API_RATE_LIMIT', '0'], ['CRITICAL_RATE_LIMIT_DURATION', 'soon'], ['GLOBAL_WEB_RATE_LIMIT_ENABLE', 'maybe']] as const) {
      let error: unknown
      try { loadConfig({ [name]: value }) } catch (caught) { error = caught }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe(name)
    }
    expect(loadConfig({}).globalApiRateLimit).toEqual({ enabled: true, limit: 360, seconds: 180 })
    expect(loadConfig({}).criticalRateLimit).toEqual({ enabled: true, limit: 20, seconds: 1200 })
    expect(loadConfig({ GLOBAL_WEB_RATE_LIMIT_ENABLE: 'false' }).globalWebRateLimit).toEqual({ enabled: false, limit: 120, seconds: 180 })
  })
})
