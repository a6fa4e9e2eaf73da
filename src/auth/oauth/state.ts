import { createHash, randomBytes } from 'node:crypto'
import type { OAuthStateRow, Store } from '../../db/store.ts'
import { forbidden } from '../../errors.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { readCookie } from '../session.ts'

/**
 * OAuth `state`: one random value per sign-in, recorded with a hash of a random value kept in the starting browser's
 * HttpOnly cookie, the PKCE verifier, the OIDC nonce and the redirect URI the provider was given. The callback takes it in one statement (src/db/store/
 * oauth-states.ts), so it works once, in that browser, for that provider, for ten minutes.
 */
export const OAUTH_BROWSER_COOKIE = 'oauth_browser'
export const STATE_SECONDS = 600
const BROWSER_COOKIE_SECONDS = 86_400

interface StateDependencies { store: Store; secretBox: SecretBox }

export interface StartedState {
  state: string
  nonce: string
  codeChallenge: string
  /** A Set-Cookie value when this browser had no binding cookie yet. */
  setCookie?: string
}

const random = () => randomBytes(32).toString('base64url')
const now = () => Math.floor(Date.now() / 1000)

export async function startState(
  dependencies: StateDependencies, request: Request,
  intent: { provider: string; action: 'login' | 'bind'; userId: number; invitation: string; redirectUri: string },
): Promise<StartedState> {
  let browser = readCookie(request.headers.get('cookie'), OAUTH_BROWSER_COOKIE)
  let setCookie: string | undefined
  if (!browser || !/^[\w-]{43}$/.test(browser)) {
    browser = random()
    const secure = process.env.SESSION_COOKIE_SECURE === 'true' ? '; Secure' : ''
    // Lax: the console page the provider redirects to is a top-level navigation; its API call is same-site.
    setCookie = `${OAUTH_BROWSER_COOKIE}=${browser}; Path=/api/oauth; Max-Age=${BROWSER_COOKIE_SECONDS}; HttpOnly; SameSite=Lax${secure}`
  }
  const state = random()
  const nonce = random()
  const codeVerifier = random()
  const row: OAuthStateRow = {
    stateHash: dependencies.secretBox.hash(`oauth-state:${state}`), provider: intent.provider, action: intent.action, userId: intent.userId,
    browserHash: dependencies.secretBox.hash(`oauth-browser:${browser}`), codeVerifier, nonce, invitation: intent.invitation.slice(0, 64), redirectUri: intent.redirectUri,
    expiresAt: now() + STATE_SECONDS,
  }
  await dependencies.store.oauthStates.create(row, now())
  return { state, nonce, codeChallenge: createHash('sha256').update(codeVerifier).digest('base64url'), setCookie }
}

/** The sign-in this state started, taken; a missing, used, expired or foreign state is refused and changes nothing. */
export async function takeState(dependencies: StateDependencies, request: Request, provider: string, state: string | undefined): Promise<OAuthStateRow> {
  const browser = readCookie(request.headers.get('cookie'), OAUTH_BROWSER_COOKIE)
  const taken = state && browser
    ? await dependencies.store.oauthStates.take(dependencies.secretBox.hash(`oauth-state:${state}`), dependencies.secretBox.hash(`oauth-browser:${browser}`), provider, now())
    : undefined
  if (!taken) throw forbidden('The sign-in state is invalid, already used, expired or from another browser; start the sign-in again', 'oauth_state_invalid')
  return taken
}
