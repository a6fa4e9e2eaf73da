import { useNavigate, useSearchParams } from '@solidjs/router'
import { createEffect, createSignal, Show, type JSX } from 'solid-js'
import { ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { signIn, status, systemName, twoFactorSetupRequired, user } from '../../lib/session.ts'
import { createTurnstile, turnstileRequired } from '../../components/turnstile.tsx'
import { SignInLinks } from './sign-in-links.tsx'
import { ProviderButtons } from '../oauth/provider-buttons.tsx'
import { PasskeySignIn } from './passkey-sign-in.tsx'
import { TwoFactorStep } from './two-factor-step.tsx'

/** Only same-site paths may be a `next`; anything else could send the user off-site after sign-in. */
export function safeNext(next: string | undefined): string {
  const path = next ?? '/'
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/sign-in') ? path : '/'
}

export function SignInPage(): JSX.Element {
  const navigate = useNavigate()
  const [searchParams] = useSearchParams()
  const next = () => (typeof searchParams.next === 'string' ? searchParams.next : undefined)
  const [username, setUsername] = createSignal('')
  const [password, setPassword] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const turnstile = createTurnstile()
  /** Set once the password was right and the account asks for its 2FA code. */
  const [flowToken, setFlowToken] = createSignal<string | null>(null)

  createEffect(() => {
    // An administrator who must turn on 2FA first is taken to the account page, where the setup is.
    if (user()) navigate(twoFactorSetupRequired() ? '/account' : safeNext(next()), { replace: true })
  })

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setError(null)
    if (!username().trim() || !password()) {
      setError(t('sign_in.missing'))
      return
    }
    if (turnstileRequired() && !turnstile.token()) return setError(t('turnstile.pending'))
    setBusy(true)
    try {
      const result = await signIn(username().trim(), password(), turnstile.token())
      if (result.requiresTwoFactor) setFlowToken(result.flowToken ?? null)
    } catch (problem) {
      setError(errorMessage(problem))
    } finally {
      turnstile.reset()
      setBusy(false)
    }
  }

  return (
    <section class="sign-in">
      <Show when={!flowToken()} fallback={<TwoFactorStep flowToken={flowToken()!} onRestart={() => { setFlowToken(null); setPassword('') }} />}>
        <form class="card sign-in-card" onSubmit={submit} novalidate>
          <h1>{systemName()}</h1>
          <p class="muted">{t('sign_in.subtitle')}</p>
          <Show when={next()}>
            <div class="banner banner-info">{t('sign_in.continue_hint')}</div>
          </Show>
          <ErrorBanner message={error()} />
          <Field label={t('sign_in.username')} for="sign-in-username">
            <input id="sign-in-username" name="username" autocomplete="username" value={username()} onInput={(event) => setUsername(event.currentTarget.value)} autofocus />
          </Field>
          <Field label={t('sign_in.password')} for="sign-in-password">
            <input id="sign-in-password" name="password" type="password" autocomplete="current-password" value={password()} onInput={(event) => setPassword(event.currentTarget.value)} />
          </Field>
          <turnstile.Widget />
          <button type="submit" class="button primary block" disabled={busy()}>
            <Show when={busy()}><Spinner /></Show>
            {t('sign_in.submit')}
          </button>
          <SignInLinks />
          <Show when={status()?.passkey_login === true}><PasskeySignIn /></Show>
          <ProviderButtons next={next()} />
        </form>
      </Show>
    </section>
  )
}
