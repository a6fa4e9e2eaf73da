import { Elysia, t } from 'elysia'
import type { UserRow } from '../db/store.ts'
import { badRequest, forbidden, notFound } from '../errors.ts'
import { endOtherSessions } from '../auth/session.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_ADMIN, ROLE_ROOT, type ApiDependencies } from './context.ts'

/**
 * new-api's admin recovery routes for a user locked out of their second factor: turn their 2FA off, remove their
 * passkeys, and count who uses 2FA. An admin acts only on users below their role; root on anyone.
 */
export function secondFactorAdminRoutes(dependencies: ApiDependencies) {
  const { store } = dependencies
  async function target(actor: UserRow, id: number): Promise<UserRow> {
    const user = await store.users.get(id)
    if (!user) throw notFound(`User ${id} does not exist`)
    if (actor.role !== ROLE_ROOT && user.role >= actor.role) throw forbidden('You cannot change the sign-in of a user whose role is equal to or higher than yours')
    return user
  }

  return new Elysia({ name: 'tollgate.second-factor-admin', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .get('/2fa/stats', async () => {
      const [enabled, users] = await Promise.all([store.twoFactor.countEnabled(), store.users.count()])
      return ok({ total_users: users, enabled_users: enabled, enabled_rate: users ? Math.round((enabled / users) * 10_000) / 100 : 0 })
    }, {
      role: ROLE_ADMIN, response: envelope(t.Object({ total_users: t.Integer(), enabled_users: t.Integer(), enabled_rate: t.Number() })),
      detail: { tags: ['Two-factor'], summary: 'How many users have 2FA on (admin)' },
    })
    .delete('/:id/2fa', async ({ params, user: actor }) => {
      const user = await target(actor, params.id)
      if (!(await store.twoFactor.remove(user.id))) throw badRequest('The user has no two-factor authentication', 'two_factor_not_enabled')
      await endOtherSessions(dependencies, user.id)
      return ok(undefined, 'Two-factor authentication of the user is off')
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Two-factor'], summary: 'Turn a user\'s 2FA off (admin; for a user who lost their device)' } })
    .delete('/:id/reset_passkey', async ({ params, user: actor }) => {
      const user = await target(actor, params.id)
      if ((await store.passkeys.remove(user.id)) === 0) throw badRequest('The user has no passkey', 'passkey_none')
      await endOtherSessions(dependencies, user.id)
      return ok(undefined, 'The user\'s passkeys are removed')
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Passkeys'], summary: 'Remove all of a user\'s passkeys (admin)' } })
}
