import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import Provider from 'oidc-provider'

/**
 * A real OpenID Provider (the `oidc-provider` package, certified by the OpenID Foundation) on a local port, with one
 * confidential client. The login and consent pages are replaced by one interaction that signs in as `account` at
 * once, so fetch-driven tests and Chromium alike just follow redirects. Its signing key is ours, so a test can also
 * sign ID tokens the provider never issued (`sign`) to check how a relying party treats them.
 */
export interface OidcAccount { sub: string; preferred_username?: string; name?: string; email?: string }

export interface OidcServer {
  issuer: string
  wellKnown: string
  /** Who the next sign-in is. */
  account: OidcAccount
  /** Sign claims with the provider's key (or `key`), kid and RS256, as its ID tokens are. */
  sign(claims: Record<string, unknown>, options?: { key?: CryptoKey; expiresIn?: string | number }): Promise<string>
  stop(): Promise<void>
}

export async function startOidcServer(client: { clientId: string; clientSecret: string; redirectUri: string }): Promise<OidcServer> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'test-signing-key', alg: 'RS256', use: 'sig' }
  let provider: Provider | undefined
  const state: { account: OidcAccount } = { account: { sub: 'oidc-user-1', preferred_username: 'oidc-alice', name: 'Alice OIDC', email: 'alice@oidc.example' } }

  const server: Server = createServer(async (request, response) => {
    if (!provider) return void response.writeHead(503).end()
    if (request.url?.startsWith('/interaction/')) {
      // What a login page and a consent page would end with: this account, these scopes granted.
      const details = await provider.interactionDetails(request, response)
      const accountId = state.account.sub
      const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) })
      grant.addOIDCScope(String(details.params.scope))
      const grantId = await grant.save()
      await provider.interactionFinished(request, response, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false })
      return
    }
    provider.callback()(request, response)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  provider = new Provider(issuer, {
    clients: [{
      client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: [client.redirectUri],
      grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    findAccount: (_context, sub) => ({
      accountId: sub,
      claims: () => ({ ...state.account, sub, email_verified: true }),
    }),
  })

  return {
    issuer,
    wellKnown: `${issuer}/.well-known/openid-configuration`,
    get account() { return state.account },
    set account(account) { state.account = account },
    async sign(claims, options = {}) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid }).setIssuedAt().setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.key ?? privateKey)
    },
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  }
}
