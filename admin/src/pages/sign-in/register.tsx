import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { createTurnstile, turnstileRequired } from '../../components/turnstile.tsx'
import { notify } from '../../components/toasts.tsx'
import { Field } from '../../components/ui.tsx'
import { t } from '../../lib/i18n.ts'
import { status } from '../../lib/session.ts'
import { passwordLength } from '../account/account.tsx'
import { registerAccount } from './account-data.ts'
import { AuthCard } from './auth-card.tsx'
import { SendCodeButton } from './send-code-button.tsx'
import { registrationOpen } from './sign-in-links.tsx'

/** Registration: username and password, plus e-mail and its mailed code when the server verifies addresses. */
export function RegisterPage(): JSX.Element {
  const navigate = useNavigate()
  const [searchParams] = useSearchParams()
  const [values, setValues] = createSignal({ username: '', password: '', confirm: '', email: '', code: '' })
  const [codeError, setCodeError] = createSignal<string | null>(null)
  const turnstile = createTurnstile()
  const verifying = () => status()?.email_verification === true
  const set = (field: keyof ReturnType<typeof values>) => (event: { currentTarget: HTMLInputElement }) => setValues((current) => ({ ...current, [field]: event.currentTarget.value }))

  const run = async () => {
    const form = values()
    if (!form.username.trim() || !form.password || (verifying() && (!form.email.trim() || !form.code.trim()))) return t('sign_up.missing')
    if (form.password.length < passwordLength.minimum || form.password.length > passwordLength.maximum) return t('account.password_length', passwordLength)
    if (form.password !== form.confirm) return t('account.password_mismatch')
    if (turnstileRequired() && !turnstile.token()) return t('turnstile.pending')
    try {
      const aff = typeof searchParams.aff === 'string' ? searchParams.aff : undefined
      await registerAccount({
        username: form.username.trim(), password: form.password, email: form.email.trim() || undefined,
        verification_code: verifying() ? form.code.trim() : undefined, aff_code: aff,
      }, turnstile.token())
    } finally {
      turnstile.reset()
    }
    notify('success', t('sign_up.done'))
    navigate('/sign-in', { replace: true })
  }

  return (
    <AuthCard subtitle={t('sign_up.title')} submitLabel={t('sign_up.submit')} run={run} disabled={!registrationOpen()}
      footer={<p class="sign-in-links"><A href="/sign-in">{t('sign_up.have_account')}</A></p>}>
      <Show when={status() && !registrationOpen()}><div class="banner banner-info">{t('sign_up.closed')}</div></Show>
      <Show when={codeError()}><div class="banner banner-error" role="alert">{codeError()}</div></Show>
      <Field label={t('sign_up.username')} for="sign-up-username">
        <input id="sign-up-username" autocomplete="username" maxLength={20} value={values().username} onInput={set('username')} autofocus />
      </Field>
      <Field label={t('sign_up.password')} for="sign-up-password" hint={t('account.password_length', passwordLength)}>
        <input id="sign-up-password" type="password" autocomplete="new-password" value={values().password} onInput={set('password')} />
      </Field>
      <Field label={t('sign_up.confirm')} for="sign-up-confirm">
        <input id="sign-up-confirm" type="password" autocomplete="new-password" value={values().confirm} onInput={set('confirm')} />
      </Field>
      <Field label={t('sign_up.email')} for="sign-up-email">
        <input id="sign-up-email" type="email" autocomplete="email" value={values().email} onInput={set('email')} />
      </Field>
      <Show when={verifying()}>
        <Field label={t('sign_up.code')} for="sign-up-code">
          <div class="input-with-button">
            <input id="sign-up-code" inputMode="numeric" autocomplete="one-time-code" maxLength={6} value={values().code} onInput={set('code')} />
            <SendCodeButton email={() => values().email} turnstile={turnstile.token} onSent={turnstile.reset} onError={setCodeError} onStart={() => setCodeError(null)} />
          </div>
        </Field>
      </Show>
      <turnstile.Widget />
    </AuthCard>
  )
}
