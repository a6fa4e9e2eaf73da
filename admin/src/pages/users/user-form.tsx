import { useAction, useNavigate, useParams } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { createEditForm, EditForm, fillOnce, type FieldErrors } from '../../components/edit-form.tsx'
import { notify } from '../../components/toasts.tsx'
import { Field, QuotaText } from '../../components/ui.tsx'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { createDraft } from '../../lib/drafts.ts'
import { t } from '../../lib/i18n.ts'
import { currencySymbol, parseAmountToQuota, quotaToAmountText } from '../../lib/quota.ts'
import { quotaDisplay, user as currentUser } from '../../lib/session.ts'
import { roles, type User } from '../../lib/types.ts'
import { passwordLength } from '../account/account.tsx'
import { getGroupNames, getUser, saveUser } from './user-data.ts'
import { UserSecondFactors } from './user-second-factors.tsx'
import { RateLimitFields } from '../../components/rate-limit-fields.tsx'
import { emptyRateLimits, invalidRateLimits, rateLimitBody, rateLimitTexts, type RateLimitTexts } from '../../lib/rate-limits.ts'

interface UserFormValues {
  username: string
  displayName: string
  role: number
  group: string
  amount: string
  remark: string
  limits: RateLimitTexts
}

const emptyUser: UserFormValues = { username: '', displayName: '', role: roles.user, group: 'default', amount: '0', remark: '', limits: { ...emptyRateLimits } }

type FieldName = keyof UserFormValues | 'password' | keyof RateLimitTexts

export function UserFormPage(): JSX.Element {
  const params = useParams()
  const navigate = useNavigate()
  const id = params.id ? Number(params.id) : null
  const draft = createDraft<UserFormValues>(`user.${id ?? 'new'}`, { ...emptyUser })
  const form = draft.values
  // The password stays out of the draft: sessionStorage is readable by any script on the page.
  const [password, setPassword] = createSignal('')
  const stored = createLoaded(() => (id === null ? Promise.resolve(null) : getUser(id)))
  const groups = createLoaded(() => getGroupNames())
  const save = useAction(saveUser)
  const original = (): User | null => valueOf(stored()) ?? null

  const validate = (): FieldErrors<FieldName> => {
    const found: FieldErrors<FieldName> = {}
    if (!form.username.trim()) found.username = t('error.required')
    else if (form.username.trim().length > 20) found.username = t('error.too_long', { maximum: 20 })
    if (id === null || password()) {
      if (password().length < passwordLength.minimum || password().length > passwordLength.maximum) found.password = t('account.password_length', passwordLength)
    }
    if (form.displayName.length > 20) found.displayName = t('error.too_long', { maximum: 20 })
    const quota = parseAmountToQuota(form.amount, quotaDisplay())
    if (id !== null && (quota === null || quota < 0)) found.amount = t('tokens.amount_invalid')
    if (id !== null && !form.group.trim()) found.group = t('error.required')
    for (const field of invalidRateLimits(form.limits)) found[field] = t('limits.invalid')
    return found
  }

  const submit = async () => {
    if (id === null) {
      await save({ id, body: { username: form.username.trim(), password: password(), display_name: form.displayName.trim() || form.username.trim(), role: form.role, ...rateLimitBody(form.limits) } })
    } else {
      const body: Record<string, unknown> = {
        username: form.username.trim(),
        display_name: form.displayName.trim(),
        group: form.group.trim(),
        quota: parseAmountToQuota(form.amount, quotaDisplay()),
        remark: form.remark,
        ...rateLimitBody(form.limits),
      }
      if (password()) body.password = password()
      await save({ id, body })
    }
    draft.clear()
    notify('success', id === null ? t('users.created') : t('common.saved'))
    navigate('/users')
  }

  const editForm = createEditForm<FieldName>({ validate, save: submit })
  const errors = editForm.errors

  // The stored user fills the form once; later revalidations must not overwrite what is being typed.
  fillOnce(stored, editForm, (user) => {
    if (draft.restored()) return
    draft.reset({
      username: user.username,
      displayName: user.display_name ?? '',
      role: user.role,
      group: user.group || 'default',
      amount: quotaToAmountText(user.quota, quotaDisplay()),
      remark: user.remark ?? '',
      limits: rateLimitTexts(user),
    })
  })

  return (
    <EditForm
      title={id === null ? t('users.create') : t('users.edit', { name: original()?.username ?? '' })}
      backHref="/users"
      form={editForm}
      testId="user-form"
      loading={stored().status === 'loading'}
      draftRestored={draft.restored()}
    >
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
            <datalist id="user-group-options"><For each={valueOf(groups()) ?? []}>{(name) => <option value={name} />}</For></datalist>
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
          <UserSecondFactors userId={id!} />
        </Show>
        <RateLimitFields prefix="user" values={form.limits} errors={errors()} onChange={(field, value) => draft.set('limits', { ...form.limits, [field]: value })} />
    </EditForm>
  )
}
