import { randomBytes } from 'node:crypto'

/**
 * Local stand-ins for GitHub's, LinuxDO Connect's and Discord's OAuth 2.0 endpoints, following their published APIs
 * (GitHub: docs.github.com "Authorizing OAuth apps" and REST `GET /user`; LinuxDO Connect: connect.linux.do's
 * `/oauth2/authorize`, `/oauth2/token` with HTTP Basic client credentials, `/api/user` with `trust_level`; Discord:
 * discord.com/developers/docs/topics/oauth2 and `GET /api/users/@me`). One server serves all three, so a test points
 * GITHUB_OAUTH_BASE, GITHUB_API_BASE, LINUXDO_BASE and DISCORD_BASE at it.
 *
 * The authorize page approves at once as `users[provider]` and redirects to `redirect_uri` with a code and the
 * state, as the real pages do after the user clicks "Authorize". Codes are single use and tied to the client and
 * redirect URI; access tokens are tied to the user the code was for.
 */
export type MockProvider = 'github' | 'linuxdo' | 'discord'

export interface MockOAuthProviders {
  url: string
  /** The user each provider signs in as next (GitHub: `{id, login, name, email}`; LinuxDO: `{id, username, name, trust_level}`; Discord: `{id, username, global_name, email, verified}`). */
  users: Record<MockProvider, Record<string, unknown>>
  /** Token requests refused (wrong client secret, code or redirect URI). */
  refusedExchanges: number
  stop(): Promise<void>
}

interface Grant { provider: MockProvider; clientId: string; redirectUri: string; user: Record<string, unknown> }

export function startMockOAuthProviders(clients: Record<MockProvider, { clientId: string; clientSecret: string }>): MockOAuthProviders {
  const codes = new Map<string, Grant>()
  const tokens = new Map<string, Grant>()
  const mock: MockOAuthProviders = {
    url: '',
    users: {
      github: { id: 1001, login: 'octocat', name: 'The Octocat', email: 'octocat@example.com' },
      linuxdo: { id: 2002, username: 'penguin', name: 'Penguin', active: true, trust_level: 2, silenced: false },
      discord: { id: '3003', username: 'wumpus', global_name: 'Wumpus', email: 'wumpus@example.com', verified: true },
    },
    refusedExchanges: 0,
    stop: async () => { server.stop(true) },
  }

  const authorize = (provider: MockProvider, url: URL) => {
    const clientId = url.searchParams.get('client_id') ?? ''
    const redirectUri = url.searchParams.get('redirect_uri') ?? ''
    if (clientId !== clients[provider].clientId || !redirectUri) return Response.json({ error: 'invalid_client' }, { status: 400 })
    const code = randomBytes(10).toString('hex')
    codes.set(code, { provider, clientId, redirectUri, user: { ...mock.users[provider] } })
    const target = new URL(redirectUri)
    target.searchParams.set('code', code)
    const state = url.searchParams.get('state')
    if (state) target.searchParams.set('state', state)
    return new Response(null, { status: 302, headers: { location: target.toString() } })
  }

  const exchange = async (provider: MockProvider, request: Request, credentials: { id: string; secret: string }) => {
    const fields = new URLSearchParams(await request.text())
    const grant = codes.get(fields.get('code') ?? '')
    codes.delete(fields.get('code') ?? '')
    const client = clients[provider]
    if (!grant || grant.provider !== provider || credentials.id !== client.clientId || credentials.secret !== client.clientSecret || fields.get('redirect_uri') !== grant.redirectUri) {
      mock.refusedExchanges++
      // GitHub answers a bad code with 200 and an error body; the others with 400 (RFC 6749 §5.2).
      const error = { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }
      return provider === 'github' ? Response.json(error) : Response.json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }, { status: 400 })
    }
    const token = randomBytes(16).toString('hex')
    tokens.set(token, grant)
    return Response.json({ access_token: token, token_type: 'bearer', scope: '', expires_in: 3600 })
  }

  const basic = (request: Request) => {
    const [id = '', secret = ''] = Buffer.from((request.headers.get('authorization') ?? '').replace(/^Basic /, ''), 'base64').toString().split(':').map(decodeURIComponent)
    return { id, secret }
  }
  const formClient = async (request: Request) => {
    const fields = new URLSearchParams(await request.clone().text())
    return { id: fields.get('client_id') ?? '', secret: fields.get('client_secret') ?? '' }
  }
  const me = (provider: MockProvider, request: Request) => {
    const grant = tokens.get((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''))
    if (!grant || grant.provider !== provider) return Response.json({ message: 'Bad credentials' }, { status: 401 })
    return Response.json(grant.user)
  }

  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const route = `${request.method} ${url.pathname}`
      switch (route) {
        case 'GET /login/oauth/authorize': return authorize('github', url)
        case 'POST /login/oauth/access_token': return exchange('github', request, await formClient(request))
        case 'GET /user': return me('github', request)
        // LinuxDO and Discord share this path on their own hosts; here the client id tells them apart.
        case 'GET /oauth2/authorize': return authorize(clients.discord.clientId === url.searchParams.get('client_id') ? 'discord' : 'linuxdo', url)
        case 'POST /oauth2/token': return exchange('linuxdo', request, basic(request))
        case 'GET /api/user': return me('linuxdo', request)
        case 'POST /api/oauth2/token': return exchange('discord', request, await formClient(request))
        case 'GET /api/users/@me': return me('discord', request)
      }
      return Response.json({ message: 'Not Found' }, { status: 404 })
    },
  })
  mock.url = `http://127.0.0.1:${server.port}`
  return mock
}
