import { action, query, revalidate, useAction } from '@solidjs/router'
import { createEffect, createMemo, createSignal, For, Match, on, Show, Switch, type JSX } from 'solid-js'
import { JsonEditor } from '../../components/json-editor.tsx'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, ErrorBanner, Field, Spinner } from '../../components/ui.tsx'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { api, errorMessage } from '../../lib/api.ts'
import { createDraft } from '../../lib/drafts.ts'
import { t, translateValidation, type MessageKey } from '../../lib/i18n.ts'
import { audioTokensPerMinute, mediaKindOf } from '../../lib/media.ts'
import { formatQuota, ratioToPricePerMillion, formatUsdPrice } from '../../lib/quota.ts'
import { loadStatus, quotaDisplay } from '../../lib/session.ts'
import type { Option } from '../../lib/types.ts'
import { SignUpSettings } from './sign-up-settings.tsx'
import { optionsFromRows, parseMap, pricingKeys, rowsFromOptions, type PriceRow } from '../../lib/pricing-rows.ts'
import { validateNumberMap, validateStatusRanges, type ValidationError } from '../../lib/validate.ts'
import { securitySection } from './security-section.ts'
import { UpstreamSync } from './upstream-sync.tsx'

type OptionKind = 'text' | 'textarea' | 'integer' | 'number' | 'boolean' | 'ranges' | 'number-map' | 'json' | 'select'

interface OptionField {
  key: string
  label: MessageKey
  kind: OptionKind
  hint?: MessageKey
  choices?: string[]
}

interface Section {
  id: string
  title: MessageKey
  fields: OptionField[]
}

/** The options an operator tunes, grouped; every other stored option is still editable under "All options". */
export const sections: Section[] = [
  {
    id: 'general',
    title: 'settings.section_general',
    fields: [
      { key: 'SystemName', label: 'settings.system_name', kind: 'text' },
      { key: 'QuotaPerUnit', label: 'settings.quota_per_unit', kind: 'number', hint: 'settings.quota_per_unit_hint' },
      { key: 'general_setting.quota_display_type', label: 'settings.quota_display_type', kind: 'select', choices: ['USD', 'CNY', 'TOKENS', 'CUSTOM'] },
      { key: 'USDExchangeRate', label: 'settings.usd_exchange_rate', kind: 'number' },
      { key: 'QuotaForNewUser', label: 'settings.quota_for_new_user', kind: 'integer', hint: 'settings.quota_units_hint' },
      { key: 'PreConsumedQuota', label: 'settings.pre_consumed_quota', kind: 'integer', hint: 'settings.quota_units_hint' },
      { key: 'DisplayTokenStatEnabled', label: 'settings.display_token_stat', kind: 'boolean' },
      { key: 'SelfUseModeEnabled', label: 'settings.self_use_mode', kind: 'boolean', hint: 'settings.self_use_mode_hint' },
      { key: 'token_setting.max_user_tokens', label: 'settings.max_user_tokens', kind: 'integer' },
      { key: 'PasswordLoginEnabled', label: 'settings.password_login', kind: 'boolean' },
      { key: 'RegisterEnabled', label: 'settings.register', kind: 'boolean' },
    ],
  },
  {
    id: 'routing',
    title: 'settings.section_routing',
    fields: [
      { key: 'RetryTimes', label: 'settings.retry_times', kind: 'integer', hint: 'settings.retry_times_hint' },
      { key: 'AutomaticRetryStatusCodes', label: 'settings.retry_status_codes', kind: 'ranges', hint: 'settings.ranges_hint' },
      { key: 'AutomaticDisableChannelEnabled', label: 'settings.auto_disable', kind: 'boolean' },
      { key: 'AutomaticEnableChannelEnabled', label: 'settings.auto_enable', kind: 'boolean' },
      { key: 'AutomaticDisableStatusCodes', label: 'settings.disable_status_codes', kind: 'ranges', hint: 'settings.ranges_hint' },
      { key: 'AutomaticDisableKeywords', label: 'settings.disable_keywords', kind: 'textarea', hint: 'settings.keywords_hint' },
      { key: 'ChannelDisableThreshold', label: 'settings.disable_threshold', kind: 'number', hint: 'settings.disable_threshold_hint' },
      { key: 'ChannelTestFrequency', label: 'settings.test_frequency', kind: 'integer', hint: 'settings.test_frequency_hint' },
      { key: 'ChannelFailureThreshold', label: 'settings.failure_threshold', kind: 'integer', hint: 'settings.failure_threshold_hint' },
      { key: 'ChannelFailureWindowSeconds', label: 'settings.failure_window', kind: 'integer', hint: 'settings.seconds_hint' },
      { key: 'ChannelProbeDelaySeconds', label: 'settings.probe_delay', kind: 'integer', hint: 'settings.probe_delay_hint' },
      { key: 'ChannelCooldownSeconds', label: 'settings.cooldown', kind: 'integer', hint: 'settings.cooldown_hint' },
      { key: 'CacheAwareRoutingEnabled', label: 'settings.cache_aware_routing', kind: 'boolean', hint: 'settings.cache_aware_routing_hint' },
      { key: 'CacheAwareRoutingMinChars', label: 'settings.cache_aware_min_chars', kind: 'integer', hint: 'settings.cache_aware_min_chars_hint' },
    ],
  },
  {
    id: 'streaming',
    title: 'settings.section_streaming',
    fields: [
      { key: 'StreamingTimeout', label: 'settings.streaming_timeout', kind: 'integer', hint: 'settings.seconds_hint' },
      { key: 'ForceStreamOption', label: 'settings.force_stream_option', kind: 'boolean', hint: 'settings.force_stream_option_hint' },
      { key: 'GetMediaToken', label: 'settings.get_media_token', kind: 'boolean' },
      { key: 'GetMediaTokenNotStream', label: 'settings.get_media_token_not_stream', kind: 'boolean' },
      { key: 'MaxFileDownloadMB', label: 'settings.max_file_download', kind: 'integer' },
    ],
  },
  {
    id: 'logs',
    title: 'settings.section_logs',
    fields: [
      { key: 'LogConsumeEnabled', label: 'settings.log_consume', kind: 'boolean' },
      { key: 'LogRetentionDays', label: 'settings.log_retention', kind: 'integer', hint: 'settings.log_retention_hint' },
    ],
  },
  {
    id: 'content',
    title: 'settings.section_content',
    fields: [
      { key: 'CheckSensitiveEnabled', label: 'settings.check_sensitive', kind: 'boolean' },
      { key: 'CheckSensitiveOnPromptEnabled', label: 'settings.check_sensitive_prompt', kind: 'boolean' },
      { key: 'CheckSensitiveOnCompletionEnabled', label: 'settings.check_sensitive_completion', kind: 'boolean', hint: 'settings.check_sensitive_completion_hint' },
      { key: 'SensitiveWords', label: 'settings.sensitive_words', kind: 'textarea', hint: 'settings.sensitive_words_hint' },
    ],
  },
  {
    id: 'tasks',
    title: 'settings.section_tasks',
    fields: [
      { key: 'ServerAddress', label: 'settings.server_address', kind: 'text', hint: 'settings.server_address_hint' },
      { key: 'MjForwardUrlEnabled', label: 'settings.mj_forward_url', kind: 'boolean', hint: 'settings.mj_forward_url_hint' },
      { key: 'MjActionCheckSuccessEnabled', label: 'settings.mj_action_check_success', kind: 'boolean', hint: 'settings.mj_action_check_success_hint' },
      { key: 'MjNotifyEnabled', label: 'settings.mj_notify', kind: 'boolean', hint: 'settings.mj_notify_hint' },
      { key: 'MjAccountFilterEnabled', label: 'settings.mj_account_filter', kind: 'boolean' },
      { key: 'MjModeClearEnabled', label: 'settings.mj_mode_clear', kind: 'boolean', hint: 'settings.mj_mode_clear_hint' },
    ],
  },
  {
    id: 'groups',
    title: 'settings.section_groups',
    fields: [
      { key: 'GroupRatio', label: 'settings.group_ratio', kind: 'number-map', hint: 'settings.group_ratio_hint' },
      { key: 'UserUsableGroups', label: 'settings.user_usable_groups', kind: 'json', hint: 'settings.user_usable_groups_hint' },
      { key: 'AutoGroups', label: 'settings.auto_groups', kind: 'json', hint: 'settings.auto_groups_hint' },
    ],
  },
  securitySection,
  {
    id: 'limits',
    title: 'settings.section_limits',
    fields: [
      { key: 'GroupRateLimits', label: 'settings.group_rate_limits', kind: 'json', hint: 'settings.group_rate_limits_hint' },
      { key: 'ModelRequestRateLimitEnabled', label: 'settings.model_request_limit', kind: 'boolean' },
      { key: 'ModelRequestRateLimitDurationMinutes', label: 'settings.model_request_minutes', kind: 'integer' },
      { key: 'ModelRequestRateLimitSuccessCount', label: 'settings.model_request_success', kind: 'integer' },
      { key: 'ModelRequestRateLimitCount', label: 'settings.model_request_total', kind: 'integer', hint: 'settings.model_request_total_hint' },
      { key: 'ModelRequestRateLimitGroup', label: 'settings.model_request_groups', kind: 'json', hint: 'settings.model_request_groups_hint' },
    ],
  },
]


export function validateOption(kind: OptionKind, value: string): ValidationError | null {
  switch (kind) {
    case 'integer':
      return value.trim() === '' || /^-?\d+$/.test(value.trim()) ? null : { key: 'error.number_invalid', params: { name: value } }
    case 'number':
      return value.trim() === '' || Number.isFinite(Number(value)) ? null : { key: 'error.number_invalid', params: { name: value } }
    case 'ranges':
      return validateStatusRanges(value)
    case 'number-map':
      return validateNumberMap(value)
    case 'json':
      if (value.trim() === '') return null
      try {
        JSON.parse(value)
        return null
      } catch (error) {
        return { key: 'error.json_invalid', params: { detail: (error as Error).message } }
      }
    default:
      return null
  }
}

const getOptions = query(async () => {
  const list = await api.get<Option[]>('/api/option/')
  return Object.fromEntries((list ?? []).map((option) => [option.key, option.value ?? ''])) as Record<string, string>
}, 'options')

const saveOptions = action(async (changes: [string, string][]) => {
  // One key per call (new-api §6); stop at the first refusal so its message is the one shown.
  for (const [key, value] of changes) await api.put('/api/option/', { key, value })
}, 'options-save')

export function SettingsPage(): JSX.Element {
  const [tab, setTab] = createSignal<'pricing' | string>('pricing')
  const loaded = createLoaded(() => getOptions())
  const options = () => valueOf(loaded())
  const save = useAction(saveOptions)
  // After an upstream sync the price table is rebuilt from the options the server now holds, once they arrive.
  const [pricingEpoch, setPricingEpoch] = createSignal(1)
  const [reloadPricing, setReloadPricing] = createSignal(false)
  createEffect(on(options, () => {
    if (!reloadPricing()) return
    setReloadPricing(false)
    setPricingEpoch(pricingEpoch() + 1)
  }, { defer: true }))

  const commit = async (changes: [string, string][]) => {
    if (changes.length === 0) {
      notify('info', t('settings.nothing_changed'))
      return true
    }
    try {
      await save(changes)
      notify('success', t('settings.saved_count', { count: changes.length }))
      // Currency and system name come back through /api/status.
      void loadStatus()
      return true
    } catch (error) {
      notify('error', errorMessage(error))
      // Part of the changes may have been written before the refusal: show what the server holds now.
      void revalidate(getOptions.key)
      return false
    }
  }

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.settings')}</h1>
      </header>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" class="tab" classList={{ selected: tab() === 'pricing' }} onClick={() => setTab('pricing')}>{t('settings.section_pricing')}</button>
        <For each={sections}>
          {(section) => <button type="button" role="tab" class="tab" classList={{ selected: tab() === section.id }} onClick={() => setTab(section.id)}>{t(section.title)}</button>}
        </For>
        <button type="button" role="tab" class="tab" classList={{ selected: tab() === 'sign-up' }} onClick={() => setTab('sign-up')}>{t('settings.section_sign_up')}</button>
        <button type="button" role="tab" class="tab" classList={{ selected: tab() === 'all' }} onClick={() => setTab('all')}>{t('settings.section_all')}</button>
      </div>
      <Show when={options()} fallback={<Show when={loaded().status === 'error'} fallback={<Spinner />}><ErrorBanner message={errorOf(loaded())} /></Show>}>
        <Switch>
          <Match when={tab() === 'pricing'}>
            <Show when={pricingEpoch()} keyed>{(_epoch) => <PricingEditor options={options()!} commit={commit} />}</Show>
            <UpstreamSync onApplied={async () => { setReloadPricing(true); await revalidate(getOptions.key) }} />
          </Match>
          <Match when={tab() === 'sign-up'}><SignUpSettings /></Match>
          <Match when={tab() === 'all'}>
            <AllOptions options={options()!} commit={commit} />
          </Match>
          <Match when={sections.find((section) => section.id === tab())}>
            {(section) => <SectionForm section={section()} options={options()!} commit={commit} />}
          </Match>
        </Switch>
      </Show>
    </section>
  )
}

function SectionForm(props: { section: Section; options: Record<string, string>; commit: (changes: [string, string][]) => Promise<boolean> }): JSX.Element {
  const initial = () => Object.fromEntries(props.section.fields.map((field) => [field.key, props.options[field.key] ?? ''])) as Record<string, string>
  const draft = createDraft<Record<string, string>>(`settings.${props.section.id}`, initial())
  const errorOf = (field: OptionField) => {
    const problem = validateOption(field.kind, draft.values[field.key] ?? '')
    return problem ? translateValidation(problem) : null
  }
  const save = async () => {
    if (props.section.fields.some((field) => errorOf(field))) {
      notify('error', t('form.fix_errors'))
      return
    }
    const changes = props.section.fields
      .filter((field) => (draft.values[field.key] ?? '') !== (props.options[field.key] ?? ''))
      .map((field) => [field.key, draft.values[field.key] ?? ''] as [string, string])
    if (await props.commit(changes)) draft.clear()
  }
  return (
    <form class="card form grid-form" onSubmit={(event) => { event.preventDefault(); void save() }} novalidate data-testid={`settings-${props.section.id}`}>
      <Show when={draft.restored()}>
        <div class="banner banner-info wide">{t('form.draft_restored')}</div>
      </Show>
      <For each={props.section.fields}>
        {(field) => (
          <Switch>
            <Match when={field.kind === 'boolean'}>
              <div class="field">
                <label class="check">
                  <input type="checkbox" checked={draft.values[field.key] === 'true'} onChange={(event) => draft.set(field.key, event.currentTarget.checked ? 'true' : 'false')} />
                  {t(field.label)}
                </label>
                <Show when={field.hint}><div class="field-hint">{t(field.hint!)}</div></Show>
              </div>
            </Match>
            <Match when={field.kind === 'number-map' || field.kind === 'json'}>
              <JsonEditor
                id={`option-${field.key}`}
                label={t(field.label)}
                value={draft.values[field.key] ?? ''}
                onInput={(value) => draft.set(field.key, value)}
                validate={(value) => validateOption(field.kind, value)}
                hint={field.hint ? t(field.hint) : undefined}
                rows={6}
              />
            </Match>
            <Match when={field.kind === 'textarea'}>
              <Field label={t(field.label)} for={`option-${field.key}`} hint={field.hint ? t(field.hint) : undefined} wide>
                <textarea id={`option-${field.key}`} rows={4} value={draft.values[field.key] ?? ''} onInput={(event) => draft.set(field.key, event.currentTarget.value)} />
              </Field>
            </Match>
            <Match when={field.kind === 'select'}>
              <Field label={t(field.label)} for={`option-${field.key}`}>
                <select id={`option-${field.key}`} value={draft.values[field.key] || field.choices![0]} onChange={(event) => draft.set(field.key, event.currentTarget.value)}>
                  <For each={field.choices}>{(choice) => <option value={choice}>{choice}</option>}</For>
                </select>
              </Field>
            </Match>
            <Match when={true}>
              <Field label={t(field.label)} for={`option-${field.key}`} error={errorOf(field)} hint={field.hint ? t(field.hint) : undefined}>
                <input
                  id={`option-${field.key}`}
                  inputmode={field.kind === 'integer' || field.kind === 'number' ? 'decimal' : undefined}
                  value={draft.values[field.key] ?? ''}
                  onInput={(event) => draft.set(field.key, event.currentTarget.value)}
                />
              </Field>
            </Match>
          </Switch>
        )}
      </For>
      <div class="form-actions wide">
        <button type="submit" class="button primary">{t('common.save')}</button>
      </div>
    </form>
  )
}

/** Same map regardless of key order: saving the table must not rewrite options nobody changed. */
function sameJson(left: string | undefined, right: string): boolean {
  const canonical = (text: string) => JSON.stringify(Object.entries(parseMap(text)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return canonical(left || '{}') === canonical(right)
}

function PricingEditor(props: { options: Record<string, string>; commit: (changes: [string, string][]) => Promise<boolean> }): JSX.Element {
  const draft = createDraft<{ rows: PriceRow[] }>('settings.pricing', { rows: rowsFromOptions(props.options) })
  const [filter, setFilter] = createSignal('')
  const [asJson, setAsJson] = createSignal(false)
  const [jsonDraft, setJsonDraft] = createSignal<Record<string, string>>({})
  const [error, setError] = createSignal<string | null>(null)

  const rowProblem = (row: PriceRow): string | null => {
    const numbers = [row.price, row.modelRatio, row.completionRatio, row.cacheRatio, row.imageRatio]
    for (const value of numbers) {
      if (value.trim() !== '' && (!Number.isFinite(Number(value)) || Number(value) < 0)) return t('error.number_invalid', { name: value })
    }
    if (row.perCall && row.price.trim() === '') return t('settings.price_required')
    if (!row.perCall && row.modelRatio.trim() === '') return t('settings.ratio_required')
    return null
  }
  const duplicates = createMemo(() => {
    const seen = new Set<string>()
    const repeated = new Set<string>()
    for (const row of draft.values.rows) {
      const name = row.model.trim()
      if (seen.has(name)) repeated.add(name)
      seen.add(name)
    }
    return repeated
  })
  const visible = () => draft.values.rows.map((row, index) => ({ row, index })).filter(({ row }) => row.model.toLowerCase().includes(filter().toLowerCase()))

  const save = async () => {
    setError(null)
    let maps: Record<string, string>
    if (asJson()) {
      maps = { ...Object.fromEntries(pricingKeys.map((key) => [key, props.options[key] ?? '{}'])), ...jsonDraft() }
      for (const key of pricingKeys) {
        const problem = validateNumberMap(maps[key] ?? '')
        if (problem) return setError(`${key}: ${translateValidation(problem)}`)
      }
    } else {
      const broken = draft.values.rows.find((row) => !row.model.trim() || rowProblem(row))
      if (broken) return setError(broken.model.trim() ? `${broken.model}: ${rowProblem(broken)}` : t('settings.model_required'))
      if (duplicates().size > 0) return setError(t('settings.duplicate_models', { names: [...duplicates()].join(', ') }))
      maps = optionsFromRows(draft.values.rows)
    }
    const changes = pricingKeys.filter((key) => !sameJson(props.options[key], maps[key] ?? '{}')).map((key) => [key, maps[key]!] as [string, string])
    if (await props.commit(changes)) {
      draft.clear()
      if (asJson()) {
        draft.reset({ rows: rowsFromOptions({ ...props.options, ...maps }) })
        setJsonDraft({})
      }
    }
  }

  const update = (index: number, field: keyof PriceRow, value: string | boolean) => draft.set('rows', index, field as never, value as never)

  return (
    <div class="card form" data-testid="pricing-editor">
      <div class="toolbar">
        <input type="search" placeholder={t('common.filter')} value={filter()} onInput={(event) => setFilter(event.currentTarget.value)} />
        <button type="button" class="button" onClick={() => {
          draft.set('rows', (rows) => [{ model: filter().trim(), perCall: false, modelRatio: '1', completionRatio: '1', cacheRatio: '', imageRatio: '', price: '' }, ...rows])
        }}>{t('settings.add_model')}</button>
        <label class="check">
          <input type="checkbox" checked={asJson()} onChange={(event) => setAsJson(event.currentTarget.checked)} />
          {t('settings.edit_as_json')}
        </label>
      </div>
      <p class="muted small">{t('settings.pricing_hint')}</p>
      <p class="muted small">{t('settings.media_pricing_hint')}</p>
      <Show when={draft.restored()}>
        <div class="banner banner-info">{t('form.draft_restored')}</div>
      </Show>
      <ErrorBanner message={error()} />
      <Show
        when={!asJson()}
        fallback={
          <div class="grid-form">
            <For each={pricingKeys}>
              {(key) => (
                <JsonEditor
                  id={`pricing-${key}`}
                  label={key}
                  value={jsonDraft()[key] ?? (props.options[key] ? JSON.stringify(parseMap(props.options[key]), null, 2) : '{}')}
                  onInput={(value) => setJsonDraft({ ...jsonDraft(), [key]: value })}
                  validate={validateNumberMap}
                  rows={10}
                />
              )}
            </For>
          </div>
        }
      >
        <div class="table-wrap">
          <table class="table compact pricing-table">
            <thead>
              <tr>
                <th>{t('pricing.model')}</th>
                <th>{t('pricing.billing')}</th>
                <th>{t('settings.model_ratio')}</th>
                <th>{t('settings.completion_ratio')}</th>
                <th>{t('settings.cache_ratio')}</th>
                <th title={t('settings.image_ratio_title')}>{t('settings.image_ratio')}</th>
                <th>{t('settings.price_per_call')}</th>
                <th>{t('pricing.input_price')}</th>
                <th>{t('pricing.output_price')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              <For each={visible()} fallback={<tr><td colSpan={10} class="muted">{t('common.no_data')}</td></tr>}>
                {({ row, index }) => (
                  <tr data-model={row.model} classList={{ invalid: !!rowProblem(row) || duplicates().has(row.model.trim()) }}>
                    <td><input class="cell-input" value={row.model} aria-label={t('pricing.model')} onInput={(event) => update(index, 'model', event.currentTarget.value)} /></td>
                    <td>
                      <select class="cell-input" value={row.perCall ? 'call' : 'ratio'} aria-label={t('pricing.billing')} onChange={(event) => update(index, 'perCall', event.currentTarget.value === 'call')}>
                        <option value="ratio">{t('pricing.per_token')}</option>
                        <option value="call">{mediaKindOf(row.model) === 'image' ? t('settings.per_image') : t('pricing.per_call')}</option>
                      </select>
                    </td>
                    <td><input class="cell-input number" disabled={row.perCall} value={row.modelRatio} aria-label={t('settings.model_ratio')} onInput={(event) => update(index, 'modelRatio', event.currentTarget.value)} /></td>
                    <td><input class="cell-input number" disabled={row.perCall} value={row.completionRatio} aria-label={t('settings.completion_ratio')} onInput={(event) => update(index, 'completionRatio', event.currentTarget.value)} /></td>
                    <td><input class="cell-input number" disabled={row.perCall} value={row.cacheRatio} aria-label={t('settings.cache_ratio')} onInput={(event) => update(index, 'cacheRatio', event.currentTarget.value)} /></td>
                    <td><input class="cell-input number" disabled={row.perCall} value={row.imageRatio} aria-label={t('settings.image_ratio')} title={t('settings.image_ratio_title')} onInput={(event) => update(index, 'imageRatio', event.currentTarget.value)} /></td>
                    <td><input class="cell-input number" disabled={!row.perCall} value={row.price} aria-label={t('settings.price_per_call')} onInput={(event) => update(index, 'price', event.currentTarget.value)} /></td>
                    <InputPriceCell row={row} />
                    {/* Audio models have output tokens only when the upstream reports usage, priced by a completion ratio. */}
                    <td class="number muted">{!row.perCall && row.modelRatio && (row.completionRatio || mediaKindOf(row.model) === null || mediaKindOf(row.model) === 'image') ? ratioToPricePerMillion(Number(row.modelRatio) * Number(row.completionRatio || 1), quotaDisplay()) : ''}</td>
                    <td><button type="button" class="icon-button" aria-label={t('common.delete')} onClick={() => draft.set('rows', (rows) => rows.filter((_, position) => position !== index))}>×</button></td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
      <div class="form-actions">
        <ActionButton class="button primary" action={save}>{t('common.save')}</ActionButton>
      </div>
    </div>
  )
}

/**
 * The input price in the unit the model is billed by: per image or per call for a ModelPrice; for a ratio, per
 * 1M tokens, per 1M characters for speech models (a character is a token), per minute for transcription models
 * (1000 tokens a minute) with the per-second figure on hover.
 */
function InputPriceCell(props: { row: PriceRow }): JSX.Element {
  const kind = () => mediaKindOf(props.row.model)
  const ratio = () => Number(props.row.modelRatio)
  const price = (): { amount: string; unit?: string } | null => {
    const row = props.row
    if (row.perCall) return row.price && Number.isFinite(Number(row.price)) ? { amount: formatUsdPrice(Number(row.price), quotaDisplay()), unit: t(kind() === 'image' ? 'settings.per_image_suffix' : 'settings.per_call_suffix') } : null
    if (row.modelRatio.trim() === '' || !Number.isFinite(ratio())) return null
    if (kind() === 'speech') return { amount: ratioToPricePerMillion(ratio(), quotaDisplay()), unit: t('settings.per_million_characters') }
    if (kind() === 'transcription') return { amount: formatQuota(ratio() * audioTokensPerMinute, quotaDisplay()), unit: t('settings.per_minute') }
    return { amount: ratioToPricePerMillion(ratio(), quotaDisplay()) }
  }
  const title = () => !props.row.perCall && kind() === 'transcription' && Number.isFinite(ratio())
    ? t('settings.per_second', { price: formatQuota((ratio() * audioTokensPerMinute) / 60, quotaDisplay()) })
    : undefined
  // The unit goes under the amount, so a long one ("/ 1M characters") does not widen the table past the window.
  return (
    <td class="number muted" title={title()} data-testid="input-price">
      <Show when={price()}>{(shown) => <>{shown().amount}<Show when={shown().unit}><span class="price-unit"> {shown().unit}</span></Show></>}</Show>
    </td>
  )
}

function AllOptions(props: { options: Record<string, string>; commit: (changes: [string, string][]) => Promise<boolean> }): JSX.Element {
  const [filter, setFilter] = createSignal('')
  const [edits, setEdits] = createSignal<Record<string, string>>({})
  const [newKey, setNewKey] = createSignal('')
  const keys = () => Object.keys({ ...props.options, ...edits() }).filter((key) => key.toLowerCase().includes(filter().toLowerCase())).sort()
  const save = async () => {
    const changes = Object.entries(edits()).filter(([key, value]) => value !== (props.options[key] ?? ''))
    if (await props.commit(changes)) setEdits({})
  }
  return (
    <div class="card form" data-testid="all-options">
      <p class="muted small">{t('settings.all_hint')}</p>
      <div class="toolbar">
        <input type="search" placeholder={t('common.filter')} value={filter()} onInput={(event) => setFilter(event.currentTarget.value)} />
        <input placeholder={t('settings.new_key')} value={newKey()} onInput={(event) => setNewKey(event.currentTarget.value)} />
        <button type="button" class="button" disabled={!newKey().trim()} onClick={() => { setEdits({ ...edits(), [newKey().trim()]: '' }); setNewKey('') }}>{t('settings.add_key')}</button>
      </div>
      <div class="table-wrap">
        <table class="table compact">
          <thead><tr><th>{t('settings.key')}</th><th>{t('settings.value')}</th></tr></thead>
          <tbody>
            <For each={keys()}>
              {(key) => {
                const value = () => edits()[key] ?? props.options[key] ?? ''
                return (
                  <tr classList={{ changed: key in edits() && edits()[key] !== (props.options[key] ?? '') }}>
                    <td><code>{key}</code></td>
                    <td>
                      <Show when={value().length > 60 || value().includes('\n')} fallback={<input class="cell-input" value={value()} onInput={(event) => setEdits({ ...edits(), [key]: event.currentTarget.value })} />}>
                        <textarea class="cell-input code" rows={4} value={value()} onInput={(event) => setEdits({ ...edits(), [key]: event.currentTarget.value })} />
                      </Show>
                    </td>
                  </tr>
                )
              }}
            </For>
          </tbody>
        </table>
      </div>
      <div class="form-actions">
        <ActionButton class="button primary" action={save}>{t('common.save')}</ActionButton>
      </div>
    </div>
  )
}
