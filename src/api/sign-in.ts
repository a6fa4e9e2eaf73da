import type { UserRow } from '../db/store.ts'
import { mustSetUpTwoFactor } from '../auth/admin-two-factor.ts'
import { startSession } from '../auth/session.ts'
import { ok, type ApiDependencies } from './context.ts'

/** The sign-in methods that end in a session here (OAuth providers name themselves). */
export type SessionMethod = 'password' | 'passkey'

/**
 * The last step of every sign-in route: start the session (its cookie joins `cookies`) and answer new-api's
 * `data:{id, username, …}`. `require_2fa_setup` tells an administrator the console must lead them to the 2FA
 * setup first (AdminTwoFactorRequired).
 */
export async function completeSignIn(
  dependencies: ApiDependencies, user: UserRow, method: SessionMethod, request: Request, address: string, set: { headers: Record<string, unknown> }, cookies: string[] = [],
) {
  const sessionCookie = await startSession(dependencies, user, { method, address, userAgent: request.headers.get('user-agent') ?? '' })
  set.headers['set-cookie'] = [sessionCookie, ...cookies]
  const data: Record<string, unknown> = {
    id: user.id, username: user.username, display_name: user.displayName, role: user.role, status: user.status, group: user.group,
    must_change_password: user.mustChangePassword,
  }
  if (await mustSetUpTwoFactor(dependencies, user)) data.require_2fa_setup = true
  return ok(data)
}
