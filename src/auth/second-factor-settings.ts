/**
 * Second-factor options. `AdminTwoFactorRequired` (true/false): administrators must have TOTP 2FA on before they may
 * use anything but the 2FA setup routes (src/auth/admin-two-factor.ts).
 *
 * Passkey options, under new-api's names (`passkey.*`). The relying party id and the accepted origins come from
 * `passkey.rp_id` / `passkey.origins`, else from `ServerAddress`; without either, passkeys stay off, since
 * trusting the request's own Host header would let a forged request pick the relying party.
 */
export interface PasskeySettings {
  enabled: boolean
  rpName: string
  /** Host name only (no scheme, no port), or '' when nothing configures it. */
  rpId: string
  origins: string[]
  allowInsecureOrigin: boolean
  userVerification: 'required' | 'preferred' | 'discouraged'
  attachment: '' | 'platform' | 'cross-platform'
}

export const PASSKEY_OPTION_KEYS = [
  'passkey.enabled', 'passkey.rp_display_name', 'passkey.rp_id', 'passkey.origins', 'passkey.allow_insecure_origin',
  'passkey.user_verification', 'passkey.attachment_preference',
] as const

const userVerifications = ['required', 'preferred', 'discouraged'] as const
const attachments = ['', 'platform', 'cross-platform'] as const

const splitOrigins = (text: string) => text.split(/[\s,]+/).map((origin) => origin.trim().replace(/\/+$/, '')).filter(Boolean)

function originOf(address: string): string | undefined {
  try { return new URL(address).origin } catch { return undefined }
}

const isLocalhost = (hostname: string) => hostname === 'localhost' || hostname.endsWith('.localhost')

export function readPasskeySettings(raw: Record<string, string | undefined>): PasskeySettings {
  const serverOrigin = originOf((raw.ServerAddress ?? '').trim())
  const configuredOrigins = splitOrigins(raw['passkey.origins'] ?? '')
  const origins = configuredOrigins.length > 0 ? configuredOrigins : serverOrigin ? [serverOrigin] : []
  const rpId = (raw['passkey.rp_id'] ?? '').trim() || (serverOrigin ? new URL(serverOrigin).hostname : '')
  const userVerification = raw['passkey.user_verification'] as PasskeySettings['userVerification']
  const attachment = raw['passkey.attachment_preference'] as PasskeySettings['attachment']
  return {
    enabled: raw['passkey.enabled'] === 'true',
    rpName: (raw['passkey.rp_display_name'] ?? '').trim() || raw.SystemName || 'Tollgate',
    rpId,
    origins,
    allowInsecureOrigin: raw['passkey.allow_insecure_origin'] === 'true',
    userVerification: userVerifications.includes(userVerification) ? userVerification : 'preferred',
    attachment: attachments.includes(attachment) ? attachment : '',
  }
}

/** Why passkeys cannot be used as configured, or undefined when they can. */
export function passkeyProblem(settings: PasskeySettings): string | undefined {
  if (!settings.enabled) return 'Passkey sign-in is disabled by the administrator'
  if (!settings.rpId || settings.origins.length === 0) return 'Passkeys need passkey.rp_id and passkey.origins, or ServerAddress, to be set'
  for (const origin of settings.origins) {
    const url = new URL(origin)
    if (url.protocol === 'http:' && !isLocalhost(url.hostname) && !settings.allowInsecureOrigin) {
      return `The passkey origin ${origin} is not https (allow it with passkey.allow_insecure_origin)`
    }
  }
  return undefined
}

export const ADMIN_TWO_FACTOR_OPTION = 'AdminTwoFactorRequired'

/** Check one second-factor option before it is stored; returns the value to store (others pass unchanged). */
export function validateSecondFactorOption(key: string, value: string): string {
  switch (key) {
    case ADMIN_TWO_FACTOR_OPTION:
    case 'passkey.enabled':
    case 'passkey.allow_insecure_origin':
      if (value !== 'true' && value !== 'false') throw new Error(`${key} must be true or false`)
      return value
    case 'passkey.user_verification':
      if (!(userVerifications as readonly string[]).includes(value)) throw new Error(`${key} must be one of ${userVerifications.join(', ')}`)
      return value
    case 'passkey.attachment_preference':
      if (!(attachments as readonly string[]).includes(value)) throw new Error(`${key} must be empty, platform or cross-platform`)
      return value
    case 'passkey.rp_id':
      if (value !== '' && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i.test(value)) throw new Error(`${key} must be a host name without scheme or port`)
      return value.toLowerCase()
    case 'passkey.origins':
      for (const origin of splitOrigins(value)) {
        if (originOf(origin) !== origin) throw new Error(`${key}: ${origin} is not an origin such as https://gateway.example.com`)
      }
      return splitOrigins(value).join(',')
    default:
      return value
  }
}

/** The `/api/status` fields new-api's console reads for passkeys. */
export function passkeyStatus(raw: Record<string, string | undefined>) {
  const settings = readPasskeySettings(raw)
  return {
    passkey_login: passkeyProblem(settings) === undefined,
    passkey_display_name: settings.rpName,
    passkey_rp_id: settings.rpId,
    passkey_origins: settings.origins.join(','),
    passkey_allow_insecure: settings.allowInsecureOrigin,
    passkey_user_verification: settings.userVerification,
    passkey_attachment: settings.attachment,
  }
}
