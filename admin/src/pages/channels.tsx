import { current } from '../lib/resource.ts'
import { createResource, createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../components/toasts.tsx'
import { ActionButton, Badge, EmptyRow, Modal, Pager, QuotaText } from '../components/ui.tsx'
import { api, errorMessage, requestEnvelope, toPage, type Page } from '../lib/api.ts'
import { channelType, channelTypes, isTestable } from '../lib/channel-types.ts'
import { formatDuration, formatTimestamp } from '../lib/format.ts'
import { t } from '../lib/i18n.ts'
import { Link, navigate } from '../lib/router.tsx'
import { user } from '../lib/session.ts'
import { readPreference, writePreference } from '../lib/storage.ts'
import type { Channel } from '../lib/types.ts'

export function channelStatusBadge(status: number): JSX.Element {
  switch (status) {
    case 1: return <Badge tone="green">{t('status.enabled')}</Badge>
    case 2: return <Badge tone="grey">{t('channels.status_manual')}</Badge>
    case 3: return <Badge tone="red">{t('channels.status_auto')}</Badge>
    default: return <Badge tone="grey">{t('channels.status_unknown')}</Badge>
  }
}

/** Response time colour: what an operator scans for when a provider is slow. */
function responseTone(milliseconds: number): 'green' | 'amber' | 'red' | 'grey' {
  if (!milliseconds) return 'grey'
  if (milliseconds < 1500) return 'green'
  if (milliseconds < 5000) return 'amber'
  return 'red'
}

export interface ChannelTestResult {
  success: boolean
  message: string
  seconds: number
}

export async function testChannel(id: number, model?: string): Promise<ChannelTestResult> {
  try {
    const envelope = await requestEnvelope<unknown>('GET', `/api/channel/test/${id}`, { query: { model } })
    return { success: true, message: envelope.message, seconds: Number(envelope.time ?? 0) }
  } catch (error) {
    return { success: false, message: errorMessage(error), seconds: 0 }
  }
}

type SortField = 'priority' | 'id' | 'name' | 'balance' | 'response_time' | 'test_time'

interface Filters {
  keyword: string
  model: string
  type: string
  status: string
  group: string
  tag: string
}

const emptyFilters: Filters = { keyword: '', model: '', type: '', status: '', group: '', tag: '' }

export function ChannelsPage(): JSX.Element {
  const userId = user()?.id
  const [page, setPage] = createSignal(1)
  const [pageSize, setPageSizeSignal] = createSignal(readPreference(userId, 'channels.page_size', 20))
  const [sortBy, setSortBy] = createSignal<SortField>(readPreference(userId, 'channels.sort_by', 'priority'))
  const [sortOrder, setSortOrder] = createSignal<'asc' | 'desc'>(readPreference(userId, 'channels.sort_order', 'desc'))
  const [draftFilters, setDraftFilters] = createSignal<Filters>({ ...emptyFilters })
  const [filters, setFilters] = createSignal<Filters>({ ...emptyFilters })
  const [testResults, setTestResults] = createSignal<Record<number, ChannelTestResult>>({})
  const [multiKeyChannel, setMultiKeyChannel] = createSignal<Channel | null>(null)

  const [channels, { refetch, mutate }] = createResource(
    () => ({ page: page(), pageSize: pageSize(), sortBy: sortBy(), sortOrder: sortOrder(), filters: filters() }),
    async (parameters): Promise<Page<Channel>> => {
      const { filters: active } = parameters
      const common = {
        p: parameters.page,
        page_size: parameters.pageSize,
        sort_by: parameters.sortBy,
        sort_order: parameters.sortOrder,
        id_sort: parameters.sortBy === 'id' ? true : undefined,
        type: active.type,
        status: active.status,
        group: active.group,
        tag: active.tag,
      }
      // Keyword and model matching live on the search route (new-api §4); the plain list pages faster.
      const data = active.keyword || active.model
        ? await api.get<Page<Channel>>('/api/channel/search', { ...common, keyword: active.keyword, model: active.model })
        : await api.get<Page<Channel>>('/api/channel/', common)
      const result = toPage(data, parameters.page, parameters.pageSize)
      // The tag filter is not a documented list parameter on every server; narrow here as well.
      if (active.tag) result.items = result.items.filter((channel) => (channel.tag ?? '') === active.tag)
      return result
    },
  )

  const setPageSize = (size: number) => {
    writePreference(userId, 'channels.page_size', size)
    setPageSizeSignal(size)
    setPage(1)
  }

  const sortOn = (field: SortField) => {
    if (sortBy() === field) setSortOrder(sortOrder() === 'asc' ? 'desc' : 'asc')
    else {
      setSortBy(field)
      setSortOrder(field === 'name' ? 'asc' : 'desc')
    }
    writePreference(userId, 'channels.sort_by', sortBy())
    writePreference(userId, 'channels.sort_order', sortOrder())
    setPage(1)
  }

  const sortMark = (field: SortField) => (sortBy() === field ? (sortOrder() === 'asc' ? ' ▲' : ' ▼') : '')

  const replaceChannel = (next: Channel) => {
    const page = current(channels)
    if (page) mutate({ ...page, items: page.items.map((item) => (item.id === next.id ? next : item)) })
  }

  const runTest = async (channel: Channel) => {
    const result = await testChannel(channel.id)
    setTestResults({ ...testResults(), [channel.id]: result })
    if (result.success) {
      notify('success', t('channels.test_ok', { name: channel.name, time: formatDuration(result.seconds, 's') }))
      replaceChannel({ ...channel, response_time: Math.round(result.seconds * 1000), test_time: Math.floor(Date.now() / 1000) })
    } else notify('error', `${channel.name}: ${result.message}`)
  }

  const testAll = async () => {
    try {
      await api.get('/api/channel/test')
      notify('info', t('channels.test_all_started'))
      // Test-all runs in the background on the server; pick up its figures as they land.
      for (const delay of [2000, 6000, 15000]) setTimeout(() => void refetch(), delay)
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const toggle = async (channel: Channel) => {
    const status = channel.status === 1 ? 2 : 1
    try {
      await api.post(`/api/channel/${channel.id}/status`, { status })
      replaceChannel({ ...channel, status })
      notify('success', status === 1 ? t('common.enabled_done') : t('common.disabled_done'))
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const updateBalance = async (channel: Channel) => {
    try {
      const envelope = await requestEnvelope<unknown>('GET', `/api/channel/update_balance/${channel.id}`)
      const balance = Number(envelope.balance ?? (envelope.data as { balance?: number } | undefined)?.balance ?? 0)
      replaceChannel({ ...channel, balance, balance_updated_time: Math.floor(Date.now() / 1000) })
      notify('success', t('channels.balance_updated', { name: channel.name, balance: `$${balance.toFixed(2)}` }))
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const remove = async (channel: Channel) => {
    if (!confirm(t('channels.confirm_delete', { name: channel.name }))) return
    try {
      await api.delete(`/api/channel/${channel.id}`)
      notify('success', t('common.deleted'))
      void refetch()
    } catch (error) {
      notify('error', errorMessage(error))
    }
  }

  const typeCounts = () => current(channels)?.type_counts ?? {}

  const applyFilters = (event: SubmitEvent) => {
    event.preventDefault()
    setPage(1)
    setFilters({ ...draftFilters() })
  }

  const setFilter = (name: keyof Filters, value: string) => setDraftFilters({ ...draftFilters(), [name]: value })

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.channels')}</h1>
        <div class="header-actions">
          <ActionButton class="button" action={testAll}>{t('channels.test_all')}</ActionButton>
          <Link href="/channels/new" class="button primary">{t('channels.create')}</Link>
        </div>
      </header>
      <form class="toolbar filters" onSubmit={applyFilters}>
        <input type="search" placeholder={t('channels.search_placeholder')} value={draftFilters().keyword} onInput={(event) => setFilter('keyword', event.currentTarget.value)} aria-label={t('common.search')} />
        <input placeholder={t('channels.model')} value={draftFilters().model} onInput={(event) => setFilter('model', event.currentTarget.value)} aria-label={t('channels.model')} />
        <select value={draftFilters().type} onChange={(event) => { setFilter('type', event.currentTarget.value); setPage(1); setFilters({ ...draftFilters() }) }} aria-label={t('channels.type')}>
          <option value="">{t('channels.all_types')}</option>
          <For each={channelTypes}>
            {(type) => <option value={type.id}>{type.name}{typeCounts()[type.id] ? ` (${typeCounts()[type.id]})` : ''}</option>}
          </For>
        </select>
        <select value={draftFilters().status} onChange={(event) => { setFilter('status', event.currentTarget.value); setPage(1); setFilters({ ...draftFilters() }) }} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <option value="enabled">{t('status.enabled')}</option>
          <option value="disabled">{t('status.disabled')}</option>
        </select>
        <input placeholder={t('channels.group')} value={draftFilters().group} onInput={(event) => setFilter('group', event.currentTarget.value)} aria-label={t('channels.group')} />
        <input placeholder={t('channels.tag')} value={draftFilters().tag} onInput={(event) => setFilter('tag', event.currentTarget.value)} aria-label={t('channels.tag')} />
        <button type="submit" class="button">{t('common.search')}</button>
        <button type="button" class="button ghost" onClick={() => { setDraftFilters({ ...emptyFilters }); setFilters({ ...emptyFilters }); setPage(1) }}>{t('common.reset')}</button>
      </form>
      <div class="table-wrap">
        <table class="table" data-testid="channels-table">
          <thead>
            <tr>
              <th><button type="button" class="sort" onClick={() => sortOn('id')}>ID{sortMark('id')}</button></th>
              <th><button type="button" class="sort" onClick={() => sortOn('name')}>{t('channels.name')}{sortMark('name')}</button></th>
              <th>{t('channels.type')}</th>
              <th>{t('common.status')}</th>
              <th>{t('channels.group')}</th>
              <th><button type="button" class="sort" onClick={() => sortOn('priority')}>{t('channels.priority')}{sortMark('priority')}</button></th>
              <th><button type="button" class="sort" onClick={() => sortOn('response_time')}>{t('channels.response_time')}{sortMark('response_time')}</button></th>
              <th><button type="button" class="sort" onClick={() => sortOn('balance')}>{t('channels.balance')}{sortMark('balance')}</button></th>
              <th class="number">{t('channels.used_quota')}</th>
              <th>{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            <For each={current(channels)?.items} fallback={<EmptyRow columns={10} loading={channels.loading} error={channels.error ? errorMessage(channels.error) : null} />}>
              {(channel) => (
                <tr>
                  <td data-label="ID">{channel.id}</td>
                  <td data-label={t('channels.name')}>
                    <div class="cell-stack">
                    <strong>{channel.name}</strong>
                    <Show when={channel.tag}><span class="tag">{channel.tag}</span></Show>
                    <Show when={channel.channel_info?.is_multi_key}>
                      <button type="button" class="tag tag-button" onClick={() => setMultiKeyChannel(channel)} title={t('channels.multi_key_view')}>
                        {t('channels.multi_key_count', { count: channel.channel_info?.multi_key_size ?? 0 })}
                      </button>
                    </Show>
                    <Show when={channel.remark}><div class="muted small">{channel.remark}</div></Show>
                    <div class="muted small models-preview" title={channel.models}>{channel.models}</div>
                    </div>
                  </td>
                  <td data-label={t('channels.type')}>{channelType(channel.type).name}</td>
                  <td data-label={t('common.status')}>{channelStatusBadge(channel.status)}</td>
                  <td data-label={t('channels.group')}>{channel.group}</td>
                  <td data-label={t('channels.priority')}>{channel.priority ?? 0} / {channel.weight ?? 0}</td>
                  <td data-label={t('channels.response_time')}>
                    <span title={channel.test_time ? formatTimestamp(channel.test_time) : t('channels.never_tested')}>
                      <Badge tone={responseTone(channel.response_time)}>{channel.response_time ? formatDuration(channel.response_time) : t('channels.not_tested')}</Badge>
                    </span>
                    <Show when={testResults()[channel.id] && !testResults()[channel.id]!.success}>
                      <div class="error-text small" title={testResults()[channel.id]!.message}>{t('channels.test_failed')}</div>
                    </Show>
                  </td>
                  <td data-label={t('channels.balance')}>
                    <Show when={channelType(channel.type).hasBalance && !channel.channel_info?.is_multi_key} fallback={<span class="muted">—</span>}>
                      <button type="button" class="link-button nowrap-button" title={channel.balance_updated_time ? formatTimestamp(channel.balance_updated_time) : t('channels.balance_refresh')} onClick={() => void updateBalance(channel)}>
                        ${(channel.balance ?? 0).toFixed(2)} ↻
                      </button>
                    </Show>
                  </td>
                  <td data-label={t('channels.used_quota')} class="number"><QuotaText quota={channel.used_quota} /></td>
                  <td class="actions">
                    <Show when={isTestable(channel.type)}>
                      <ActionButton class="button small" action={() => runTest(channel)} data-testid={`test-channel-${channel.id}`}>{t('channels.test')}</ActionButton>
                    </Show>
                    <ActionButton class="button small" action={() => toggle(channel)}>{channel.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
                    <button type="button" class="button small" onClick={() => navigate(`/channels/${channel.id}`)}>{t('common.edit')}</button>
                    <ActionButton class="button small danger" action={() => remove(channel)}>{t('common.delete')}</ActionButton>
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
      <Pager page={page()} pageSize={pageSize()} total={current(channels)?.total ?? 0} onPage={setPage} onPageSize={setPageSize} />
      <Show when={multiKeyChannel()}>
        <MultiKeyModal channel={multiKeyChannel()!} onClose={() => setMultiKeyChannel(null)} />
      </Show>
    </section>
  )
}

export function MultiKeyModal(props: { channel: Channel; onClose: () => void }): JSX.Element {
  const info = () => props.channel.channel_info ?? {}
  const keyStatus = (index: number) => info().multi_key_status_list?.[String(index)] ?? 1
  return (
    <Modal title={t('channels.multi_key_title', { name: props.channel.name })} onClose={props.onClose}>
      <dl class="facts">
        <dt>{t('channels.multi_key_mode')}</dt>
        <dd>{info().multi_key_mode === 'polling' ? t('channels.mode_polling') : t('channels.mode_random')}</dd>
        <dt>{t('channels.multi_key_size')}</dt>
        <dd>{info().multi_key_size ?? 0}</dd>
        <Show when={info().multi_key_mode === 'polling'}>
          <dt>{t('channels.multi_key_next')}</dt>
          <dd>#{(info().multi_key_polling_index ?? 0) + 1}</dd>
        </Show>
      </dl>
      <table class="table compact">
        <thead><tr><th>#</th><th>{t('common.status')}</th></tr></thead>
        <tbody>
          <For each={Array.from({ length: info().multi_key_size ?? 0 }, (_, index) => index)}>
            {(index) => (
              <tr>
                <td>{t('channels.key_number', { number: index + 1 })}</td>
                <td>{channelStatusBadge(keyStatus(index))}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <p class="muted small">{t('channels.multi_key_secret_note')}</p>
    </Modal>
  )
}
