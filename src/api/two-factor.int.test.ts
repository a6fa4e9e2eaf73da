import { describe, expect, test } from 'bun:test'
import { TOTP } from 'otpauth'
import { createPostgresDatabase, postgresUrl, redisUrl } from '../testing/databases.ts'
import { sendJson, startTestServer, ROOT_PASSWORD } from '../testing/server.ts'

const codeFor = (secret: string, offsetSteps = 0) => new TOTP({ secret }).generate({ timestamp: Date.now() + offsetSteps * 30_000 })

const skip = !postgresUrl || !redisUrl
describe.skipIf(skip)('two-factor sign-in across two nodes (Postgres + Redis)', () => {
  test('a flow begun on one node finishes on the other, once; a code used on one is refused on the other', async () => {
    const database = await createPostgresDatabase()
    const shared = { DATABASE_URL: database.url, REDIS_URL: redisUrl!, CRYPTO_SECRET: 'shared-crypto-secret-for-tests', SESSION_SECRET: 'shared-session-secret-for-tests' }
    const [a, b] = [await startTestServer(shared), await startTestServer(shared)]
    try {
      const root = await a.signIn()
      const setup = await root.call('POST', '/api/user/2fa/setup')
      const secret = setup.body.data.secret
      expect((await root.call('POST', '/api/user/2fa/enable', { code: codeFor(secret, -1) })).body.success).toBe(true)
      const login = () => sendJson(a.url, 'POST', '/api/user/login', { username: 'root', password: ROOT_PASSWORD }, {})
      const first = await login()
      const onB = await sendJson(b.url, 'POST', '/api/user/login/2fa', { code: codeFor(secret), flow_token: first.body.data.flow_token }, {})
      expect(onB.body.success).toBe(true)
      // The same flow token on node A: already spent.
      const again = await sendJson(a.url, 'POST', '/api/user/login/2fa', { code: codeFor(secret, 1), flow_token: first.body.data.flow_token }, {})
      expect(again.body.message).toBe('The sign-in expired; enter your password again')
      // The code accepted on B, replayed on A with a fresh flow: refused.
      const replay = await sendJson(a.url, 'POST', '/api/user/login/2fa', { code: codeFor(secret), flow_token: (await login()).body.data.flow_token }, {})
      expect(replay.body.success).toBe(false)
      // A verification made on A holds on B for the same session.
      const cookie = onB.headers.getSetCookie().find((value) => value.startsWith('session='))!.split(';')[0]!
      expect((await sendJson(a.url, 'POST', '/api/verify', { method: '2fa', code: setup.body.data.backup_codes[0] }, { cookie })).body.success).toBe(true)
      expect((await sendJson(b.url, 'GET', '/api/verify/status', undefined, { cookie })).body.data.verified).toBe(true)
    } finally {
      await a.dispose()
      await b.dispose()
      await database.drop()
    }
  }, 30_000)
})
