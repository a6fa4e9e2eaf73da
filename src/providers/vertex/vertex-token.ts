import type { CryptoKey } from 'jose'
import type { AuthPost } from '../types.ts'
import type { VertexServiceAccount } from './vertex-key.ts'

/**
 * OAuth2 access tokens for service-account keys (Google's "service account JWT bearer" flow): a JWT signed with the
 * key's RS256 private key is exchanged at the key's token_uri for an access token, which is then reused for every
 * request of that key until shortly before it expires. Concurrent requests needing a token share one exchange.
 */

export const cloudPlatformScope = 'https://www.googleapis.com/auth/cloud-platform'
/** A token is renewed this long before Google says it expires, so none expires in flight. */
const RENEW_BEFORE_MS = 60_000

interface CachedToken {
  token: string
  /** Epoch ms after which the token is renewed. */
  renewAt: number
}

interface KeyState {
  signingKey?: Promise<CryptoKey>
  current?: CachedToken
  /** The exchange in flight, shared by every request waiting for this key's token. */
  pending?: Promise<string>
}

/**
 * One cache per process, held by the parsed key (parseVertexKey gives every channel holding the same key text the
 * same object), so the hot path does no hashing of its own and a forgotten key takes its token with it.
 */
const states = new WeakMap<VertexServiceAccount, KeyState>()

// Loaded with the first service-account key: a gateway without Vertex channels does not carry jose.
let jose: Promise<typeof import('jose')> | undefined
const loadJose = () => (jose ??= import('jose'))

function stateFor(account: VertexServiceAccount): KeyState {
  let state = states.get(account)
  if (!state) states.set(account, state = {})
  return state
}

async function exchange(account: VertexServiceAccount, state: KeyState, post: AuthPost, now: () => number): Promise<string> {
  state.signingKey ??= loadJose().then(({ importPKCS8 }) => importPKCS8(account.privateKey, 'RS256'))
  let signingKey: CryptoKey
  try {
    signingKey = await state.signingKey
  } catch (error) {
    state.signingKey = undefined
    throw new Error(`Vertex AI service-account private_key cannot be read: ${(error as Error).message}`)
  }
  const issuedAt = Math.floor(now() / 1000)
  const header: { alg: 'RS256'; typ: 'JWT'; kid?: string } = { alg: 'RS256', typ: 'JWT' }
  if (account.privateKeyId) header.kid = account.privateKeyId
  const { SignJWT } = await loadJose()
  const assertion = await new SignJWT({ scope: cloudPlatformScope })
    .setProtectedHeader(header)
    .setIssuer(account.clientEmail)
    .setAudience(account.tokenUri)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + 3600)
    .sign(signingKey)
  const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString()
  const response = await post(account.tokenUri, { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body)
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try { json = JSON.parse(text) as Record<string, unknown> } catch { /* reported below */ }
  if (response.status !== 200 || typeof json.access_token !== 'string') {
    // Google answers {error, error_description}; the assertion itself is never part of the message.
    const reason = typeof json.error === 'string' ? `${json.error}${typeof json.error_description === 'string' ? `: ${json.error_description}` : ''}` : text.slice(0, 200)
    throw new Error(`Vertex AI token exchange failed (HTTP ${response.status}): ${reason}`)
  }
  const lifetimeMs = (typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 3600) * 1000
  state.current = { token: json.access_token, renewAt: now() + lifetimeMs - RENEW_BEFORE_MS }
  return json.access_token
}

/** The key's access token: the cached one while it is fresh, else one exchange shared by every caller waiting. */
export function vertexAccessToken(account: VertexServiceAccount, post: AuthPost, now: () => number = Date.now): Promise<string> {
  const state = stateFor(account)
  if (state.current && now() < state.current.renewAt) return Promise.resolve(state.current.token)
  state.pending ??= exchange(account, state, post, now).finally(() => { state.pending = undefined })
  return state.pending
}
