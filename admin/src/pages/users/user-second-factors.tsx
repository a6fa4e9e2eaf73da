import type { JSX } from 'solid-js'
import { notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton } from '../../components/ui.tsx'
import { api } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'

/**
 * For a user locked out of their second factor: turn their 2FA off or remove their passkeys (new-api's admin
 * routes). The server refuses users of equal or higher role, and says when there is nothing to reset.
 */
export function UserSecondFactors(props: { userId: number }): JSX.Element {
  const reset = (path: string, done: string) => (confirm(t('users.second_factor_confirm')) ? notifyOutcome(() => api.delete(path), done) : undefined)
  return (
    <fieldset class="user-second-factors">
      <legend>{t('users.second_factor_title')}</legend>
      <p class="muted">{t('users.second_factor_hint')}</p>
      <div class="form-actions">
        <ActionButton class="button danger" action={() => reset(`/api/user/${props.userId}/2fa`, t('users.two_factor_reset'))}>{t('users.reset_two_factor')}</ActionButton>
        <ActionButton class="button danger" action={() => reset(`/api/user/${props.userId}/reset_passkey`, t('users.passkeys_reset'))}>{t('users.reset_passkeys')}</ActionButton>
      </div>
    </fieldset>
  )
}
