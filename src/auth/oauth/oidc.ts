import type { JWTPayload } from 'jose'
import { accessTokenOf, basicAuth, clientSettings, form, OAuthRefusal, providerJson, type OAuthProvider, type OptionReader } from './provider.ts'

/** The parts of an OpenID Provider's discovery document a sign-in uses. */
interface Discovery { issuer: string; authorization_endpoint: string; token_endpoint: string; userinfo_endpoint?: string; jwks_uri: string }

const DISCOVERY_SECONDS = 600
const discoveries = new Map<string, { document: Discovery; until: number }>()
type Jose = typeof import('jose')
// Loaded with the first ID token: a gateway without OIDC sign-in does not carry jose.
let jose: Promise<Jose> | undefined
// One key set per provider: jose caches the keys and refetches on an unknown `kid` (a key rotation), at most every 30 s.
const keySets = new Map<string, ReturnType<Jose['createRemoteJWKSet']>>()

/** The discovery document at `oidc.well_known`, kept ten minutes; the endpoint options, when set, win over it. */
async function discover(options: OptionReader): Promise<Discovery> {
  const url = options.raw['oidc.well_known'] ?? ''
  if (!url) throw new OAuthRefusal('OIDC sign-in needs the discovery URL (oidc.well_known) to verify ID tokens', 'oauth_not_configured')
  let cached = discoveries.get(url)
  if (!cached || cached.until < Date.now()) {
    const document = await providerJson<Partial<Discovery>>('The OIDC provider', url)
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof document[field] !== 'string' || !document[field]) throw new OAuthRefusal(`The OIDC discovery document has no ${field}`, 'oauth_not_configured')
    }
    cached = { document: document as Discovery, until: Date.now() + DISCOVERY_SECONDS * 1000 }
    discoveries.set(url, cached)
  }
  const { raw } = options
  return {
    ...cached.document,
    authorization_endpoint: raw['oidc.authorization_endpoint'] || cached.document.authorization_endpoint,
    token_endpoint: raw['oidc.token_endpoint'] || cached.document.token_endpoint,
    userinfo_endpoint: raw['oidc.user_info_endpoint'] || cached.document.userinfo_endpoint,
  }
}

const discoveryAttempts = new Map<string, number>()

/**
 * The authorization endpoint /api/status shows: the option, else the discovered one. Not discovered yet, a
 * discovery starts in the background (at most once a minute per URL), so a later status has it.
 */
export function knownAuthorizationEndpoint(options: OptionReader): string {
  const url = options.raw['oidc.well_known'] ?? ''
  const known = options.raw['oidc.authorization_endpoint'] || discoveries.get(url)?.document.authorization_endpoint
  if (known) return known
  if (url && (discoveryAttempts.get(url) ?? 0) < Date.now() - 60_000) {
    discoveryAttempts.set(url, Date.now())
    discover(options).catch(() => { /* the sign-in itself reports a provider that cannot be reached */ })
  }
  return ''
}

const keySetFor = ({ createRemoteJWKSet }: Jose, jwksUri: string) => {
  let keySet = keySets.get(jwksUri)
  if (!keySet) keySets.set(jwksUri, keySet = createRemoteJWKSet(new URL(jwksUri)))
  return keySet
}

/** Signature (the provider's JWKS), issuer, audience, expiry and the nonce this sign-in sent: all must hold. */
async function verifyIdToken(idToken: string, discovery: Discovery, clientId: string, nonce: string): Promise<JWTPayload> {
  const library = await (jose ??= import('jose'))
  let claims: JWTPayload
  try {
    ({ payload: claims } = await library.jwtVerify(idToken, keySetFor(library, discovery.jwks_uri), { issuer: discovery.issuer, audience: clientId, algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'] }))
  } catch (error) {
    throw new OAuthRefusal(`The OIDC ID token is invalid: ${describeJoseError(library.errors, error)}`, 'oauth_id_token_invalid')
  }
  if (!nonce || claims.nonce !== nonce) throw new OAuthRefusal('The OIDC ID token is invalid: its nonce is not the one this sign-in sent', 'oauth_id_token_invalid')
  if (typeof claims.sub !== 'string' || !claims.sub) throw new OAuthRefusal('The OIDC ID token is invalid: it names no subject', 'oauth_id_token_invalid')
  return claims
}

function describeJoseError(errors: Jose['errors'], error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired'
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify'
  if (error instanceof errors.JWKSNoMatchingKey) return 'it is signed by a key the provider does not publish'
  if (error instanceof errors.JWTClaimValidationFailed) return `its ${error.claim} claim is wrong`
  return (error as Error).message
}

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)

/**
 * Any OpenID Connect provider (options `oidc.enabled`, `oidc.client_id`, `oidc.client_secret`, `oidc.well_known`,
 * and optionally `oidc.authorization_endpoint`, `oidc.token_endpoint`, `oidc.user_info_endpoint`,
 * `oidc.display_name`): authorization code with PKCE (S256), `state` and `nonce`; the ID token is verified before
 * anything else is believed, and the userinfo answer only fills in names for the same subject.
 */
export const oidc: OAuthProvider = {
  name: 'oidc', label: 'OIDC', column: 'oidcId', usernamePrefix: 'oidc_',
  settings(options) {
    const settings = clientSettings(options, { enabled: 'oidc.enabled', clientId: 'oidc.client_id', clientSecret: 'oidc.client_secret' })
    return { ...settings, enabled: settings.enabled && !!options.raw['oidc.well_known'] }
  },
  async authorizeUrl({ options }, request) {
    const discovery = await discover(options)
    const query = new URLSearchParams({
      response_type: 'code', client_id: options.raw['oidc.client_id'] ?? '', redirect_uri: request.redirectUri, scope: 'openid profile email',
      state: request.state, nonce: request.nonce, code_challenge: request.codeChallenge, code_challenge_method: 'S256',
    })
    return `${discovery.authorization_endpoint}${discovery.authorization_endpoint.includes('?') ? '&' : '?'}${query}`
  },
  async identify({ options }, exchange) {
    const discovery = await discover(options)
    const clientId = options.raw['oidc.client_id'] ?? ''
    const answer = await providerJson<{ access_token?: string; id_token?: string }>('The OIDC provider', discovery.token_endpoint, {
      ...form({ grant_type: 'authorization_code', code: exchange.code, redirect_uri: exchange.redirectUri, code_verifier: exchange.codeVerifier }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuth(clientId, options.secret('oidc.client_secret')) },
    })
    if (!answer.id_token) throw new OAuthRefusal('The OIDC provider sent no ID token', 'oauth_id_token_invalid')
    const claims = await verifyIdToken(answer.id_token, discovery, clientId, exchange.nonce)
    let profile: Record<string, unknown> = claims
    if (discovery.userinfo_endpoint && answer.access_token) {
      const info = await providerJson<Record<string, unknown>>('The OIDC provider', discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${accessTokenOf('The OIDC provider', answer)}` } })
      // OpenID Connect Core §5.3.2: a userinfo answer for another subject must not be used.
      if (info.sub === claims.sub) profile = { ...info, ...claims }
    }
    return {
      id: claims.sub!, username: text(profile.preferred_username), displayName: text(profile.name),
      email: profile.email_verified === false ? undefined : text(profile.email),
    }
  },
}
