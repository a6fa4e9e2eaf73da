import { createSignal, Show, type JSX } from 'solid-js'
import { ErrorBanner, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { systemName } from '../../lib/session.ts'

/**
 * The card the signed-out pages share (registration, forgot and reset password): the system name, a subtitle, the
 * form's error, and a submit button busy while `run` works. `run` returns an error text to show, or nothing.
 */
export function AuthCard(props: { subtitle: string; submitLabel: string; run: () => Promise<string | void>; disabled?: boolean; footer?: JSX.Element; children: JSX.Element }): JSX.Element {
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setError(null)
    setBusy(true)
    try {
      setError((await props.run()) || null)
    } catch (problem) {
      setError(errorMessage(problem))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section class="sign-in">
      <form class="card sign-in-card" onSubmit={submit} novalidate>
        <h1>{systemName()}</h1>
        <p class="muted">{props.subtitle}</p>
        <ErrorBanner message={error()} />
        {props.children}
        <button type="submit" class="button primary block" disabled={busy() || props.disabled}>
          <Show when={busy()}><Spinner /></Show>
          {props.submitLabel}
        </button>
        {props.footer}
      </form>
    </section>
  )
}
