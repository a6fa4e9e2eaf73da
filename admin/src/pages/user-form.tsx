import { createResource, createSignal, For, onMount, Show, type JSX } from 'solid-js'
import { notify } from '../components/toasts.tsx'
import { ErrorBanner, Field, QuotaText, Spinner } from '../components/ui.tsx'
import { api, errorMessage } from '../lib/api.ts'
import { createDraft } from '../lib/drafts.ts'
import { t } from '../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota, quotaToAmountText } from '../lib/quota.ts'
import { Link, navigate } from '../lib/router.tsx'
import { quotaDisplay, user as currentUser } from '../lib/session.ts'
import { roles, type User } from '../lib/types.ts'
import { passwordLength } from './account.tsx'

interface UserFormValues {
  username: string
  displayName: string
  role: number
  group: string
  amount: string
  remark: string
}

const emptyUser: UserFormValues = { username: '', displayName: '', role: roles.user, group: 'default', amount: '0', remark: '' }

export function UserFormPage(props: { params: Record<string, string> }): JSX.Element {
  const id = props.params.id ? Number(props.params.id) : null
  const draft = createDraft<UserFormValues>(`user.${id ?? 'new'}`, { ...emptyUser })
  const form = draft.values
  // The password stays out of the draft: sessionStorage is readable by any script on the page.
  const [password, setPassword] = createSignal('')
  const [original, setOriginal] = createSignal<User | null>(null)
  const [errors, setErrors] = createSignal<Partial<Record<keyof UserFormValues | 'password', string>>>({})
  const [serverError, setServerError] = createSignal<string | null>(null)
  const [saving, setSaving] = createSignal(false)
  const [loading, setLoading] = createSignal(id !== null)
  const [groups] = createResource(async () => {
    try {
      return (await api.get<string[]>('/api/group')) ?? []
    } catch {
      return []
    }
  })

  onMount(async () => {
    if (id === null) return
    try {
      const loaded = await api.get<User>(`/api/user/${id}`)
      setOriginal(loaded)
      if (!draft.restored()) {
        draft.reset({
          username: loaded.username,
          displayName: loaded.display_name ?? '',
          role: loaded.role,
          group: loaded.group || 'default',
          amount: quotaToAmountText(loaded.quota, quotaDisplay()),
          remark: loaded.remark ?? '',
        })
      }
    } catch (error) {
      setServerError(errorMessage(error))
    } finally {
      setLoading(false)
    }
  })

  const submit = async (event: SubmitEvent) => {
    event.preventDefault()
    setServerError(null)
    const found: Partial<Record<keyof UserFormValues | 'password', string>> = {}
    if (!form.username.trim()) found.username = t('error.required')
    else if (form.username.trim().length > 20) found.username = t('error.too_long', { maximum: 20 })
    if (id === null || password()) {
      if (password().length < passwordLength.minimum || password().length > passwordLength.maximum) found.password = t('account.password_length', passwordLength)
    }
    if (form.displayName.length > 20) found.displayName = t('error.too_long', { maximum: 20 })
    const quota = parseAmountToQuota(form.amount, quotaDisplay())
    if (id !== null && (quota === null || quota < 0)) found.amount = t('tokens.amount_invalid')
    if (id !== null && !form.group.trim()) found.group = t('error.required')
    setErrors(found)
    if (Object.keys(found).length > 0) return
    setSaving(true)
    try {
      if (id === null) {
        await api.post('/api/user/', { username: form.username.trim(), password: password(), display_name: form.displayName.trim() || form.username.trim(), role: form.role })
      } else {
        const body: Record<string, unknown> = {
          id,
          username: form.username.trim(),
          display_name: form.displayName.trim(),
          group: form.group.trim(),
          quota,
          remark: form.remark,
        }
        if (password()) body.password = password()
        await api.put('/api/user/', body)
      }
      draft.clear()
      notify('success', id === null ? t('users.created') : t('common.saved'))
      navigate('/users')
    } catch (error) {
      setServerError(errorMessage(error))
    } finally {
      setSaving(false)
    }
  }

  return (
    <section class="page narrow">
      <header class="page-header">
        <h1>{id === null ? t('users.create') : t('users.edit', { name: original()?.username ?? '' })}</h1>
        <Link href="/users" class="button ghost">{t('common.back')}</Link>
      </header>
      <Show when={!loading()} fallback={<Spinner />}>
        <form class="card form" onSubmit={submit} novalidate data-testid="user-form">
          <Show when={draft.restored()}>
            <div class="banner banner-info">{t('form.draft_restored')}</div>
          </Show>
          <ErrorBanner message={serverError()} />
          <Field label={t('users.username')} for="user-username" error={errors().username}>
            <input id="user-username" autocomplete="off" value={form.username} onInput={(event) => draft.set('username', event.currentTarget.value)} />
          </Field>
          <Field label={t('users.display_name')} for="user-display-name" error={errors().displayName}>
            <input id="user-display-name" value={form.displayName} onInput={(event) => draft.set('displayName', event.currentTarget.value)} />
          </Field>
          <Field label={id === null ? t('sign_in.password') : t('users.new_password')} for="user-password" error={errors().password} hint={id === null ? t('account.password_length', passwordLength) : t('users.password_keep_hint')}>
            <input id="user-password" type="password" autocomplete="new-password" value={password()} onInput={(event) => setPassword(event.currentTarget.value)} />
          </Field>
          <Show when={id === null && (currentUser()?.role ?? 0) >= roles.root}>
            <Field label={t('users.role')} for="user-role">
              <select id="user-role" value={form.role} onChange={(event) => draft.set('role', Number(event.currentTarget.value))}>
                <option value={roles.user}>{t('role.user')}</option>
                <option value={roles.admin}>{t('role.admin')}</option>
              </select>
            </Field>
          </Show>
          <Show when={id !== null}>
            <Field label={t('users.group')} for="user-group" error={errors().group}>
              <input id="user-group" list="user-group-options" value={form.group} onInput={(event) => draft.set('group', event.currentTarget.value)} />
              <datalist id="user-group-options"><For each={groups() ?? []}>{(name) => <option value={name} />}</For></datalist>
            </Field>
            <Field
              label={`${t('users.quota')} ${currencySymbol(quotaDisplay())}`}
              for="user-quota"
              error={errors().amount}
              hint={<>{t('users.quota_current')}: <QuotaText quota={original()?.quota ?? 0} /></>}
            >
              <input id="user-quota" inputmode="decimal" value={form.amount} onInput={(event) => draft.set('amount', event.currentTarget.value)} />
            </Field>
            <Field label={t('channels.remark')} for="user-remark">
              <input id="user-remark" value={form.remark} onInput={(event) => draft.set('remark', event.currentTarget.value)} />
            </Field>
          </Show>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={saving()}>
              <Show when={saving()}><Spinner /></Show>
              {t('common.save')}
            </button>
            <Link href="/users" class="button ghost">{t('common.cancel')}</Link>
          </div>
        </form>
      </Show>
    </section>
  )
}
