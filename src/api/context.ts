import { Elysia, t, type TSchema } from 'elysia'
import type { Caches } from '../cache/index.ts'
import type { Config } from '../config.ts'
import type { Store, UserRow } from '../db/store.ts'
import { forbidden, unauthorized } from '../errors.ts'
import type { SecretBox, createSigner } from '../security/crypto.ts'
import type { LoginThrottle } from '../auth/throttle.ts'

export const ROLE_USER = 1
export const ROLE_ADMIN = 10
export const ROLE_ROOT = 100

/** Everything the management API needs; built once by `createApp` callers (server or tests). */
export interface ApiDependencies {
  config: Config
  store: Store
  caches: Caches
  secretBox: SecretBox
  signer: ReturnType<typeof createSigner>
  throttle: LoginThrottle
  /** An administrator changed a user's or token's persisted quota by `delta` (shared quota counters follow). */
  onQuotaChanged?: (kind: 'user' | 'token', id: number, delta: number) => void
}

export const SESSION_COOKIE = 'session'
export const SESSION_SECONDS = 30 * 24 * 3600

/** Binds a session to the password it was made with: changing the password ends every older session. */
export const sessionVersion = (secretBox: SecretBox, user: UserRow) => secretBox.hash(`${user.id}:${user.passwordHash}`).slice(0, 12)

export function issueSessionCookie(dependencies: ApiDependencies, user: UserRow): string {
  const payload = JSON.stringify({ u: user.id, e: Math.floor(Date.now() / 1000) + SESSION_SECONDS, v: sessionVersion(dependencies.secretBox, user) })
  return dependencies.signer.sign(payload)
}

/** Parse the cookie header once; Elysia's cookie jar is heavier than this route needs. */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index > 0 && part.slice(0, index).trim() === name) return decodeURIComponent(part.slice(index + 1).trim())
  }
  return undefined
}

export function sessionSetCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(value)}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}
export const sessionClearCookie = `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`

/**
 * Who is calling: a signed session cookie, or `Authorization: [Bearer ]<access token>`. A `New-Api-User` header,
 * when sent, must name the same user (new-api classic clients send it; current ones do not).
 */
export async function authenticate(dependencies: ApiDependencies, request: Request): Promise<UserRow> {
  const { store, signer, secretBox } = dependencies
  let user: UserRow | undefined
  const cookie = readCookie(request.headers.get('cookie'), SESSION_COOKIE)
  if (cookie) {
    const payload = signer.verify(cookie)
    if (payload) {
      const session = JSON.parse(payload) as { u: number; e: number; v: string }
      if (session.e > Date.now() / 1000) {
        const candidate = await store.users.get(session.u)
        if (candidate && sessionVersion(secretBox, candidate) === session.v) user = candidate
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

/** The `role` macro: `{ role: ROLE_ADMIN }` on a route resolves `user` and refuses lower roles. */
export function authPlugin(dependencies: ApiDependencies) {
  return new Elysia({ name: 'tollgate.auth' }).macro({
    role: (minimum: number) => ({
      async resolve({ request }) {
        const user = await authenticate(dependencies, request)
        if (user.role < minimum) throw forbidden('Insufficient privileges for this operation')
        return { user }
      },
    }),
  })
}

/** `{success, message, data}` schema for OpenAPI. */
export const envelope = <T extends TSchema>(data: T) => t.Object({ success: t.Boolean(), message: t.String(), data: t.Optional(data) })
export const emptyEnvelope = t.Object({ success: t.Boolean(), message: t.String() })
export const pageOf = <T extends TSchema>(item: T) => t.Object({ items: t.Array(item), total: t.Integer(), page: t.Integer(), page_size: t.Integer() })

export const PageQuery = {
  p: t.Optional(t.Numeric()),
  page_size: t.Optional(t.Numeric()),
  ps: t.Optional(t.Numeric()),
  size: t.Optional(t.Numeric()),
}

/** new-api's page parsing: 1-based `p` (0 or missing → 1); `page_size`, then `ps`, then `size`; capped at 100. */
export function readPage(query: { p?: number; page_size?: number; ps?: number; size?: number }, defaultSize = 10, cap = 100) {
  const page = Math.max(1, Math.floor(query.p ?? 1) || 1)
  const requested = Math.floor(query.page_size ?? query.ps ?? query.size ?? defaultSize) || defaultSize
  return { page, pageSize: Math.min(cap, Math.max(1, requested)) }
}

export const ok = <T>(data?: T, message = '') => (data === undefined ? { success: true, message } : { success: true, message, data })
