import { A } from '@solidjs/router'
import { Show, type JSX } from 'solid-js'
import { t } from '../../lib/i18n.ts'
import { status } from '../../lib/session.ts'

export const registrationOpen = () => status()?.register_enabled === true && status()?.password_register_enabled === true

/** Under the sign-in form: "Create an account" when registration is open, and "Forgot password?". */
export function SignInLinks(): JSX.Element {
  return (
    <p class="sign-in-links">
      <Show when={registrationOpen()}><A href="/register">{t('sign_up.link')}</A></Show>
      <A href="/forgot-password">{t('forgot.link')}</A>
    </p>
  )
}
