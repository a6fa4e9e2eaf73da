import { afterAll, describe, expect, test } from 'bun:test'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { sendJson, startTestServer, ROOT_PASSWORD, type TestServer } from '../testing/server.ts'

/** Sign in on `server` and return the raw session cookie. */
async function signInCookie(server: TestServer): Promise<string> {
  const login = await sendJson(server.url, 'POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD }, {})
  expect(login.body.success).toBe(true)
  return login.headers.get('set-cookie')!.split(';')[0]!
}
const self = (server: TestServer, cookie: string) => sendJson(server.url, 'GET', '/api/user/self', undefined, { cookie })

describe('a signed-out session is refused by the server, not only dropped by the browser', () => {
  let server: TestServer
  afterAll(() => server?.dispose())

  test('GET /api/user/logout and POST /api/user/auth/logout revoke that session only', async () => {
    server = await startTestServer()
    for (const [method, path] of [['GET', '/api/user/logout'], ['POST', '/api/user/auth/logout']] as const) {
      const copied = await signInCookie(server)
      const other = await signInCookie(server)
      expect((await self(server, copied)).status).toBe(200)
      const logout = await sendJson(server.url, method, path, undefined, { cookie: copied })
      expect(logout.headers.get('set-cookie')).toContain('Max-Age=0')
      expect((await self(server, copied)).status).toBe(401)
      // Another sign-in of the same user stays valid.
      expect((await self(server, other)).status).toBe(200)
    }
  })

  test('the revocation survives a restart (it is in the database)', async () => {
    const copied = await signInCookie(server)
    await sendJson(server.url, 'GET', '/api/user/logout', undefined, { cookie: copied })
    await server.caches.reloadAll()
    expect((await self(server, copied)).status).toBe(401)
    expect(server.caches.sessionRevoked('not-a-session')).toBe(false)
  })
})

const skip = !postgresUrl || !redisUrl
describe.skipIf(skip)('two nodes (Postgres + Redis)', () => {
  test('signing out on one node ends the session on the other at once', async () => {
    const database = await createPostgresDatabase()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    const nodes = [await startTestServer(shared), await startTestServer(shared)]
    try {
      const cookie = await signInCookie(nodes[0]!)
      expect((await self(nodes[1]!, cookie)).status).toBe(200)
      await sendJson(nodes[0]!.url, 'GET', '/api/user/logout', undefined, { cookie })
      // The bus delivers within a round trip; poll briefly instead of sleeping a fixed time.
      let status = 200
      for (let attempt = 0; attempt < 50 && status === 200; attempt++) {
        status = (await self(nodes[1]!, cookie)).status
        if (status === 200) await Bun.sleep(20)
      }
      expect(status).toBe(401)
    } finally {
      for (const node of nodes) await node.dispose()
      await database.drop()
    }
  })
})
