import type { ClientAddress } from '../net/client-address.ts'
import { Elysia, t, type TSchema } from 'elysia'
import type { Caches } from '../cache/index.ts'
import type { Config } from '../config.ts'
import type { Store } from '../db/store.ts'
import { forbidden } from '../errors.ts'
import { authenticate } from '../auth/session.ts'
import { enforceAdminTwoFactor } from '../auth/admin-two-factor.ts'
import type { SecretBox, createSigner } from '../security/crypto.ts'
import type { LoginThrottle } from '../auth/throttle.ts'
import type { Mailer } from '../auth/mail.ts'

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
  /** The client's address (TRUSTED_PROXIES), for the login throttle and the payment callbacks' logs. */
  addressOf: ClientAddress
  /** Outgoing mail over the SMTP options (src/auth/mail.ts). */
  mailer: Mailer
  /** An administrator changed a user's or token's persisted quota by `delta` (shared quota counters follow). */
  onQuotaChanged?: (kind: 'user' | 'token', id: number, delta: number) => void
}

/** How a guarded route is documented (OpenAPI; the schemes are declared in api-docs.ts). */
const managementSecurity: Record<string, string[]>[] = [{ sessionCookie: [] }, { accessToken: [] }]

/** The `role` macro: `{ role: ROLE_ADMIN }` on a route resolves `user` and refuses lower roles. */
export function authPlugin(dependencies: ApiDependencies) {
  return new Elysia({ name: 'tollgate.auth' }).macro({
    role: (minimum: number) => ({
      // Merged into the route's own detail: the OpenAPI document marks every guarded route (api-docs.ts).
      detail: { security: managementSecurity },
      async resolve({ request }) {
        const user = await authenticate(dependencies, request)
        if (user.role < minimum) throw forbidden('Insufficient privileges for this operation')
        await enforceAdminTwoFactor(dependencies, user, request)
        return { user }
      },
    }),
  })
}

/**
 * An optional enum field that stays absent when the client leaves it out. Elysia's UnionEnum carries its first value
 * as `default`, which it fills in for an absent optional field: an update that left `status` out would, for one,
 * re-enable a disabled token or channel.
 */
export const OptionalEnum = <const T extends readonly [string | number, ...(string | number)[]]>(values: T) => t.Optional(t.UnionEnum(values, { default: undefined }))

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

const MAX_PAGE = 1_000_000

/** new-api's page parsing: 1-based `p` (0 or missing → 1); `page_size`, then `ps`, then `size`; capped at 100. */
export function readPage(query: { p?: number; page_size?: number; ps?: number; size?: number }, defaultSize = 10, cap = 100) {
  // `p=1e20` or `Infinity` passes t.Numeric; past MAX_PAGE every page is empty anyway, and the offset must stay an
  // integer the database takes. Not a finite number: page 1, as new-api's Atoi failure gives.
  const page = Math.min(MAX_PAGE, Math.max(1, (Number.isFinite(query.p) ? Math.floor(query.p!) : 1) || 1))
  const requested = Math.floor(query.page_size ?? query.ps ?? query.size ?? defaultSize) || defaultSize
  return { page, pageSize: Math.min(cap, Math.max(1, requested)) }
}

export const ok = <T>(data?: T, message = '') => (data === undefined ? { success: true, message } : { success: true, message, data })
