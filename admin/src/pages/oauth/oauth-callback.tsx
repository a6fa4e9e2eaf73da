import { A, useNavigate, useParams } from '@solidjs/router'
import { createSignal, onMount, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ErrorBanner, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { finishOAuth, takeOAuthNext } from '../../lib/oauth.ts'
import { loadSelf } from '../../lib/session.ts'
import { safeNext } from '../sign-in/sign-in.tsx'

/**
 * Where a provider sends the browser back (`/oauth/{provider}?code=&state=`, the callback URL to register with it):
 * hands the query to the server once (a state works once) and lands signed in, or on the account page after a bind.
 */
export function OAuthCallbackPage(): JSX.Element {
  const params = useParams()
  const navigate = useNavigate()
  const [error, setError] = createSignal<string | null>(null)
  onMount(async () => {
    try {
      const outcome = await finishOAuth(params.provider ?? '', location.search)
      const next = takeOAuthNext()
      await loadSelf()
      if (outcome === 'bind') notify('success', t('oauth.bound'))
      navigate(outcome === 'bind' ? '/account' : safeNext(next), { replace: true })
    } catch (problem) {
      setError(errorMessage(problem))
    }
  })
  return (
    <section class="sign-in">
      <div class="card sign-in-card" data-testid="oauth-callback">
        <h1>{error() ? t('oauth.failed') : t('oauth.finishing')}</h1>
        <Show when={error()} fallback={<Spinner />}>
          <ErrorBanner message={error()} />
          <A href="/sign-in">{t('oauth.back_to_sign_in')}</A>
        </Show>
      </div>
    </section>
  )
}
