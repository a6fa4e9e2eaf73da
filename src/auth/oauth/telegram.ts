import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { flag, OAuthRefusal, type IdentitySource, type OptionReader, type ProviderIdentity } from './provider.ts'

/** The Telegram login widget (options `TelegramOAuthEnabled`, `TelegramBotToken`, `TelegramBotName`). */
export const telegram: IdentitySource = { name: 'telegram', label: 'Telegram', column: 'telegramId', usernamePrefix: 'telegram_' }

export const telegramSettings = (options: OptionReader) => {
  const botName = options.raw.TelegramBotName ?? ''
  return { enabled: flag(options.raw.TelegramOAuthEnabled) && !!botName && !!options.secret('TelegramBotToken'), botName }
}

/** How old the widget's `auth_date` may be: Telegram's own advice is to refuse stale data; new-api takes a day. */
export const TELEGRAM_MAX_AGE_SECONDS = 86_400

/**
 * The widget's data, checked as Telegram specifies (core.telegram.org/widgets/login#checking-authorization): the
 * data-check-string is every field but `hash` as sorted `key=value` lines, its HMAC-SHA256 keyed with SHA-256 of the
 * bot token must equal `hash` (compared in constant time), and `auth_date` must be recent.
 */
export function verifyTelegramLogin(fields: Record<string, string | undefined>, botToken: string, now = Math.floor(Date.now() / 1000)): ProviderIdentity {
  const { hash, ...data } = fields
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash) || !data.id || !data.auth_date) throw new OAuthRefusal('The Telegram login data is incomplete', 'telegram_invalid')
  const checkString = Object.keys(data).filter((key) => data[key] !== undefined).sort().map((key) => `${key}=${data[key]}`).join('\n')
  const expected = createHmac('sha256', createHash('sha256').update(botToken).digest()).update(checkString).digest()
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) throw new OAuthRefusal('The Telegram login data is not signed by this site\'s bot', 'telegram_invalid')
  const authDate = Number(data.auth_date)
  if (!Number.isInteger(authDate) || now - authDate > TELEGRAM_MAX_AGE_SECONDS || authDate - now > 300) {
    throw new OAuthRefusal('The Telegram login data is too old; sign in with Telegram again', 'telegram_expired')
  }
  const displayName = [data.first_name, data.last_name].filter(Boolean).join(' ')
  return { id: data.id, username: data.username, displayName: displayName || undefined }
}
