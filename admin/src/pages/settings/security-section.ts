import type { MessageKey } from '../../lib/i18n.ts'

/**
 * The settings page's sign-in security tab: passkeys under new-api's `passkey.*` names and AdminTwoFactorRequired
 * (README "Two-factor authentication and passkeys"). Plain data in the shape of the page's sections.
 */
/** Checks each text key at compile time. */
const message = (key: MessageKey) => key

export const securitySection = {
  id: 'security',
  title: message('settings.section_security'),
  fields: [
    { key: 'AdminTwoFactorRequired', label: message('security.admin_two_factor'), kind: 'boolean' as const, hint: message('security.admin_two_factor_hint') },
    { key: 'passkey.enabled', label: message('security.passkey_enabled'), kind: 'boolean' as const },
    { key: 'passkey.rp_display_name', label: message('security.passkey_rp_name'), kind: 'text' as const },
    { key: 'passkey.rp_id', label: message('security.passkey_rp_id'), kind: 'text' as const, hint: message('security.passkey_rp_id_hint') },
    { key: 'passkey.origins', label: message('security.passkey_origins'), kind: 'text' as const, hint: message('security.passkey_origins_hint') },
    { key: 'passkey.allow_insecure_origin', label: message('security.passkey_allow_insecure'), kind: 'boolean' as const },
    { key: 'passkey.user_verification', label: message('security.passkey_user_verification'), kind: 'select' as const, choices: ['preferred', 'required', 'discouraged'] },
    { key: 'passkey.attachment_preference', label: message('security.passkey_attachment'), kind: 'select' as const, choices: ['', 'platform', 'cross-platform'], hint: message('security.passkey_attachment_hint') },
  ],
}
