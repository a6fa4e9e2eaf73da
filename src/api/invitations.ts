import { Elysia, t } from 'elysia'
import { badRequest } from '../errors.ts'
import { createTopUps } from '../billing/top-up.ts'
import { randomAlphanumeric } from '../security/crypto.ts'
import { authPlugin, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

/** Invitations: each user's code (`/sign-in?aff=<code>` registers through it) and moving rewards into the balance. */
export function invitationRoutes(dependencies: ApiDependencies) {
  const { store, caches } = dependencies
  const topUps = createTopUps(dependencies)
  return new Elysia({ name: 'tollgate.invitations', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .get('/aff', async ({ user }) => {
      if (user.affCode) return ok(user.affCode)
      const code = await store.invitations.assignCode(user.id, randomAlphanumeric(10))
      await caches.invalidate({ kind: 'users', id: user.id })
      return ok(code ?? '')
    }, { role: ROLE_USER, response: envelope(t.String()), detail: { tags: ['Users'], summary: 'Own invitation code (made on first call)' } })
    .post('/aff_transfer', async ({ body, user }) => {
      // new-api: at least one unit (QuotaPerUnit) a transfer.
      const minimum = caches.options.quotaPerUnit
      if (body.quota < minimum) throw badRequest(`The smallest transfer is ${minimum} quota units`, 'transfer_too_small')
      const updated = await topUps.transferInvitationRewards(user, body.quota)
      if (!updated) throw badRequest('You have fewer invitation rewards than that', 'insufficient_aff_quota')
      return ok({ quota: Number(updated.quota), aff_quota: Number(updated.affQuota) })
    }, {
      role: ROLE_USER,
      body: t.Object({ quota: t.Integer({ minimum: 1, error: 'quota must be a whole number of quota units' }) }),
      response: envelope(t.Object({ quota: t.Number(), aff_quota: t.Number() })),
      detail: { tags: ['Users'], summary: 'Move invitation rewards into the balance' },
    })
}
