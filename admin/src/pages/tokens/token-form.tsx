import { useAction, useNavigate, useParams } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { createEditForm, EditForm, fillOnce, type FieldErrors } from '../../components/edit-form.tsx'
import { notify } from '../../components/toasts.tsx'
import { Field } from '../../components/ui.tsx'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { createDraft } from '../../lib/drafts.ts'
import { fromDateTimeInput, toDateTimeInput } from '../../lib/format.ts'
import { t, translateValidation } from '../../lib/i18n.ts'
import { parseAmountToQuota, quotaToAmountText, currencySymbol } from '../../lib/quota.ts'
import { quotaDisplay } from '../../lib/session.ts'
import type { Token } from '../../lib/types.ts'
import { normaliseList, validateIpList } from '../../lib/validate.ts'
import { getOwnGroups, getOwnModels, getToken, saveToken } from './token-data.ts'
import { RateLimitFields } from '../../components/rate-limit-fields.tsx'
import { emptyRateLimits, invalidRateLimits, rateLimitBody, rateLimitTexts, type RateLimitTexts } from '../../lib/rate-limits.ts'

interface TokenFormValues {
  name: string
  unlimited: boolean
  amount: string
  neverExpires: boolean
  expiresAt: string
  modelLimitsEnabled: boolean
  modelLimits: string
  allowIps: string
  group: string
  crossGroupRetry: boolean
  limits: RateLimitTexts
}

const emptyToken: TokenFormValues = {
  name: '',
  unlimited: true,
  amount: '',
  neverExpires: true,
  expiresAt: '',
  modelLimitsEnabled: false,
  modelLimits: '',
  allowIps: '',
  group: '',
  crossGroupRetry: false,
  limits: { ...emptyRateLimits },
}

function fromToken(token: Token): TokenFormValues {
  return {
    name: token.name,
    unlimited: token.unlimited_quota,
    amount: quotaToAmountText(token.remain_quota, quotaDisplay()),
    neverExpires: token.expired_time === -1,
    expiresAt: toDateTimeInput(token.expired_time),
    modelLimitsEnabled: token.model_limits_enabled,
    modelLimits: token.model_limits ?? '',
    allowIps: token.allow_ips ?? '',
    group: token.group ?? '',
    crossGroupRetry: token.cross_group_retry ?? false,
    limits: rateLimitTexts(token),
  }
}

type FieldName = keyof TokenFormValues | keyof RateLimitTexts

export function TokenFormPage(): JSX.Element {
  const params = useParams()
  const navigate = useNavigate()
  const id = params.id ? Number(params.id) : null
  const draft = createDraft<TokenFormValues>(`token.${id ?? 'new'}`, { ...emptyToken })
  const form = draft.values
  // A restored draft is what the user typed: the stored token is not needed to show the form.
  const stored = createLoaded(() => (id === null || draft.restored() ? Promise.resolve(null) : getToken(id)))
  const groups = createLoaded(() => getOwnGroups())
  const models = createLoaded(() => getOwnModels())
  const save = useAction(saveToken)
  const editForm = createEditForm<FieldName>({ validate: () => validate(), save: () => submit() })

  fillOnce(stored, editForm, (token) => draft.reset(fromToken(token)))

  const validate = (): FieldErrors<FieldName> => {
    const found: FieldErrors<FieldName> = {}
    if (!form.name.trim()) found.name = t('error.required')
    else if (new TextEncoder().encode(form.name).length > 50) found.name = t('error.too_long', { maximum: 50 })
    if (!form.unlimited) {
      const quota = parseAmountToQuota(form.amount, quotaDisplay())
      if (quota === null || quota < 0) found.amount = t('tokens.amount_invalid')
    }
    if (!form.neverExpires) {
      const expires = fromDateTimeInput(form.expiresAt)
      if (expires === null) found.expiresAt = t('error.required')
      else if (expires <= Date.now() / 1000) found.expiresAt = t('tokens.expiry_past')
    }
    if (form.modelLimitsEnabled && normaliseList(form.modelLimits) === '') found.modelLimits = t('tokens.models_required')
    const ipProblem = validateIpList(form.allowIps)
    if (ipProblem) found.allowIps = translateValidation(ipProblem)
    for (const field of invalidRateLimits(form.limits)) found[field] = t('limits.invalid')
    return found
  }

  const submit = async () => {
    const body = {
      name: form.name.trim(),
      unlimited_quota: form.unlimited,
      remain_quota: form.unlimited ? 0 : parseAmountToQuota(form.amount, quotaDisplay()) ?? 0,
      expired_time: form.neverExpires ? -1 : fromDateTimeInput(form.expiresAt),
      model_limits_enabled: form.modelLimitsEnabled,
      model_limits: normaliseList(form.modelLimits),
      allow_ips: form.allowIps.split('\n').map((line) => line.replace(/[\s,]/g, '')).filter(Boolean).join('\n'),
      group: form.group,
      cross_group_retry: form.crossGroupRetry,
      ...rateLimitBody(form.limits),
    }
    await save({ id, body })
    draft.clear()
    notify('success', id === null ? t('tokens.created') : t('common.saved'))
    navigate('/tokens')
  }

  const addModel = (name: string) => {
    const list = normaliseList(form.modelLimits)
    draft.set('modelLimits', normaliseList(list ? `${list},${name}` : name))
  }

  return (
    <EditForm
      title={id === null ? t('tokens.create') : t('tokens.edit')}
      backHref="/tokens"
      form={editForm}
      testId="token-form"
      loading={stored().status === 'loading'}
      draftRestored={draft.restored()}
      onDiscardDraft={() => { draft.clear(); location.reload() }}
    >
        <Field label={t('tokens.name')} for="token-name" error={editForm.errors().name}>
          <input id="token-name" value={form.name} onInput={(event) => draft.set('name', event.currentTarget.value)} />
        </Field>
        <div class="field-row">
          <label class="check">
            <input type="checkbox" checked={form.unlimited} onChange={(event) => draft.set('unlimited', event.currentTarget.checked)} />
            {t('tokens.unlimited')}
          </label>
        </div>
        <Show when={!form.unlimited}>
          <Field label={`${t('tokens.quota_amount')} ${currencySymbol(quotaDisplay())}`} for="token-amount" error={editForm.errors().amount} hint={(() => {
            const quota = parseAmountToQuota(form.amount, quotaDisplay())
            return quota === null ? t('tokens.amount_hint') : t('tokens.amount_as_quota', { quota: quota.toLocaleString('en-US') })
          })()}>
            <input id="token-amount" inputmode="decimal" value={form.amount} onInput={(event) => draft.set('amount', event.currentTarget.value)} />
          </Field>
        </Show>
        <div class="field-row">
          <label class="check">
            <input type="checkbox" checked={form.neverExpires} onChange={(event) => draft.set('neverExpires', event.currentTarget.checked)} />
            {t('tokens.never_expires')}
          </label>
        </div>
        <Show when={!form.neverExpires}>
          <Field label={t('tokens.expires')} for="token-expires" error={editForm.errors().expiresAt}>
            <input id="token-expires" type="datetime-local" value={form.expiresAt} onInput={(event) => draft.set('expiresAt', event.currentTarget.value)} />
          </Field>
        </Show>
        <Field label={t('tokens.group')} for="token-group" hint={t('tokens.group_hint')}>
          <select id="token-group" value={form.group} onChange={(event) => draft.set('group', event.currentTarget.value)}>
            <option value="">{t('tokens.group_own')}</option>
            <For each={Object.entries(valueOf(groups()) ?? {})}>
              {([name, info]) => <option value={name}>{name}{info?.desc ? ` — ${info.desc}` : ''}{info?.ratio !== undefined ? ` (×${info.ratio})` : ''}</option>}
            </For>
            <Show when={form.group && !(form.group in (valueOf(groups()) ?? {}))}>
              <option value={form.group}>{form.group}</option>
            </Show>
          </select>
        </Field>
        <Show when={form.group === 'auto'}>
          <label class="check">
            <input type="checkbox" checked={form.crossGroupRetry} onChange={(event) => draft.set('crossGroupRetry', event.currentTarget.checked)} />
            {t('tokens.cross_group_retry')}
          </label>
        </Show>
        <div class="field-row">
          <label class="check">
            <input type="checkbox" checked={form.modelLimitsEnabled} onChange={(event) => draft.set('modelLimitsEnabled', event.currentTarget.checked)} />
            {t('tokens.model_limits_enabled')}
          </label>
        </div>
        <Show when={form.modelLimitsEnabled}>
          <Field label={t('tokens.model_limits')} for="token-models" error={editForm.errors().modelLimits} hint={t('tokens.model_limits_hint')} wide>
            <textarea id="token-models" rows={2} value={form.modelLimits} onInput={(event) => draft.set('modelLimits', event.currentTarget.value)} />
          </Field>
          <Show when={(valueOf(models()) ?? []).length > 0}>
            <div class="chips">
              <For each={(valueOf(models()) ?? []).filter((name) => !normaliseList(form.modelLimits).split(',').includes(name))}>
                {(name) => <button type="button" class="chip" onClick={() => addModel(name)}>+ {name}</button>}
              </For>
            </div>
          </Show>
        </Show>
        <Field label={t('tokens.allow_ips')} for="token-ips" error={editForm.errors().allowIps} hint={t('tokens.allow_ips_hint')} wide>
          <textarea id="token-ips" rows={3} class="code" value={form.allowIps} placeholder={'192.168.1.10\n10.0.0.0/8'} onInput={(event) => draft.set('allowIps', event.currentTarget.value)} />
        </Field>
        <RateLimitFields prefix="token" values={form.limits} errors={editForm.errors()} onChange={(field, value) => draft.set('limits', { ...form.limits, [field]: value })} />
    </EditForm>
  )
}
