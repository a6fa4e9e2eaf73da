import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { generateKeyPair } from 'jose'
import { browserJar, type BrowserJar } from '../../testing/browser-jar.ts'
import { startOidcServer, type OidcServer } from '../../testing/oidc-server.ts'
import { startTestServer, type ApiClient, type TestServer } from '../../testing/server.ts'

const CLIENT = { clientId: 'tollgate-test', clientSecret: 'oidc-client-secret-for-tests' }

let server: TestServer
let root: ApiClient
let provider: OidcServer
const setOption = async (key: string, value: string) => expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)

beforeAll(async () => {
  server = await startTestServer()
  root = await server.signIn()
  provider = await startOidcServer({ ...CLIENT, redirectUri: `${server.url}/oauth/oidc` })
  for (const [key, value] of Object.entries({
    'oidc.enabled': 'true', 'oidc.client_id': CLIENT.clientId, 'oidc.client_secret': CLIENT.clientSecret, 'oidc.well_known': provider.wellKnown,
  })) await setOption(key, value)
})
afterAll(async () => {
  await server?.dispose()
  await provider?.stop()
})

/** The gateway's authorize URL, followed through the provider (its cookies in a jar of its own) back to the console page. */
async function toCallback(jar: BrowserJar, action: 'login' | 'bind' = 'login') {
  const started = await jar.call(`/api/oauth/state?provider=oidc&action=${action}`)
  expect(started.body.success).toBe(true)
  const authorizeUrl = new URL(started.body.authorize_url)
  const atProvider = browserJar(provider.issuer)
  let location = authorizeUrl.toString()
  for (let hop = 0; hop < 10 && !location.startsWith(server.url); hop++) {
    const answer = await atProvider.call(location)
    expect([302, 303]).toContain(answer.status)
    location = new URL(answer.headers.get('location')!, location).toString()
  }
  const back = new URL(location)
  expect(back.pathname).toBe('/oauth/oidc')
  return { back, authorizeUrl, callback: (search = back.search) => jar.call(`/api/oauth/oidc${search}`) }
}

describe('OIDC sign-in against a real OpenID Provider (oidc-provider)', () => {
  test('/api/status shows the authorization endpoint once discovered, without waiting for a sign-in', async () => {
    const read = async () => (await browserJar(server.url).call('/api/status')).body.data.oidc_authorization_endpoint
    let endpoint = await read()
    for (let attempt = 0; attempt < 50 && !endpoint; attempt++) endpoint = await Bun.sleep(20).then(read)
    expect(endpoint).toBe(`${provider.issuer}/auth`)
  })

  test('the authorize request carries PKCE (S256), state and nonce; /api/status shows the discovered endpoint', async () => {
    const { authorizeUrl } = await toCallback(browserJar(server.url))
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/)
    expect(authorizeUrl.searchParams.get('nonce')).toBeTruthy()
    expect(authorizeUrl.searchParams.get('scope')).toBe('openid profile email')
    const status = (await browserJar(server.url).call('/api/status')).body.data
    expect(status).toMatchObject({ oidc_enabled: true, oidc_client_id: CLIENT.clientId, oidc_authorization_endpoint: `${provider.issuer}/auth`, oidc_display_name: 'OIDC' })
  })

  test('sign-in verifies the ID token, creates the account with the userinfo names, and signs in again later', async () => {
    const jar = browserJar(server.url)
    const signedIn = await (await toCallback(jar)).callback()
    expect(signedIn.body).toMatchObject({ success: true, data: { username: 'oidc-alice', display_name: 'Alice OIDC' } })
    const self = (await jar.call('/api/user/self')).body.data
    expect(self).toMatchObject({ oidc_id: 'oidc-user-1', email: 'alice@oidc.example' })
    expect((await (await toCallback(browserJar(server.url))).callback()).body.data.id).toBe(self.id)
  })

  test('a code is good once: replaying the callback is refused', async () => {
    const jar = browserJar(server.url)
    const flow = await toCallback(jar)
    expect((await flow.callback()).body.success).toBe(true)
    expect((await flow.callback()).status).toBe(403)
  })

  describe('ID tokens the provider did not issue as it should are refused, and nothing changes', () => {
    let answer: (nonce: string) => Promise<Record<string, unknown>>
    let tokenEndpoint: ReturnType<typeof Bun.serve>
    beforeAll(async () => {
      // A token endpoint that answers what the case says, with tokens signed by the provider's own key unless told.
      tokenEndpoint = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: async () => Response.json(await answer(currentNonce)) })
      await setOption('oidc.token_endpoint', `http://127.0.0.1:${tokenEndpoint.port}/token`)
    })
    afterAll(async () => {
      await setOption('oidc.token_endpoint', '')
      tokenEndpoint?.stop(true)
    })
    let currentNonce = ''
    const claims = (nonce: string, changes: Record<string, unknown> = {}) => ({ iss: provider.issuer, aud: CLIENT.clientId, sub: 'forged-sub', nonce, ...changes })

    async function refused(make: (nonce: string) => Promise<string>, expected: string) {
      const users = await server.store.users.count()
      const jar = browserJar(server.url)
      const flow = await toCallback(jar)
      currentNonce = flow.authorizeUrl.searchParams.get('nonce')!
      answer = async (nonce) => ({ id_token: await make(nonce), token_type: 'Bearer' })
      const result = await flow.callback()
      expect(result.status).toBe(403)
      expect(result.body.message).toContain(expected)
      expect(jar.cookies.get('session')).toBeUndefined()
      expect(await server.store.users.count()).toBe(users)
    }

    test('the control: a well-formed token from this endpoint is accepted', async () => {
      const jar = browserJar(server.url)
      const flow = await toCallback(jar)
      currentNonce = flow.authorizeUrl.searchParams.get('nonce')!
      answer = async (nonce) => ({ id_token: await provider.sign(claims(nonce, { sub: 'crafted-ok', preferred_username: 'crafted' })) })
      expect((await flow.callback()).body.data.username).toBe('crafted')
    })
    test('a userinfo answer about another subject is not used', async () => {
      const userinfo = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json({ sub: 'someone-else', preferred_username: 'hijacked', email: 'victim@example.com' }) })
      await setOption('oidc.user_info_endpoint', `http://127.0.0.1:${userinfo.port}/userinfo`)
      try {
        const jar = browserJar(server.url)
        const flow = await toCallback(jar)
        currentNonce = flow.authorizeUrl.searchParams.get('nonce')!
        answer = async (nonce) => ({ access_token: 'opaque', id_token: await provider.sign(claims(nonce, { sub: 'crafted-userinfo', preferred_username: 'own-name' })) })
        const signedIn = await flow.callback()
        expect(signedIn.body.data.username).toBe('own-name')
        expect((await jar.call('/api/user/self')).body.data).toMatchObject({ oidc_id: 'crafted-userinfo', email: '' })
      } finally {
        await setOption('oidc.user_info_endpoint', '')
        userinfo.stop(true)
      }
    })
    test('bad signature', async () => {
      const { privateKey } = await generateKeyPair('RS256')
      await refused((nonce) => provider.sign(claims(nonce), { key: privateKey }), 'signature does not verify')
    })
    test('wrong audience', () => refused((nonce) => provider.sign(claims(nonce, { aud: 'another-client' })), 'aud claim is wrong'))
    test('wrong issuer', () => refused((nonce) => provider.sign(claims(nonce, { iss: 'https://evil.example' })), 'iss claim is wrong'))
    test('wrong nonce', () => refused(() => provider.sign(claims('a-nonce-from-another-sign-in')), 'nonce'))
    test('expired', () => refused((nonce) => provider.sign(claims(nonce), { expiresIn: Math.floor(Date.now() / 1000) - 120 }), 'expired'))
    test('no ID token at all', async () => {
      const jar = browserJar(server.url)
      const flow = await toCallback(jar)
      answer = async () => ({ access_token: 'only-an-access-token', token_type: 'Bearer' })
      const result = await flow.callback()
      expect(result.status).toBe(403)
      expect(result.body.message).toContain('no ID token')
    })
  })
})
