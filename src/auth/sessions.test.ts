import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { createSecretBox, createSigner } from '../security/crypto.ts'
import { ROOT_PASSWORD, sendJson, startTestServer, type TestServer } from '../testing/server.ts'
import { SESSION_COOKIE, SESSION_SECONDS, sessionVersion } from './session.ts'

const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36'

/** Sign in on `server` with a user agent and return the raw session cookie. */
async function signIn(server: TestServer, username: string, password: string, userAgent = firefox): Promise<string> {
  const login = await sendJson(server.url, 'POST', '/api/user/login', { username, password }, { 'user-agent': userAgent })
  expect(login.body.success).toBe(true)
  return login.headers.get('set-cookie')!.split(';')[0]!
}
const call = (server: TestServer, cookie: string, method: string, path: string, body?: unknown) => sendJson(server.url, method, path, body, { cookie })
const status = async (server: TestServer, cookie: string) => (await call(server, cookie, 'GET', '/api/user/self')).status

describe('listed sessions', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer()
    const root = await server.signIn()
    expect((await root.call('POST', '/api/user/', { username: 'sam', password: 'password-123' })).body.success).toBe(true)
  })
  afterAll(() => server?.dispose())

  test('each sign-in is listed with its device, address, method and last seen; the caller\'s is marked', async () => {
    const laptop = await signIn(server, 'sam', 'password-123', firefox)
    await signIn(server, 'sam', 'password-123', chrome)
    const listed = (await call(server, laptop, 'GET', '/api/user/sessions')).body.data as Record<string, unknown>[]
    expect(listed).toHaveLength(2)
    const mine = listed.find((session) => session.current)!
    expect(mine).toMatchObject({ device: 'Firefox on Linux', ip: '127.0.0.1', login_method: 'password', user_agent: firefox })
    expect(listed.find((session) => !session.current)!.device).toBe('Chrome on Windows')
    expect(Number(mine.expires_at) - Number(mine.created_at)).toBe(30 * 24 * 3600)
    expect(Math.abs(Number(mine.last_active_at) - Date.now() / 1000)).toBeLessThan(5)
  })

  test('ending one session refuses its cookie at once; another user\'s session cannot be ended', async () => {
    const keep = await signIn(server, 'sam', 'password-123')
    const other = await signIn(server, 'sam', 'password-123', chrome)
    const listed = (await call(server, keep, 'GET', '/api/user/sessions')).body.data as { sid: string; current: boolean }[]
    const otherId = (await call(server, other, 'GET', '/api/user/sessions')).body.data.find((session: { current: boolean }) => session.current).sid
    const rootCookie = await signIn(server, 'root', ROOT_PASSWORD)
    expect((await call(server, rootCookie, 'DELETE', `/api/user/sessions/${otherId}`)).status).toBe(404)
    expect(await status(server, other)).toBe(200)
    expect((await call(server, keep, 'DELETE', `/api/user/sessions/${otherId}`)).body.success).toBe(true)
    expect(await status(server, other)).toBe(401)
    expect(await status(server, keep)).toBe(200)
    expect(listed.some((session) => session.sid === otherId)).toBe(true)
    expect((await call(server, keep, 'GET', '/api/user/sessions')).body.data.some((session: { sid: string }) => session.sid === otherId)).toBe(false)
  })

  test('"end all others" keeps only the caller\'s session', async () => {
    const keep = await signIn(server, 'sam', 'password-123')
    const others = [await signIn(server, 'sam', 'password-123'), await signIn(server, 'sam', 'password-123')]
    const ended = await call(server, keep, 'DELETE', '/api/user/sessions')
    expect(ended.body.data.ended).toBeGreaterThanOrEqual(2)
    for (const cookie of others) expect(await status(server, cookie)).toBe(401)
    expect(await status(server, keep)).toBe(200)
    expect((await call(server, keep, 'GET', '/api/user/sessions')).body.data).toHaveLength(1)
  })

  test('changing one\'s password keeps this session (re-issued) and ends the others', async () => {
    const here = await signIn(server, 'sam', 'password-123')
    const elsewhere = await signIn(server, 'sam', 'password-123')
    const hereId = (await call(server, here, 'GET', '/api/user/sessions')).body.data.find((session: { current: boolean }) => session.current).sid
    const changed = await call(server, here, 'PUT', '/api/user/self', { password: 'password-456', original_password: 'password-123' })
    expect(changed.body.success).toBe(true)
    const reissued = changed.headers.get('set-cookie')!.split(';')[0]!
    expect(await status(server, elsewhere)).toBe(401)
    expect(await status(server, here)).toBe(401)
    expect(await status(server, reissued)).toBe(200)
    const listed = (await call(server, reissued, 'GET', '/api/user/sessions')).body.data
    expect(listed.map((session: { sid: string; current: boolean }) => [session.sid, session.current])).toEqual([[hereId, true]])
  })

  test('an admin password reset, disable or delete ends every session of the user', async () => {
    const rootCookie = await signIn(server, 'root', ROOT_PASSWORD)
    const sam = await signIn(server, 'sam', 'password-456')
    const id = (await call(server, sam, 'GET', '/api/user/self')).body.data.id
    expect((await call(server, rootCookie, 'PUT', '/api/user/', { id, password: 'password-789' })).body.success).toBe(true)
    expect(await status(server, sam)).toBe(401)
    expect((await call(server, sam, 'GET', '/api/user/sessions')).status).toBe(401)
    const again = await signIn(server, 'sam', 'password-789')
    expect((await call(server, rootCookie, 'POST', '/api/user/manage', { id, action: 'disable' })).body.success).toBe(true)
    expect(await status(server, again)).toBe(401)
    expect(await server.store.sessions.listForUser(id, 0)).toEqual([])
    expect((await call(server, rootCookie, 'POST', '/api/user/manage', { id, action: 'enable' })).body.success).toBe(true)
    await signIn(server, 'sam', 'password-789')
    expect((await call(server, rootCookie, 'DELETE', `/api/user/${id}`)).body.success).toBe(true)
    expect(await server.store.sessions.listForUser(id, 0)).toEqual([])
  })

  test('authentication writes last seen at most once a minute per session', async () => {
    const cookie = await signIn(server, 'root', ROOT_PASSWORD)
    const [session] = (await server.store.sessions.listForUser(1, 0)).filter((row) => Number(row.lastSeenAt) > Date.now() / 1000 - 5)
    // Move the recorded time back: a write per request would bring it forward again.
    await server.store.sessions.record({ ...session!, lastSeenAt: 1000 })
    for (let index = 0; index < 20; index++) expect(await status(server, cookie)).toBe(200)
    const after = (await server.store.sessions.listForUser(1, 0)).find((row) => row.id === session!.id)!
    expect(Number(after.lastSeenAt)).toBe(1000)
  })
})

describe('a cookie signed before sessions were listed', () => {
  test('keeps working, is listed from its next use, and can be ended', async () => {
    const secrets = { SESSION_SECRET: 'legacy-session-secret-for-tests', CRYPTO_SECRET: 'legacy-crypto-secret-for-tests' }
    const server = await startTestServer(secrets)
    try {
      const root = (await server.store.users.getByUsername('root'))!
      // What the previous version put in the cookie: user, expiry, password version, session id, and no row.
      const expiresAt = Math.floor(Date.now() / 1000) + SESSION_SECONDS - 3600
      const payload = JSON.stringify({ u: root.id, e: expiresAt, v: sessionVersion(createSecretBox(secrets.CRYPTO_SECRET), root), s: 'legacy-session-id' })
      const legacy = `${SESSION_COOKIE}=${encodeURIComponent(createSigner(secrets.SESSION_SECRET).sign(payload))}`
      expect(await server.store.sessions.listForUser(root.id, 0)).toEqual([])
      expect(await status(server, legacy)).toBe(200)
      // Recorded without holding up the request that used it.
      let listed: unknown[] = []
      for (let attempt = 0; attempt < 50 && listed.length === 0; attempt++) {
        listed = (await call(server, legacy, 'GET', '/api/user/sessions')).body.data
        if (listed.length === 0) await Bun.sleep(20)
      }
      expect(listed).toMatchObject([{ sid: 'legacy-session-id', current: true, login_method: 'cookie', expires_at: expiresAt, created_at: expiresAt - SESSION_SECONDS }])
      const fresh = await signIn(server, 'root', ROOT_PASSWORD)
      expect((await call(server, fresh, 'DELETE', '/api/user/sessions')).body.data.ended).toBe(1)
      expect(await status(server, legacy)).toBe(401)
    } finally {
      await server.dispose()
    }
  })
})

const skip = !postgresUrl || !redisUrl
describe.skipIf(skip)('two nodes (Postgres + Redis)', () => {
  test('ending sessions on one node refuses their cookies on the other at once', async () => {
    const database = await createPostgresDatabase()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    const nodes = [await startTestServer(shared), await startTestServer(shared)]
    const refusedOn = async (node: TestServer, cookie: string) => {
      // The bus delivers within a round trip; poll briefly instead of sleeping a fixed time.
      for (let attempt = 0; attempt < 50; attempt++) {
        if (await status(node, cookie) === 401) return true
        await Bun.sleep(20)
      }
      return false
    }
    try {
      const [a, b] = nodes as [TestServer, TestServer]
      const keep = await signIn(a, 'root', ROOT_PASSWORD)
      const others = [await signIn(b, 'root', ROOT_PASSWORD), await signIn(b, 'root', ROOT_PASSWORD)]
      for (const cookie of others) expect(await status(b, cookie)).toBe(200)
      const otherId = (await call(b, others[0]!, 'GET', '/api/user/sessions')).body.data.find((session: { current: boolean }) => session.current).sid
      expect((await call(a, keep, 'DELETE', `/api/user/sessions/${otherId}`)).body.success).toBe(true)
      expect(await refusedOn(b, others[0]!)).toBe(true)
      expect(await status(b, others[1]!)).toBe(200)
      expect((await call(a, keep, 'DELETE', '/api/user/sessions')).body.data.ended).toBe(1)
      expect(await refusedOn(b, others[1]!)).toBe(true)
      expect(await status(b, keep)).toBe(200)
    } finally {
      for (const node of nodes) await node.dispose()
      await database.drop()
    }
  })
})
