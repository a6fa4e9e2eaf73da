import { Elysia, t } from 'elysia'
import { normalizeEmail } from '../auth/email-address.ts'
import { readMailSettings } from '../auth/mail.ts'
import { badRequest } from '../errors.ts'
import { assertPublicUrl } from '../net/ssrf.ts'
import { authPlugin, envelope, ok, ROLE_USER, type ApiDependencies } from './context.ts'

/**
 * The user's notice settings, new-api's `PUT /api/user/setting`: merged into the user's `setting` JSON. Notices go
 * to a signed webhook or by e-mail (to `notification_email`, or else the account's address) when SMTP is set.
 */
export function noticeRoutes(dependencies: ApiDependencies) {
  const { store, caches, config } = dependencies
  return new Elysia({ name: 'tollgate.notices', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .put('/setting', async ({ body, user }) => {
      if (body.notify_type === 'email' && !readMailSettings(caches.options, dependencies.secretBox)) throw badRequest('E-mail notices need SMTP, which the administrator has not set up; use a webhook', 'email_unavailable')
      let current: Record<string, unknown> = {}
      try { current = user.setting ? JSON.parse(user.setting) as Record<string, unknown> : {} } catch { /* an unreadable setting is replaced */ }
      const next = { ...current }
      if (body.quota_warning_threshold !== undefined) next.quota_warning_threshold = body.quota_warning_threshold
      if (body.notify_type !== undefined) next.notify_type = body.notify_type
      if (body.notification_email !== undefined) next.notification_email = body.notification_email === '' ? '' : normalizeEmail(body.notification_email)
      // Sealed at rest like every secret; publicSetting() leaves it out of every answer.
      if (body.webhook_secret !== undefined) next.webhook_secret = dependencies.secretBox.seal(body.webhook_secret)
      if (body.webhook_url !== undefined) {
        if (body.webhook_url !== '') {
          try { await assertPublicUrl(body.webhook_url, config.notifyWebhookAllowHosts) } catch (error) { throw badRequest(`webhook_url: ${(error as Error).message}`, 'unsafe_url') }
        }
        next.webhook_url = body.webhook_url
      }
      if (next.notify_type === 'webhook' && (!next.webhook_url || !next.webhook_secret)) throw badRequest('A webhook notice needs webhook_url and webhook_secret', 'webhook_incomplete')
      if (next.notify_type === 'email' && !next.notification_email && !user.email) throw badRequest('An e-mail notice needs notification_email, or an e-mail address bound to the account', 'email_missing')
      const updated = await store.users.update(user.id, { setting: JSON.stringify(next), quotaNoticeSent: false })
      await caches.invalidate({ kind: 'users', id: user.id })
      const { webhook_secret: secret, ...shown } = JSON.parse(updated!.setting) as Record<string, unknown>
      return ok({ ...shown, webhook_secret_set: typeof secret === 'string' && secret !== '' })
    }, {
      role: ROLE_USER,
      body: t.Object({
        notify_type: t.Optional(t.String({ pattern: '^(webhook|email|none)$', error: 'notify_type must be webhook, email or none' })),
        notification_email: t.Optional(t.String({ maxLength: 100 })),
        quota_warning_threshold: t.Optional(t.Integer({ minimum: 0, maximum: 1e15, error: 'quota_warning_threshold must be whole quota units ≥ 0' })),
        webhook_url: t.Optional(t.String({ maxLength: 2000 })),
        webhook_secret: t.Optional(t.String({ minLength: 8, maxLength: 128, error: 'webhook_secret must be 8-128 characters' })),
      }, { additionalProperties: true }),
      response: envelope(t.Record(t.String(), t.Unknown())),
      detail: { tags: ['Users'], summary: 'Own notice settings: low-balance threshold, and a signed webhook or e-mail' },
    })
}
