import { A, useNavigate, useSearchParams } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { Field } from '../../components/ui.tsx'
import { t } from '../../lib/i18n.ts'
import { passwordLength } from '../account/account.tsx'
import { resetPassword } from './account-data.ts'
import { AuthCard } from './auth-card.tsx'

/** Where the mailed reset link lands (`/reset-password?email=&token=`): choose the new password here. */
export function ResetPasswordPage(): JSX.Element {
  const navigate = useNavigate()
  const [searchParams] = useSearchParams()
  const email = () => (typeof searchParams.email === 'string' ? searchParams.email : '')
  const token = () => (typeof searchParams.token === 'string' ? searchParams.token : '')
  const [password, setPassword] = createSignal('')
  const [confirm, setConfirm] = createSignal('')

  const run = async () => {
    if (password().length < passwordLength.minimum || password().length > passwordLength.maximum) return t('account.password_length', passwordLength)
    if (password() !== confirm()) return t('account.password_mismatch')
    await resetPassword(email(), token(), password())
    notify('success', t('reset.done'))
    navigate('/sign-in', { replace: true })
  }

  return (
    <AuthCard subtitle={t('reset.title')} submitLabel={t('reset.submit')} run={run} disabled={!email() || !token()}>
      <Show when={email() && token()} fallback={<div class="banner banner-error">{t('reset.bad_link')} <A href="/forgot-password">{t('forgot.link')}</A></div>}>
        <p class="muted" data-testid="reset-email">{email()}</p>
        <Field label={t('account.new_password')} for="reset-password" hint={t('account.password_length', passwordLength)}>
          <input id="reset-password" type="password" autocomplete="new-password" value={password()} onInput={(event) => setPassword(event.currentTarget.value)} autofocus />
        </Field>
        <Field label={t('account.confirm_password')} for="reset-confirm">
          <input id="reset-confirm" type="password" autocomplete="new-password" value={confirm()} onInput={(event) => setConfirm(event.currentTarget.value)} />
        </Field>
      </Show>
    </AuthCard>
  )
}
