import { useAction, useNavigate, useParams } from '@solidjs/router'
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js'
import { createEditForm, EditForm, fillOnce, type FieldErrors } from '../../components/edit-form.tsx'
import { JsonEditor } from '../../components/json-editor.tsx'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, Field, Modal } from '../../components/ui.tsx'
import { errorMessage } from '../../lib/api.ts'
import { locale } from '../../lib/appearance.ts'
import { createLoaded, valueOf } from '../../lib/async-data.ts'
import { checkTypeRequirements, findChannelType, offeredChannelTypes } from '../../lib/channel-types.ts'
import { createDraft } from '../../lib/drafts.ts'
import { formatDuration } from '../../lib/format.ts'
import { t, translateValidation } from '../../lib/i18n.ts'
import type { Channel } from '../../lib/types.ts'
import { normaliseList, validateJsonObject, validateModelMapping, validateStatusCodeMapping } from '../../lib/validate.ts'
import { copyChannel, fetchUpstreamModels, getChannel, getChannelTypes, getGroups, saveChannel, testChannel } from './channel-data.ts'
import { MultiKeyModal } from './multi-key-modal.tsx'

interface ChannelFormValues {
  type: number
  name: string
  key: string
  /** Create: one channel, one per key line, or one multi-key channel. */
  mode: 'single' | 'batch' | 'multi_to_single'
  multiKeyMode: 'random' | 'polling'
  prefixKeyToName: boolean
  /** Edit of a multi-key channel: add the typed keys or replace all. */
  keyMode: 'append' | 'replace'
  baseUrl: string
  other: string
  models: string
  group: string
  priority: string
  weight: string
  modelMapping: string
  statusCodeMapping: string
  setting: string
  settings: string
  paramOverride: string
  headerOverride: string
  autoBan: boolean
  testModel: string
  tag: string
  remark: string
  organization: string
}

const emptyChannel: ChannelFormValues = {
  type: 1,
  name: '',
  key: '',
  mode: 'single',
  multiKeyMode: 'random',
  prefixKeyToName: false,
  keyMode: 'append',
  baseUrl: '',
  other: '',
  models: '',
  group: 'default',
  priority: '0',
  weight: '0',
  modelMapping: '',
  statusCodeMapping: '',
  setting: '',
  settings: '',
  paramOverride: '',
  headerOverride: '',
  autoBan: true,
  testModel: '',
  tag: '',
  remark: '',
  organization: '',
}

function fromChannel(channel: Channel): ChannelFormValues {
  return {
    ...emptyChannel,
    type: channel.type,
    name: channel.name,
    baseUrl: channel.base_url ?? '',
    other: channel.other ?? '',
    models: channel.models ?? '',
    group: channel.group || 'default',
    priority: String(channel.priority ?? 0),
    weight: String(channel.weight ?? 0),
    modelMapping: channel.model_mapping ?? '',
    statusCodeMapping: channel.status_code_mapping ?? '',
    setting: channel.setting ?? '',
    settings: channel.settings ?? '',
    paramOverride: channel.param_override ?? '',
    headerOverride: channel.header_override ?? '',
    autoBan: (channel.auto_ban ?? 1) === 1,
    testModel: channel.test_model ?? '',
    tag: channel.tag ?? '',
    remark: channel.remark ?? '',
    organization: channel.openai_organization ?? '',
    multiKeyMode: channel.channel_info?.multi_key_mode === 'polling' ? 'polling' : 'random',
  }
}

type FieldName = keyof ChannelFormValues

/** Lines of a multi-key entry: newline-separated, or a JSON array for JSON keys (Vertex). */
function countKeys(key: string, jsonKeys: boolean): number {
  const trimmed = key.trim()
  if (!trimmed) return 0
  if (jsonKeys && trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown
      return Array.isArray(parsed) ? parsed.length : 1
    } catch {
      return 1
    }
  }
  if (jsonKeys) return 1
  return trimmed.split('\n').filter((line) => line.trim()).length
}

export function ChannelFormPage(): JSX.Element {
  const params = useParams()
  const navigate = useNavigate()
  const copy = useAction(copyChannel)
  /** The copy is listed as "<name>_copy"; the usual next step is changing its key or base URL there. */
  const duplicate = async () => {
    try {
      await copy(id!)
      notify('success', t('channels.copied'))
      navigate('/channels')
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }
  const id = params.id ? Number(params.id) : null
  const draft = createDraft<ChannelFormValues>(`channel.${id ?? 'new'}`, { ...emptyChannel })
  const form = draft.values
  const [fetchedModels, setFetchedModels] = createSignal<string[] | null>(null)
  const [showMultiKey, setShowMultiKey] = createSignal(false)
  const [testResult, setTestResult] = createSignal<{ success: boolean; text: string } | null>(null)

  const types = createLoaded(() => getChannelTypes())
  const stored = createLoaded(() => (id === null ? Promise.resolve(null) : getChannel(id)))
  const groups = createLoaded(() => getGroups())
  const save = useAction(saveChannel)
  const runChannelTest = useAction(testChannel)
  const original = (): Channel | null => valueOf(stored()) ?? null

  const editForm = createEditForm<FieldName>({ validate: () => validate(), save: () => submit() })

  // A revalidation after a channel test must not overwrite what is being typed: fillOnce.
  fillOnce(stored, editForm, (channel) => { if (!draft.restored()) draft.reset(fromChannel(channel)) })

  const catalogue = () => valueOf(types()) ?? []
  const type = createMemo(() => findChannelType(valueOf(types()), form.type))
  const typeChoices = () => offeredChannelTypes(catalogue(), id === null ? null : original()?.type ?? null)
  const text = (value: { en: string; zh: string } | null) => (value ? value[locale()] : undefined)
  const isMultiKey = () => original()?.channel_info?.is_multi_key === true
  const keyCount = () => countKeys(form.key, type().key_is_json)
  const modelList = () => normaliseList(form.models).split(',').filter(Boolean)
  const groupList = () => normaliseList(form.group).split(',').filter(Boolean)

  const validate = (): FieldErrors<FieldName> => {
    const found: FieldErrors<FieldName> = {}
    if (!form.name.trim()) found.name = t('error.required')
    if (id === null && !form.key.trim()) found.key = t('error.required')
    if (id === null && !type().supported) found.type = t('channels.type_unsupported_hint')
    if (modelList().length === 0) found.models = t('error.required')
    const longModel = modelList().find((name) => name.length > 255)
    if (longModel) found.models = t('error.too_long', { maximum: 255 })
    if (groupList().length === 0) found.group = t('error.required')
    if (!/^-?\d+$/.test(form.priority.trim())) found.priority = t('error.integer')
    if (!/^\d+$/.test(form.weight.trim())) found.weight = t('error.non_negative_integer')
    if (form.baseUrl.trim() && !/^https?:\/\/[^\s]+$/.test(form.baseUrl.trim())) found.baseUrl = t('error.url')
    const jsonChecks: [FieldName, ReturnType<typeof validateJsonObject>][] = [
      ['modelMapping', validateModelMapping(form.modelMapping)],
      ['statusCodeMapping', validateStatusCodeMapping(form.statusCodeMapping)],
      ['setting', validateJsonObject(form.setting)],
      ['settings', validateJsonObject(form.settings)],
      ['paramOverride', validateJsonObject(form.paramOverride)],
      ['headerOverride', validateJsonObject(form.headerOverride)],
    ]
    for (const [name, problem] of jsonChecks) if (problem) found[name] = translateValidation(problem)
    const typeProblem = checkTypeRequirements(type(), { baseUrl: form.baseUrl, other: form.other, key: form.key })
    if (typeProblem === 'error.base_url_required') found.baseUrl = t(typeProblem)
    else if (typeProblem === 'error.key_json') found.key = t(typeProblem)
    else if (typeProblem) found.other = t(typeProblem)
    return found
  }

  const channelBody = () => ({
    type: form.type,
    name: form.name.trim(),
    base_url: form.baseUrl.trim(),
    other: form.other.trim(),
    models: normaliseList(form.models),
    group: normaliseList(form.group),
    priority: Number(form.priority),
    weight: Number(form.weight),
    model_mapping: form.modelMapping.trim(),
    status_code_mapping: form.statusCodeMapping.trim(),
    setting: form.setting.trim(),
    settings: form.settings.trim(),
    param_override: form.paramOverride.trim(),
    header_override: form.headerOverride.trim(),
    auto_ban: form.autoBan ? 1 : 0,
    test_model: form.testModel.trim(),
    tag: form.tag.trim(),
    remark: form.remark.trim(),
    openai_organization: form.organization.trim(),
  })

  const submit = async () => {
    if (id === null) {
      await save({
        id: null,
        body: { ...channelBody(), key: form.key.trim() },
        create: { mode: form.mode, multi_key_mode: form.multiKeyMode, batch_add_set_key_prefix_2_name: form.mode === 'batch' && form.prefixKeyToName },
      })
    } else {
      const body: Record<string, unknown> = channelBody()
      // An empty key keeps the stored one; the key is never sent back to us.
      if (form.key.trim()) body.key = form.key.trim()
      if (isMultiKey()) {
        body.multi_key_mode = form.multiKeyMode
        if (form.key.trim()) body.key_mode = form.keyMode
      }
      await save({ id, body })
    }
    draft.clear()
    notify('success', id === null ? t('channels.created') : t('common.saved'))
    navigate('/channels')
  }

  const fetchModels = async () => {
    try {
      const models = await fetchUpstreamModels({ id, type: form.type, key: form.key.trim(), baseUrl: form.baseUrl.trim() })
      if (!models || models.length === 0) notify('info', t('channels.fetch_models_empty'))
      else setFetchedModels([...new Set(models)].sort())
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const runTest = async () => {
    if (id === null) return
    const result = await runChannelTest(id, form.testModel.trim() || undefined)
    setTestResult(result.success
      ? { success: true, text: t('channels.test_ok', { name: form.name, time: formatDuration(result.seconds, 's') }) }
      : { success: false, text: result.message })
  }

  const toggleGroup = (name: string) => {
    const selected = groupList()
    draft.set('group', selected.includes(name) ? selected.filter((item) => item !== name).join(',') : [...selected, name].join(','))
  }

  const fieldError = (name: FieldName) => editForm.fieldError(name)

  return (
    <EditForm
      title={id === null ? t('channels.create') : t('channels.edit', { name: original()?.name ?? '' })}
      backHref="/channels"
      form={editForm}
      testId="channel-form"
      grid
      loading={types().status === 'loading' || (id !== null && stored().status === 'loading')}
      draftRestored={draft.restored()}
      onDiscardDraft={() => { draft.clear(); location.reload() }}
      headerActions={<Show when={id !== null}>
        <Show when={type().testable}><ActionButton class="button" action={runTest}>{t('channels.test')}</ActionButton></Show>
        <ActionButton class="button" action={duplicate}>{t('channels.copy')}</ActionButton>
      </Show>}
      banners={<>
        <Show when={id !== null && types().status === 'ready' && !type().supported}>
          <div class="banner banner-info wide">{t('channels.type_unsupported_form', { name: type().label })}</div>
        </Show>
        <Show when={testResult()}>
          {(result) => <div class={`banner wide ${result().success ? 'banner-success' : 'banner-error'}`}>{result().text}</div>}
        </Show>
      </>}
      below={<>
        <Show when={fetchedModels()}>
          {(models) => (
            <FetchedModelsModal
              models={models()}
              current={modelList()}
              onClose={() => setFetchedModels(null)}
              onApply={(selected) => {
                draft.set('models', selected.join(','))
                setFetchedModels(null)
              }}
            />
          )}
        </Show>
        <Show when={showMultiKey() && original()}>
          {(channel) => <MultiKeyModal channel={channel()} onClose={() => setShowMultiKey(false)} />}
        </Show>
      </>}
    >
        <h2 class="form-section wide">{t('channels.section_basic')}</h2>
        <Field label={t('channels.type')} for="channel-type" error={fieldError('type')} hint={type().serves.length ? t('channels.serves', { list: type().serves.join(', ') }) : undefined}>
          <select id="channel-type" value={form.type} onChange={(event) => draft.set('type', Number(event.currentTarget.value))}>
            <For each={typeChoices()}>{(item) => <option value={item.type} selected={item.type === form.type}>{item.label}</option>}</For>
          </select>
        </Field>
        <Field label={t('channels.name')} for="channel-name" error={fieldError('name')}>
          <input id="channel-name" value={form.name} onInput={(event) => draft.set('name', event.currentTarget.value)} />
        </Field>
        <Field
          label={t('channels.base_url')}
          for="channel-base-url"
          error={fieldError('baseUrl')}
          hint={text(type().base_url_hint) ?? (type().default_base_url ? t('channels.base_url_default', { url: type().default_base_url }) : type().base_url_required ? t('channels.base_url_required_hint') : undefined)}
          wide
        >
          <input id="channel-base-url" value={form.baseUrl} placeholder={type().default_base_url || 'https://'} onInput={(event) => draft.set('baseUrl', event.currentTarget.value)} />
        </Field>

        <Field
          label={id === null ? t('channels.key') : t('channels.key_replace')}
          for="channel-key"
          error={fieldError('key')}
          hint={<>
            {text(type().key_hint) ?? t('channels.key_hint_default')}
            <Show when={keyCount() > 1}> · {t('channels.key_count', { count: keyCount() })}</Show>
            <Show when={id !== null}> · {t('channels.key_keep_hint')}</Show>
          </>}
          wide
        >
          <textarea id="channel-key" class="code" rows={type().key_is_json ? 6 : 3} spellcheck={false} autocomplete="off" value={form.key} onInput={(event) => draft.set('key', event.currentTarget.value)} />
        </Field>
        <Show when={id === null && keyCount() > 1}>
          <Field label={t('channels.add_mode')} for="channel-mode">
            <select id="channel-mode" value={form.mode} onChange={(event) => draft.set('mode', event.currentTarget.value as ChannelFormValues['mode'])}>
              <option value="single">{t('channels.mode_single')}</option>
              <option value="batch">{t('channels.mode_batch')}</option>
              <option value="multi_to_single">{t('channels.mode_multi')}</option>
            </select>
          </Field>
          <Show when={form.mode === 'batch'}>
            <label class="check">
              <input type="checkbox" checked={form.prefixKeyToName} onChange={(event) => draft.set('prefixKeyToName', event.currentTarget.checked)} />
              {t('channels.prefix_key_to_name')}
            </label>
          </Show>
        </Show>
        <Show when={(id === null && form.mode === 'multi_to_single' && keyCount() > 1) || isMultiKey()}>
          <Field label={t('channels.multi_key_mode')} for="channel-multi-mode">
            <select id="channel-multi-mode" value={form.multiKeyMode} onChange={(event) => draft.set('multiKeyMode', event.currentTarget.value as ChannelFormValues['multiKeyMode'])}>
              <option value="random">{t('channels.mode_random')}</option>
              <option value="polling">{t('channels.mode_polling')}</option>
            </select>
          </Field>
        </Show>
        <Show when={isMultiKey()}>
          <Field label={t('channels.key_update_mode')} for="channel-key-mode">
            <select id="channel-key-mode" value={form.keyMode} onChange={(event) => draft.set('keyMode', event.currentTarget.value as ChannelFormValues['keyMode'])}>
              <option value="append">{t('channels.key_append')}</option>
              <option value="replace">{t('channels.key_replace_all')}</option>
            </select>
          </Field>
          <div class="field">
            <span class="label-spacer" />
            <button type="button" class="button" onClick={() => setShowMultiKey(true)}>
              {t('channels.multi_key_view')} ({original()?.channel_info?.multi_key_size ?? 0})
            </button>
          </div>
        </Show>
        <Show when={type().other_label || type().other_required || form.other}>
          <Field label={text(type().other_label) ?? t('channels.other')} for="channel-other" error={fieldError('other')} hint={text(type().other_hint)} wide>
            <textarea id="channel-other" class="code" rows={form.type === 41 ? 3 : 1} value={form.other} onInput={(event) => draft.set('other', event.currentTarget.value)} />
          </Field>
        </Show>
        <Show when={form.type === 1 || form.type === 8}>
          <Field label={t('channels.organization')} for="channel-organization">
            <input id="channel-organization" value={form.organization} placeholder="org-…" onInput={(event) => draft.set('organization', event.currentTarget.value)} />
          </Field>
        </Show>

        <h2 class="form-section wide">{t('channels.section_routing')}</h2>
        <div class="field wide" classList={{ invalid: !!fieldError('models') }}>
          <div class="field-label-row">
            <label for="channel-models">{t('channels.models')}</label>
            <span class="header-actions">
              <ActionButton class="link-button" action={fetchModels}>{t('channels.fetch_models')}</ActionButton>
              <Show when={type().default_models.length > 0}>
                <button type="button" class="link-button" onClick={() => draft.set('models', normaliseList([...modelList(), ...type().default_models].join(',')))}>{t('channels.default_models')}</button>
              </Show>
              <button type="button" class="link-button" disabled={!form.models} onClick={() => draft.set('models', '')}>{t('channels.clear_models')}</button>
            </span>
          </div>
          <textarea id="channel-models" rows={3} value={form.models} placeholder="gpt-4o,gpt-4o-mini" onInput={(event) => draft.set('models', event.currentTarget.value)} />
          <Show when={fieldError('models')} fallback={<div class="field-hint">{t('channels.models_hint', { count: modelList().length })}</div>}>
            <div class="field-error" role="alert">{fieldError('models')}</div>
          </Show>
        </div>
        <div class="field wide" classList={{ invalid: !!fieldError('group') }}>
          <label for="channel-group">{t('channels.group')}</label>
          <input id="channel-group" value={form.group} onInput={(event) => draft.set('group', event.currentTarget.value)} />
          <div class="chips">
            <For each={(valueOf(groups()) ?? []).filter((name) => name)}>
              {(name) => (
                <button type="button" class="chip" classList={{ selected: groupList().includes(name) }} onClick={() => toggleGroup(name)}>{name}</button>
              )}
            </For>
          </div>
          <Show when={fieldError('group')} fallback={<div class="field-hint">{t('channels.group_hint')}</div>}>
            <div class="field-error">{fieldError('group')}</div>
          </Show>
        </div>
        <Field label={t('channels.priority_field')} for="channel-priority" error={fieldError('priority')} hint={t('channels.priority_hint')}>
          <input id="channel-priority" inputmode="numeric" value={form.priority} onInput={(event) => draft.set('priority', event.currentTarget.value)} />
        </Field>
        <Field label={t('channels.weight')} for="channel-weight" error={fieldError('weight')} hint={t('channels.weight_hint')}>
          <input id="channel-weight" inputmode="numeric" value={form.weight} onInput={(event) => draft.set('weight', event.currentTarget.value)} />
        </Field>
        <Field label={t('channels.test_model')} for="channel-test-model" hint={t('channels.test_model_hint')}>
          <input id="channel-test-model" value={form.testModel} list="channel-model-options" onInput={(event) => draft.set('testModel', event.currentTarget.value)} />
          <datalist id="channel-model-options"><For each={modelList()}>{(name) => <option value={name} />}</For></datalist>
        </Field>
        <Field label={t('channels.tag')} for="channel-tag">
          <input id="channel-tag" value={form.tag} onInput={(event) => draft.set('tag', event.currentTarget.value)} />
        </Field>
        <div class="field wide">
          <label class="check">
            <input type="checkbox" checked={form.autoBan} onChange={(event) => draft.set('autoBan', event.currentTarget.checked)} />
            {t('channels.auto_ban')}
          </label>
        </div>
        <JsonEditor
          id="channel-model-mapping"
          label={t('channels.model_mapping')}
          value={form.modelMapping}
          onInput={(value) => draft.set('modelMapping', value)}
          validate={validateModelMapping}
          placeholder={'{\n  "gpt-4o": "gpt-4o-2024-08-06"\n}'}
          hint={t('channels.model_mapping_hint')}
        />
        <JsonEditor
          id="channel-status-code-mapping"
          label={t('channels.status_code_mapping')}
          value={form.statusCodeMapping}
          onInput={(value) => draft.set('statusCodeMapping', value)}
          validate={validateStatusCodeMapping}
          placeholder={'{\n  "400": "500"\n}'}
          hint={t('channels.status_code_mapping_hint')}
        />

        <details class="wide advanced" open={!!(form.setting || form.settings || form.paramOverride || form.headerOverride)}>
          <summary>{t('channels.section_advanced')}</summary>
          <div class="grid-form">
            <JsonEditor id="channel-setting" label={t('channels.setting')} value={form.setting} onInput={(value) => draft.set('setting', value)} validate={validateJsonObject}
              placeholder={'{\n  "system_prompt": "",\n  "max_concurrency": 8,\n  "max_queue": 16\n}'} hint={t('channels.setting_hint')} />
            <JsonEditor id="channel-settings" label={t('channels.settings')} value={form.settings} onInput={(value) => draft.set('settings', value)} validate={validateJsonObject}
              placeholder={'{\n  "allow_service_tier": false\n}'} hint={t('channels.settings_hint')} />
            <JsonEditor id="channel-param-override" label={t('channels.param_override')} value={form.paramOverride} onInput={(value) => draft.set('paramOverride', value)} validate={validateJsonObject}
              placeholder={'{\n  "temperature": 0.7\n}'} hint={t('channels.param_override_hint')} />
            <JsonEditor id="channel-header-override" label={t('channels.header_override')} value={form.headerOverride} onInput={(value) => draft.set('headerOverride', value)} validate={validateJsonObject}
              placeholder={'{\n  "X-Custom": "value"\n}'} hint={t('channels.header_override_hint')} />
          </div>
        </details>
        <Field label={t('channels.remark')} for="channel-remark" wide>
          <input id="channel-remark" maxLength={255} value={form.remark} onInput={(event) => draft.set('remark', event.currentTarget.value)} />
        </Field>
    </EditForm>
  )
}

function FetchedModelsModal(props: { models: string[]; current: string[]; onClose: () => void; onApply: (selected: string[]) => void }): JSX.Element {
  // Keep what the operator already listed (even if the upstream does not report it), pre-select it.
  const all = [...new Set([...props.current, ...props.models])]
  const [selected, setSelected] = createSignal(new Set(props.current.length ? props.current : props.models))
  const [filter, setFilter] = createSignal('')
  const visible = () => all.filter((name) => name.toLowerCase().includes(filter().toLowerCase()))
  const toggle = (name: string) => {
    const next = new Set(selected())
    if (next.has(name)) next.delete(name)
    else next.add(name)
    setSelected(next)
  }
  return (
    <Modal
      title={t('channels.fetched_models', { count: props.models.length })}
      onClose={props.onClose}
      wide
      footer={<>
        <button type="button" class="button ghost" onClick={() => setSelected(new Set(visible()))}>{t('common.select_all')}</button>
        <button type="button" class="button ghost" onClick={() => setSelected(new Set<string>())}>{t('common.select_none')}</button>
        <button type="button" class="button primary" onClick={() => props.onApply(all.filter((name) => selected().has(name)))}>
          {t('channels.use_models', { count: selected().size })}
        </button>
      </>}
    >
      <input type="search" placeholder={t('common.filter')} value={filter()} onInput={(event) => setFilter(event.currentTarget.value)} />
      <div class="model-picker">
        <For each={visible()}>
          {(name) => (
            <label class="check">
              <input type="checkbox" checked={selected().has(name)} onChange={() => toggle(name)} />
              <span>{name}</span>
              <Show when={!props.models.includes(name)}><span class="muted small"> ({t('channels.not_upstream')})</span></Show>
            </label>
          )}
        </For>
      </div>
    </Modal>
  )
}
