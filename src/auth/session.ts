import { randomBytes } from 'node:crypto'
import type { Caches } from '../cache/index.ts'
import type { Store, UserRow } from '../db/store.ts'
import { unauthorized } from '../errors.ts'
import type { createSigner, SecretBox } from '../security/crypto.ts'

/** Management-API sign-in: signed session cookies and personal access tokens. */
export interface SessionDependencies {
  store: Store
  secretBox: SecretBox
  signer: ReturnType<typeof createSigner>
  /** Signed-out session ids, shared by every node through the store and the invalidation bus. */
  caches: Pick<Caches, 'sessionRevoked' | 'invalidate'>
}

/** What a session cookie carries, signed: user, expiry (unix seconds), password version, session id. */
interface SessionPayload { u: number; e: number; v: string; s?: string }

export const SESSION_COOKIE = 'session'
export const SESSION_SECONDS = 30 * 24 * 3600

/** Binds a session to the password it was made with: changing the password ends every older session. */
export const sessionVersion = (secretBox: SecretBox, user: UserRow) => secretBox.hash(`${user.id}:${user.passwordHash}`).slice(0, 12)

export function issueSessionCookie(dependencies: Pick<SessionDependencies, 'signer' | 'secretBox'>, user: UserRow): string {
  const payload = JSON.stringify({ u: user.id, e: Math.floor(Date.now() / 1000) + SESSION_SECONDS, v: sessionVersion(dependencies.secretBox, user), s: randomBytes(12).toString('base64url') } satisfies SessionPayload)
  return dependencies.signer.sign(payload)
}

/** Where a sign-in came from: recorded with the session so the account page can list it. */
export interface SignInContext {
  /** `password`, `passkey`, or the OAuth provider's name (`github`, `oidc`, `telegram`…). */
  method: string
  address: string
  userAgent: string
}

export const secureCookies = () => process.env.SESSION_COOKIE_SECURE === 'true'

/**
 * Every way of signing in ends here: a new session for the user, returned as the `Set-Cookie` header value.
 * Sign-in flows call this and nothing lower, so sessions are recorded in one place.
 */
export async function startSession(dependencies: Pick<SessionDependencies, 'signer' | 'secretBox'>, user: UserRow, _context: SignInContext): Promise<string> {
  return sessionSetCookie(issueSessionCookie(dependencies, user), secureCookies())
}

/** Parse the cookie header once; Elysia's cookie jar is heavier than this route needs. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index > 0 && part.slice(0, index).trim() === name) {
      // A cookie that is not valid percent-encoding (`session=%`) is no session, not a server error.
      try { return decodeURIComponent(part.slice(index + 1).trim()) } catch { return undefined }
    }
  }
  return undefined
}

export function sessionSetCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}
export const sessionClearCookie = `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`

/** The request's session cookie, when it is signed by us and not expired. */
function readSession(dependencies: Pick<SessionDependencies, 'signer'>, request: Request): SessionPayload | undefined {
  const cookie = readCookie(request.headers.get('cookie'), SESSION_COOKIE)
  const payload = cookie && dependencies.signer.verify(cookie)
  if (!payload) return undefined
  const session = JSON.parse(payload) as SessionPayload
  return session.e > Date.now() / 1000 ? session : undefined
}

/** The id of the request's signed session, when it carries one (access tokens have none). */
export const sessionIdOf = (dependencies: Pick<SessionDependencies, 'signer'>, request: Request) => readSession(dependencies, request)?.s

/**
 * Sign-out: the session's id is recorded as revoked until its cookie would have expired, and every node is told, so
 * a copy of the cookie stops working everywhere at once, not only in the browser that dropped it.
 */
export async function revokeSession(dependencies: Pick<SessionDependencies, 'signer' | 'store' | 'caches'>, request: Request): Promise<void> {
  const session = readSession(dependencies, request)
  if (!session?.s) return
  await dependencies.store.sessions.revoke(session.s, session.u, session.e)
  await dependencies.caches.invalidate({ kind: 'sessions' })
}

/**
 * Who is calling: a signed session cookie, or `Authorization: [Bearer ]<access token>`. A `New-Api-User` header,
 * when sent, must name the same user (new-api classic clients send it; current ones do not).
 */
export async function authenticate(dependencies: SessionDependencies, request: Request): Promise<UserRow> {
  const { store, signer, secretBox } = dependencies
  let user: UserRow | undefined
  const session = readSession(dependencies, request)
  // A cookie from before sessions had ids cannot be signed out, so it is no longer accepted.
  if (session?.s && !dependencies.caches.sessionRevoked(session.s)) {
    const candidate = await store.users.get(session.u)
    if (candidate && sessionVersion(secretBox, candidate) === session.v) user = candidate
  }
  if (!user) {
    const header = request.headers.get('authorization')?.trim()
    const token = header?.replace(/^bearer\s+/i, '')
    if (token) {
      user = await store.users.getByAccessTokenHash(secretBox.hash(token))
      if (!user) throw unauthorized('Invalid access token')
    }
  }
  if (!user) throw unauthorized('Not logged in and no access token provided')
  const claimed = request.headers.get('new-api-user')
  if (claimed !== null && claimed !== '' && claimed !== String(user.id)) {
    throw unauthorized('New-Api-User does not match the authenticated user', 'AUTH_USER_INVALID')
  }
  if (user.status !== 1) throw unauthorized('User has been banned', 'AUTH_USER_DISABLED')
  return user
}
