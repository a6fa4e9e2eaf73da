import type { Caches } from '../cache/index.ts'
import type { Store, UserRow } from '../db/store.ts'
import { forbidden } from '../errors.ts'
import { ADMIN_TWO_FACTOR_OPTION } from './second-factor-settings.ts'
import { hasTwoFactor } from './two-factor.ts'

const ROLE_ADMIN = 10

/** What an administrator without 2FA may still reach while `AdminTwoFactorRequired` is on: enough to set it up. */
const setupPaths = ['/api/user/self', '/api/user/2fa/']
const allowedDuringSetup = (path: string) => setupPaths.some((allowed) => path === allowed || (allowed.endsWith('/') && path.startsWith(allowed)))

export const adminTwoFactorRequired = (caches: Pick<Caches, 'options'>) => caches.options.raw[ADMIN_TWO_FACTOR_OPTION] === 'true'

/** Whether this user must set up 2FA before doing anything else (an administrator while the option is on). */
export async function mustSetUpTwoFactor(dependencies: { store: Pick<Store, 'twoFactor'>; caches: Pick<Caches, 'options'> }, user: UserRow): Promise<boolean> {
  return user.role >= ROLE_ADMIN && adminTwoFactorRequired(dependencies.caches) && !(await hasTwoFactor(dependencies, user.id))
}

/**
 * Refuse an administrator's request, whichever way they authenticated, until 2FA is on. Only the 2FA routes and
 * their own profile stay open, so the console can lead them through the setup.
 */
export async function enforceAdminTwoFactor(dependencies: { store: Pick<Store, 'twoFactor'>; caches: Pick<Caches, 'options'> }, user: UserRow, request: Request): Promise<void> {
  if (user.role < ROLE_ADMIN || !adminTwoFactorRequired(dependencies.caches)) return
  if (allowedDuringSetup(new URL(request.url).pathname)) return
  if (await mustSetUpTwoFactor(dependencies, user)) {
    throw forbidden('Administrators must turn on two-factor authentication first (account page)', 'two_factor_setup_required')
  }
}
