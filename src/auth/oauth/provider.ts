import type { Config } from '../../config.ts'
import type { IdentityColumn } from '../../db/store.ts'
import { GatewayError } from '../../errors.ts'

/** Who the provider says signed in. `id` is the provider's stable user id, stored in the source's user column. */
export interface ProviderIdentity {
  id: string
  username?: string
  displayName?: string
  email?: string
  /**
   * An older id the same account may be bound under (GitHub: the login, which new-api bound before it bound the
   * numeric id, and which imported databases still hold). A sign-in moves such a binding to `id`.
   */
  legacyId?: string
}

/** Anything that vouches for an identity: the OAuth providers below, and the Telegram login widget. */
export interface IdentitySource {
  /** Route and session-method name: `/api/oauth/{name}`, the console's `/oauth/{name}`, `startSession`'s method. */
  name: string
  /** How people call it, in messages and buttons. */
  label: string
  /** The user column the identity binds to (new-api's `github_id`, `oidc_id`…). */
  column: IdentityColumn
  /** new-api's made-up username for a new account when the provider's is taken: `github_` + a number. */
  usernamePrefix: string
}

/** The options as stored (new-api's names), with sealed secrets opened. */
export interface OptionReader {
  raw: Record<string, string | undefined>
  /** A secret option in clear ('' when unset or sealed under another CRYPTO_SECRET). */
  secret(key: string): string
}

/** What one sign-in hands the provider; `redirectUri` is the console's `/oauth/{name}` page. */
export interface AuthorizeRequest { state: string; nonce: string; codeChallenge: string; redirectUri: string }
export interface CodeExchange { code: string; codeVerifier: string; nonce: string; redirectUri: string }

/** A provider's settings, read from the options on each use (they change at run time). */
export interface ProviderSettings {
  /** On, with a client id and secret: only then is the button shown and the callback accepted. */
  enabled: boolean
  clientId: string
}

/**
 * One OAuth 2.0 / OpenID Connect sign-in provider; adding one is a file implementing this and an entry in
 * `./index.ts`. Call order: `settings` → `authorizeUrl` (the browser goes there with our `state`) → the provider
 * redirects to the console's `/oauth/{name}?code=&state=`, which calls `/api/oauth/{name}` → the state is taken →
 * `identify` (code exchange, ID token or user endpoint) → sign in or bind.
 */
export interface OAuthProvider extends IdentitySource {
  settings(options: OptionReader): ProviderSettings
  authorizeUrl(context: ProviderContext, request: AuthorizeRequest): Promise<string>
  /** Exchanges the code and says who signed in; throws `OAuthRefusal` (or a GatewayError) when it must not go on. */
  identify(context: ProviderContext, exchange: CodeExchange): Promise<ProviderIdentity>
}

export interface ProviderContext {
  options: OptionReader
  config: Config
}

/** The provider or its answer refused the sign-in (bad code, trust level too low, ID token invalid…). */
export class OAuthRefusal extends GatewayError {
  constructor(message: string, code = 'oauth_refused') {
    super(403, message, code)
  }
}

const PROVIDER_TIMEOUT_MS = 10_000

/**
 * A JSON call to a provider. A failed call names the provider and what it said (`error_description` or `message`)
 * but never the tokens that went with it.
 */
export async function providerJson<T>(label: string, url: string, init: RequestInit = {}): Promise<T> {
  let response: Response
  try {
    response = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers }, redirect: 'manual', signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) })
  } catch (error) {
    throw new GatewayError(502, `${label} could not be reached: ${(error as Error).message}`, 'oauth_provider_unreachable')
  }
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try { body = JSON.parse(text) } catch { /* not JSON: described below */ }
  // GitHub's token endpoint answers 200 with `{error, error_description}`.
  const said = body.error_description ?? body.error ?? body.message
  if (!response.ok || body.error) {
    throw new OAuthRefusal(`${label} refused the sign-in${said ? `: ${String(said)}` : ` (HTTP ${response.status})`}`)
  }
  if (!text || typeof body !== 'object') throw new OAuthRefusal(`${label} answered something that is not JSON`)
  return body as T
}

/** An `application/x-www-form-urlencoded` POST body, as every token endpoint takes. */
export const form = (fields: Record<string, string>): RequestInit => ({
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(),
})

/** `Authorization: Basic` for a client id and secret, form-encoded first as RFC 6749 §2.3.1 asks. */
export const basicAuth = (clientId: string, clientSecret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`

/** The token endpoint's access token, or a refusal when it sent none. */
export function accessTokenOf(label: string, answer: { access_token?: unknown }): string {
  if (typeof answer.access_token !== 'string' || !answer.access_token) throw new OAuthRefusal(`${label} sent no access token`)
  return answer.access_token
}

export const flag = (value: string | undefined) => value === 'true'

/** The usual three options: a switch, a public client id and a sealed client secret; on only with all three. */
export function clientSettings(options: OptionReader, keys: { enabled: string; clientId: string; clientSecret: string }): ProviderSettings {
  const clientId = options.raw[keys.clientId] ?? ''
  return { enabled: flag(options.raw[keys.enabled]) && !!clientId && !!options.secret(keys.clientSecret), clientId }
}
