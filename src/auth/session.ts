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

/** A new session's payload, or (`keep`) an existing session's, bound to the user's current password. */
function sessionPayload(secretBox: SecretBox, user: UserRow, keep?: { id: string; expiresAt: number }): SessionPayload & { s: string } {
  return {
    u: user.id, e: keep?.expiresAt ?? Math.floor(Date.now() / 1000) + SESSION_SECONDS, v: sessionVersion(secretBox, user),
    s: keep?.id ?? randomBytes(12).toString('base64url'),
  }
}

/**
 * A signed cookie value for the user. `keep` re-issues an existing session (same id and expiry) bound to the
 * user's current password, as a password change does for the browser that made it.
 */
export function issueSessionCookie(dependencies: Pick<SessionDependencies, 'signer' | 'secretBox'>, user: UserRow, keep?: { id: string; expiresAt: number }): string {
  return dependencies.signer.sign(JSON.stringify(sessionPayload(dependencies.secretBox, user, keep)))
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
export async function startSession(dependencies: Pick<SessionDependencies, 'signer' | 'secretBox' | 'store'>, user: UserRow, context: SignInContext): Promise<string> {
  const session = sessionPayload(dependencies.secretBox, user)
  const now = Math.floor(Date.now() / 1000)
  await dependencies.store.sessions.record({
    id: session.s, userId: user.id, method: context.method, address: context.address, userAgent: context.userAgent.slice(0, 512),
    createdAt: now, lastSeenAt: now, expiresAt: session.e,
  })
  seenAt(dependencies.store).set(session.s, now)
  return sessionSetCookie(dependencies.signer.sign(JSON.stringify(session)), secureCookies())
}

/**
 * Per store (one per node), when this node last wrote each session's last-seen time: authentication writes it at
 * most once a minute per session, so a busy console costs no database write per request.
 */
const lastSeenWrites = new WeakMap<Store, Map<string, number>>()
const LAST_SEEN_INTERVAL = 60
function seenAt(store: Store): Map<string, number> {
  let seen = lastSeenWrites.get(store)
  if (!seen) lastSeenWrites.set(store, (seen = new Map()))
  return seen
}

/** Move the session's last-seen time (or record a session signed in before sessions were listed). */
function touchSession(store: Store, session: SessionPayload & { s: string }): void {
  const now = Math.floor(Date.now() / 1000)
  const seen = seenAt(store)
  if (now - (seen.get(session.s) ?? 0) < LAST_SEEN_INTERVAL) return
  // Bounded: forgetting an entry only costs one early write.
  if (seen.size >= 100_000) seen.clear()
  seen.set(session.s, now)
  store.sessions.record({ id: session.s, userId: session.u, method: 'cookie', createdAt: session.e - SESSION_SECONDS, lastSeenAt: now, expiresAt: session.e })
    .catch((error: Error) => console.error(`[sessions] recording last seen failed: ${error.message}`))
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

/** The id of the request's session, when it carries a valid one. */
export const currentSessionId = (dependencies: Pick<SessionDependencies, 'signer'>, request: Request) => readSession(dependencies, request)?.s

/** The request's session (id and expiry), when it carries a valid one: a password change re-issues it. */
export function currentSession(dependencies: Pick<SessionDependencies, 'signer'>, request: Request): { id: string; expiresAt: number } | undefined {
  const session = readSession(dependencies, request)
  return session?.s ? { id: session.s, expiresAt: session.e } : undefined
}

/**
 * End every session of the user except `keepSessionId` (the one making the change), on every node at once: a
 * password change, an admin reset or disable, a 2FA change. Returns how many were ended.
 */
export async function endOtherSessions(dependencies: Pick<SessionDependencies, 'store' | 'caches'>, userId: number, keepSessionId?: string): Promise<number> {
  const others = (await dependencies.store.sessions.listForUser(userId, Math.floor(Date.now() / 1000))).filter((session) => session.id !== keepSessionId)
  if (others.length === 0) return 0
  await dependencies.store.sessions.end(others)
  await dependencies.caches.invalidate({ kind: 'sessions' })
  return others.length
}

/**
 * Sign-out: the session's id is recorded as revoked until its cookie would have expired, and every node is told, so
 * a copy of the cookie stops working everywhere at once, not only in the browser that dropped it.
 */
export async function revokeSession(dependencies: Pick<SessionDependencies, 'signer' | 'store' | 'caches'>, request: Request): Promise<void> {
  const session = readSession(dependencies, request)
  if (!session?.s) return
  await dependencies.store.sessions.end([{ id: session.s, userId: session.u, expiresAt: session.e }])
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
  if (session?.s) {
    const candidate = await store.users.get(session.u)
    if (candidate && sessionVersion(secretBox, candidate) === session.v) {
      // A disabled account's sessions are ended too; saying why is kinder than "not logged in".
      if (candidate.status !== 1) throw unauthorized('User has been banned', 'AUTH_USER_DISABLED')
      if (!dependencies.caches.sessionRevoked(session.s)) {
        user = candidate
        touchSession(store, session as SessionPayload & { s: string })
      }
    }
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
