import { useLocation, useNavigate } from '@solidjs/router'
import { createSignal, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ErrorBanner, Field, QuotaText, Spinner } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { t } from '../../lib/i18n.ts'
import { changeOwnPassword, user } from '../../lib/session.ts'
import { roles } from '../../lib/types.ts'
import { BindEmailCard } from './bind-email-card.tsx'
import { SessionsCard } from './sessions-card.tsx'
import { Bindings } from './bindings.tsx'
import { AccountSecurity } from './account-security.tsx'

export const passwordLength = { minimum: 8, maximum: 64 }

export function roleName(role: number): string {
  if (role >= roles.root) return t('role.root')
  if (role >= roles.admin) return t('role.admin')
  return t('role.user')
}

export function AccountPage(): JSX.Element {
  const location = useLocation()
  const navigate = useNavigate()
  // Passwords are deliberately not kept as drafts: sessionStorage is no place for them.
  const [original, setOriginal] = createSignal('')
  const [next, setNext] = createSignal('')
  const [confirm, setConfirm] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)
  const [busy, setBusy] = createSignal(false)
  const forced = () => location.pathname === '/change-password' || !!user()?.must_change_password

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setError(null)
    if (!original()) return setError(t('account.original_required'))
    if (next().length < passwordLength.minimum || next().length > passwordLength.maximum) {
      return setError(t('account.password_length', passwordLength))
    }
    if (next() === original()) return setError(t('account.password_same'))
    if (next() !== confirm()) return setError(t('account.password_mismatch'))
    setBusy(true)
    try {
      await changeOwnPassword(original(), next())
      setOriginal('')
      setNext('')
      setConfirm('')
      notify('success', t('account.password_changed'))
      if (location.pathname === '/change-password') navigate('/', { replace: true })
    } catch (problem) {
      setError(errorMessage(problem))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="page narrow">
      <h1>{forced() ? t('account.change_password_title') : t('nav.account')}</h1>
      <Show when={!forced() && user()}>
        <dl class="facts card">
          <dt>{t('users.username')}</dt><dd>{user()!.username}</dd>
          <dt>{t('users.display_name')}</dt><dd>{user()!.display_name || '—'}</dd>
          <dt>{t('users.role')}</dt><dd>{roleName(user()!.role)}</dd>
          <dt>{t('users.group')}</dt><dd>{user()!.group}</dd>
          <dt>{t('users.quota')}</dt><dd><QuotaText quota={user()!.quota} /></dd>
          <dt>{t('users.used_quota')}</dt><dd><QuotaText quota={user()!.used_quota} /></dd>
          <dt>{t('users.request_count')}</dt><dd>{user()!.request_count ?? 0}</dd>
          <dt>{t('wallet.invited')}</dt><dd data-testid="account-invited">{user()!.aff_count ?? 0}</dd>
        </dl>
        <Bindings />
      </Show>
      <form class="card form" onSubmit={submit} novalidate>
        <Show when={forced()} fallback={<h2>{t('account.change_password_title')}</h2>}>
          <div class="banner banner-info">{t('account.must_change')}</div>
        </Show>
        <ErrorBanner message={error()} />
        <Field label={t('account.original_password')} for="original-password">
          <input id="original-password" type="password" autocomplete="current-password" value={original()} onInput={(event) => setOriginal(event.currentTarget.value)} />
        </Field>
        <Field label={t('account.new_password')} for="new-password" hint={t('account.password_length', passwordLength)}>
          <input id="new-password" type="password" autocomplete="new-password" value={next()} onInput={(event) => setNext(event.currentTarget.value)} />
        </Field>
        <Field label={t('account.confirm_password')} for="confirm-password">
          <input id="confirm-password" type="password" autocomplete="new-password" value={confirm()} onInput={(event) => setConfirm(event.currentTarget.value)} />
        </Field>
        <div class="form-actions">
          <button type="submit" class="button primary" disabled={busy()}>
            <Show when={busy()}><Spinner /></Show>
            {t('account.change_password_submit')}
          </button>
        </div>
      </form>
      <Show when={!forced()}><BindEmailCard /><SessionsCard /><AccountSecurity /></Show>
    </section>
  )
}
