import { A } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { createTurnstile, turnstileRequired } from '../../components/turnstile.tsx'
import { Field } from '../../components/ui.tsx'
import { t } from '../../lib/i18n.ts'
import { requestPasswordReset } from './account-data.ts'
import { AuthCard } from './auth-card.tsx'

/** "Forgot password": mails a reset link; the answer is the same whether or not the address has an account. */
export function ForgotPasswordPage(): JSX.Element {
  const [email, setEmail] = createSignal('')
  const [sent, setSent] = createSignal<string | null>(null)
  const turnstile = createTurnstile()

  const run = async () => {
    if (!email().trim()) return t('sign_up.missing')
    if (turnstileRequired() && !turnstile.token()) return t('turnstile.pending')
    try {
      await requestPasswordReset(email().trim(), turnstile.token())
    } finally {
      turnstile.reset()
    }
    setSent(email().trim())
  }

  return (
    <AuthCard subtitle={t('forgot.title')} submitLabel={t('forgot.submit')} run={run} footer={<p class="sign-in-links"><A href="/sign-in">{t('forgot.back')}</A></p>}>
      <Show when={sent()} fallback={<p class="muted">{t('forgot.hint')}</p>}>
        <div class="banner banner-info" data-testid="reset-sent">{t('forgot.sent', { email: sent()! })}</div>
      </Show>
      <Field label={t('sign_up.email')} for="forgot-email">
        <input id="forgot-email" type="email" autocomplete="email" value={email()} onInput={(event) => setEmail(event.currentTarget.value)} autofocus />
      </Field>
      <turnstile.Widget />
    </AuthCard>
  )
}
