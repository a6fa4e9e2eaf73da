import { createHmac } from 'node:crypto'
import type { Mailer } from '../auth/mail.ts'
import type { Caches } from '../cache/index.ts'
import type { Store, UserRow } from '../db/store.ts'
import { assertPublicUrl } from '../net/ssrf.ts'
import { openSecretOption } from '../payments/settings.ts'
import type { SecretBox } from '../security/crypto.ts'

/**
 * Low-balance notices. A user sets a threshold and either a webhook URL (new-api's user setting keys
 * `quota_warning_threshold`, `webhook_url`, `webhook_secret`, `notify_type: "webhook"`) or e-mail
 * (`notify_type: "email"`, to `notification_email` or else the account's address). When a usage flush takes their
 * persisted quota to or below the threshold, one notice goes out: POSTed and signed with HMAC-SHA256, or mailed
 * through the SMTP options (src/auth/mail.ts); a credit that lifts the quota above the threshold re-arms it.
 */

export type NoticeSettings =
  | { kind: 'webhook'; threshold: number; webhookUrl: string; webhookSecret: string }
  | { kind: 'email'; threshold: number; email: string }

/** The user's notice settings, or undefined when none are set (most users: the flush hook stops here). */
export function readNoticeSettings(setting: string): NoticeSettings | undefined {
  if (!setting || !setting.includes('quota_warning_threshold')) return undefined
  try {
    const parsed = JSON.parse(setting) as Record<string, unknown>
    const threshold = Number(parsed.quota_warning_threshold)
    if (!(threshold > 0)) return undefined
    if (parsed.notify_type === 'email') return { kind: 'email', threshold, email: typeof parsed.notification_email === 'string' ? parsed.notification_email : '' }
    const webhookUrl = typeof parsed.webhook_url === 'string' ? parsed.webhook_url : ''
    if (parsed.notify_type !== 'webhook' || !webhookUrl) return undefined
    return { kind: 'webhook', threshold, webhookUrl, webhookSecret: typeof parsed.webhook_secret === 'string' ? parsed.webhook_secret : '' }
  } catch {
    return undefined
  }
}

/** The user's `setting` as it may be shown: the webhook secret (sealed at rest) is left out. */
export function publicSetting(setting: string): string {
  if (!setting.includes('webhook_secret')) return setting
  try {
    const { webhook_secret: _secret, ...shown } = JSON.parse(setting) as Record<string, unknown>
    return JSON.stringify(shown)
  } catch {
    return ''
  }
}

/** `X-Tollgate-Signature: sha256=<hex HMAC of "<timestamp>.<body>">`, with `X-Tollgate-Timestamp`. */
export const signNotice = (secret: string, timestamp: number, body: string) => `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`

export function createLowBalanceNotices(dependencies: { store: Store; caches: Caches; secretBox: SecretBox; allowHosts: readonly string[]; mailer: Mailer; log?: (line: string) => void }) {
  const { store, caches } = dependencies
  const log = dependencies.log ?? ((line: string) => console.warn(line))

  async function send(user: UserRow, settings: NoticeSettings): Promise<void> {
    const quotaPerUnit = caches.options.quotaPerUnit
    const timestamp = Math.floor(Date.now() / 1000)
    const title = 'Balance below your threshold'
    const content = `The balance of ${user.username} is ${(Number(user.quota) / quotaPerUnit).toFixed(2)} USD, at or below the ${(settings.threshold / quotaPerUnit).toFixed(2)} USD you set.`
    if (settings.kind === 'email') {
      const to = settings.email || user.email
      if (!to) return log(`[notices] low-balance e-mail of user ${user.id} not sent: no address`)
      // The mailer logs its own failures.
      await dependencies.mailer({ to, subject: title, text: content }).catch(() => {})
      return
    }
    const body = JSON.stringify({
      type: 'quota_exceed', title, content,
      values: { user_id: user.id, username: user.username, quota: Number(user.quota), threshold: settings.threshold }, timestamp,
    })
    try {
      await assertPublicUrl(settings.webhookUrl, dependencies.allowHosts)
      const response = await fetch(settings.webhookUrl, {
        method: 'POST', redirect: 'manual', signal: AbortSignal.timeout(10_000), body,
        headers: { 'content-type': 'application/json', 'x-tollgate-timestamp': String(timestamp), 'x-tollgate-signature': signNotice(openSecretOption(dependencies.secretBox, settings.webhookSecret), timestamp, body) },
      })
      await response.arrayBuffer()
      if (!response.ok) log(`[notices] low-balance webhook of user ${user.id} answered ${response.status}`)
    } catch (error) {
      log(`[notices] low-balance webhook of user ${user.id} failed: ${(error as Error).message}`)
    }
  }

  return {
    /** After a committed usage flush: users whose persisted quota now sits at or below their threshold. */
    async afterFlush(users: readonly { id: number }[]): Promise<void> {
      for (const { id } of users) {
        const row = caches.user(id)
        const settings = row && readNoticeSettings(row.setting)
        if (!settings || Number(row.quota) > settings.threshold) continue
        const claimed = await store.quotaNotices.claim(id, settings.threshold)
        if (claimed) void send(claimed, settings)
      }
    },
  }
}
