import { createSignal, Show, type JSX } from 'solid-js'
import { ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { signInWithCode } from '../../lib/second-factor.ts'
import { systemName } from '../../lib/session.ts'

/** The second sign-in step: the password was right, the account asks for a code from its app or a backup code. */
export function TwoFactorStep(props: { flowToken: string; onRestart: () => void }): JSX.Element {
  const [code, setCode] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setError(null)
    if (!code().trim()) return setError(t('two_factor.code_missing'))
    setBusy(true)
    try {
      await signInWithCode(code(), props.flowToken)
    } catch (problem) {
      setError(errorMessage(problem))
      setCode('')
    } finally {
      setBusy(false)
    }
  }

  return (
    <form class="card sign-in-card" onSubmit={submit} novalidate data-testid="two-factor-step">
      <h1>{systemName()}</h1>
      <p class="muted">{t('two_factor.sign_in_prompt')}</p>
      <ErrorBanner message={error()} />
      <Field label={t('two_factor.code')} for="two-factor-code" hint={t('two_factor.code_hint')}>
        <input id="two-factor-code" name="code" autocomplete="one-time-code" inputmode="text" value={code()} onInput={(event) => setCode(event.currentTarget.value)} autofocus />
      </Field>
      <button type="submit" class="button primary block" disabled={busy()}>
        <Show when={busy()}><Spinner /></Show>
        {t('two_factor.verify')}
      </button>
      <button type="button" class="button block" onClick={() => props.onRestart()}>{t('two_factor.back_to_password')}</button>
    </form>
  )
}
