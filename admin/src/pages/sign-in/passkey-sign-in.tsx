import { createSignal, Show, type JSX } from 'solid-js'
import { ErrorBanner, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { signInWithPasskey } from '../../lib/second-factor.ts'

/** "Sign in with a passkey": the browser offers the passkeys it holds for this site (discoverable credentials). */
export function PasskeySignIn(): JSX.Element {
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const start = async () => {
    setError(null)
    setBusy(true)
    try {
      await signInWithPasskey()
    } catch (problem) {
      // The user closing the browser's dialog is no error worth a banner.
      if ((problem as Error).name !== 'NotAllowedError') setError(errorMessage(problem))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div class="passkey-sign-in">
      <ErrorBanner message={error()} />
      <button type="button" class="button block" disabled={busy()} onClick={() => void start()}>
        <Show when={busy()}><Spinner /></Show>
        {t('passkeys.sign_in')}
      </button>
    </div>
  )
}
