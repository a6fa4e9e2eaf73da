import { createSignal, type JSX } from 'solid-js'
import { createTurnstile } from '../../components/turnstile.tsx'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner, Field } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { loadSelf, user } from '../../lib/session.ts'
import { bindEmail } from '../sign-in/account-data.ts'
import { SendCodeButton } from '../sign-in/send-code-button.tsx'

/** Bind (or change) the account's e-mail address with a code mailed to it. */
export function BindEmailCard(): JSX.Element {
  const [email, setEmail] = createSignal('')
  const [code, setCode] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const turnstile = createTurnstile()
  const submit = async () => {
    setError(null)
    try {
      await bindEmail(email().trim(), code().trim())
      setEmail('')
      setCode('')
      notify('success', t('bind_email.done'))
      await loadSelf()
    } catch (problem) {
      setError(errorMessage(problem))
    }
  }
  return (
    <form class="card form" data-testid="bind-email" onSubmit={(event) => { event.preventDefault(); void submit() }} novalidate>
      <h2>{t('bind_email.title')}</h2>
      <p class="muted">{t('bind_email.current')}: <strong data-testid="current-email">{user()?.email || t('bind_email.none')}</strong></p>
      <ErrorBanner message={error()} />
      <Field label={t('bind_email.new')} for="bind-email-address">
        <input id="bind-email-address" type="email" autocomplete="email" value={email()} onInput={(event) => setEmail(event.currentTarget.value)} />
      </Field>
      <Field label={t('sign_up.code')} for="bind-email-code">
        <div class="input-with-button">
          <input id="bind-email-code" inputMode="numeric" autocomplete="one-time-code" maxLength={6} value={code()} onInput={(event) => setCode(event.currentTarget.value)} />
          <SendCodeButton email={email} turnstile={turnstile.token} onSent={turnstile.reset} onError={setError} />
        </div>
      </Field>
      <turnstile.Widget />
      <div class="form-actions">
        <ActionButton class="button primary" type="button" disabled={!email().trim() || !code().trim()} action={submit}>{t('bind_email.submit')}</ActionButton>
      </div>
    </form>
  )
}
