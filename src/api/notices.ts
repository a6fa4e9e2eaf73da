import { Elysia, t } from 'elysia'
import { badRequest } from '../errors.ts'
import { assertPublicUrl } from '../net/ssrf.ts'
import { authPlugin, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

/**
 * The user's notice settings, new-api's `PUT /api/user/setting`: merged into the user's `setting` JSON. Only
 * webhook notices are offered (e-mail needs SMTP, which this gateway does not have yet).
 */
export function noticeRoutes(dependencies: ApiDependencies) {
  const { store, caches, config } = dependencies
  return new Elysia({ name: 'tollgate.notices', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .put('/setting', async ({ body, user }) => {
      if (body.notify_type === 'email') throw badRequest('E-mail notices need SMTP, which this gateway does not offer yet; use a webhook', 'email_unavailable')
      let current: Record<string, unknown> = {}
      try { current = user.setting ? JSON.parse(user.setting) as Record<string, unknown> : {} } catch { /* an unreadable setting is replaced */ }
      const next = { ...current }
      if (body.quota_warning_threshold !== undefined) next.quota_warning_threshold = body.quota_warning_threshold
      if (body.notify_type !== undefined) next.notify_type = body.notify_type
      // Sealed at rest like every secret; publicSetting() leaves it out of every answer.
      if (body.webhook_secret !== undefined) next.webhook_secret = dependencies.secretBox.seal(body.webhook_secret)
      if (body.webhook_url !== undefined) {
        if (body.webhook_url !== '') {
          try { await assertPublicUrl(body.webhook_url, config.notifyWebhookAllowHosts) } catch (error) { throw badRequest(`webhook_url: ${(error as Error).message}`, 'unsafe_url') }
        }
        next.webhook_url = body.webhook_url
      }
      if (next.notify_type === 'webhook' && (!next.webhook_url || !next.webhook_secret)) throw badRequest('A webhook notice needs webhook_url and webhook_secret', 'webhook_incomplete')
      const updated = await store.users.update(user.id, { setting: JSON.stringify(next), quotaNoticeSent: false })
      await caches.invalidate({ kind: 'users', id: user.id })
      const { webhook_secret: secret, ...shown } = JSON.parse(updated!.setting) as Record<string, unknown>
      return ok({ ...shown, webhook_secret_set: typeof secret === 'string' && secret !== '' })
    }, {
      role: ROLE_USER,
      body: t.Object({
        notify_type: t.Optional(t.String({ pattern: '^(webhook|email|none)$', error: 'notify_type must be webhook or none' })),
        quota_warning_threshold: t.Optional(t.Integer({ minimum: 0, maximum: 1e15, error: 'quota_warning_threshold must be whole quota units ≥ 0' })),
        webhook_url: t.Optional(t.String({ maxLength: 2000 })),
        webhook_secret: t.Optional(t.String({ minLength: 8, maxLength: 128, error: 'webhook_secret must be 8-128 characters' })),
      }, { additionalProperties: true }),
      response: envelope(t.Record(t.String(), t.Unknown())),
      detail: { tags: ['Users'], summary: 'Own notice settings: low-balance threshold and signed webhook' },
    })
}
