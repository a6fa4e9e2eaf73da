import { A, revalidate, useAction, useNavigate } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { DataTable, type Column } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notify, notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge, QuotaText } from '../../components/ui.tsx'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { findChannelType } from '../../lib/channel-types.ts'
import { formatDuration, formatTimestamp } from '../../lib/format.ts'
import { t } from '../../lib/i18n.ts'
import { user } from '../../lib/session.ts'
import { readPreference, writePreference } from '../../lib/storage.ts'
import type { Channel } from '../../lib/types.ts'
import {
  deleteChannel, getChannels, getChannelTypes, setChannelStatus, testAllChannels, testChannel, updateAllBalances, updateChannelBalance,
  type ChannelFilters, type ChannelSortField, type ChannelTestResult,
} from './channel-data.ts'
import { ChannelEvents } from './channel-events.tsx'
import { TagActions } from './tag-actions.tsx'
import { channelStatusBadge, MultiKeyModal } from './multi-key-modal.tsx'
import { OllamaModelsModal } from './ollama-models-modal.tsx'

/** Response time colour: what an operator scans for when a provider is slow. */
function responseTone(milliseconds: number): 'green' | 'amber' | 'red' | 'grey' {
  if (!milliseconds) return 'grey'
  if (milliseconds < 1500) return 'green'
  if (milliseconds < 5000) return 'amber'
  return 'red'
}

const emptyFilters: ChannelFilters = { keyword: '', model: '', type: '', status: '', group: '', tag: '' }

export function ChannelListPage(): JSX.Element {
  const navigate = useNavigate()
  const userId = user()?.id
  const list = createListState({ name: 'channels', defaultPageSize: 20, emptyFilters })
  const [sortBy, setSortBy] = createSignal<ChannelSortField>(readPreference(userId, 'channels.sort_by', 'priority'))
  const [sortOrder, setSortOrder] = createSignal<'asc' | 'desc'>(readPreference(userId, 'channels.sort_order', 'desc'))
  const [testResults, setTestResults] = createSignal<Record<number, ChannelTestResult>>({})
  const [multiKeyChannel, setMultiKeyChannel] = createSignal<Channel | null>(null)
  const [ollamaChannel, setOllamaChannel] = createSignal<Channel | null>(null)

  const channels = createLoaded(() => getChannels({ page: list.page(), pageSize: list.pageSize(), sortBy: sortBy(), sortOrder: sortOrder(), filters: list.filters() }))
  const types = createLoaded(() => getChannelTypes())
  const typeOf = (type: number) => findChannelType(valueOf(types()), type)
  const page = () => valueOf(channels())
  const rows = () => mapLoaded(channels(), (page) => page.items)

  const runTest = useAction(testChannel)
  const runTestAll = useAction(testAllChannels)
  const changeStatus = useAction(setChannelStatus)
  const refreshBalance = useAction(updateChannelBalance)
  const refreshAllBalances = useAction(updateAllBalances)
  const balanceAll = () => notifyOutcome(async () => {
    const result = await refreshAllBalances()
    notify(result.failed ? 'error' : 'success', result.failed ? result.message : t('channels.balance_all_done', { updated: result.updated, failed: result.failed }))
  })
  const remove = useAction(deleteChannel)

  const sortOn = (field: string) => {
    const next = field as ChannelSortField
    if (sortBy() === next) setSortOrder(sortOrder() === 'asc' ? 'desc' : 'asc')
    else {
      setSortBy(next)
      setSortOrder(next === 'name' ? 'asc' : 'desc')
    }
    writePreference(userId, 'channels.sort_by', sortBy())
    writePreference(userId, 'channels.sort_order', sortOrder())
    list.setPage(1)
  }

  const test = async (channel: Channel) => {
    const result = await runTest(channel.id)
    setTestResults({ ...testResults(), [channel.id]: result })
    if (result.success) notify('success', t('channels.test_ok', { name: channel.name, time: formatDuration(result.seconds, 's') }))
    else notify('error', `${channel.name}: ${result.message}`)
  }

  const testAll = () => notifyOutcome(async () => {
    await runTestAll()
    notify('info', t('channels.test_all_started'))
    // The answer only says the run started; look again as the server records results.
    for (const delay of [2000, 6000, 15000]) setTimeout(() => void revalidate(getChannels.key), delay)
  })

  const toggle = (channel: Channel) => {
    const status = channel.status === 1 ? 2 : 1
    return notifyOutcome(() => changeStatus(channel.id, status), status === 1 ? t('common.enabled_done') : t('common.disabled_done'))
  }

  const balance = (channel: Channel) => notifyOutcome(async () => {
    const value = await refreshBalance(channel.id)
    notify('success', t('channels.balance_updated', { name: channel.name, balance: `$${value.toFixed(2)}` }))
  })

  const confirmRemove = (channel: Channel) => {
    if (!confirm(t('channels.confirm_delete', { name: channel.name }))) return
    return notifyOutcome(() => remove(channel.id), t('common.deleted'))
  }

  const columns: Column<Channel>[] = [
    { id: 'id', header: () => 'ID', sortable: true, cell: (channel) => channel.id },
    {
      id: 'name',
      header: () => t('channels.name'),
      sortable: true,
      class: 'channel-name',
      cell: (channel) => (
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
      ),
    },
    {
      id: 'type',
      header: () => t('channels.type'),
      cell: (channel) => (
        <span>
          {typeOf(channel.type).label}
          <Show when={types().status === 'ready' && !typeOf(channel.type).supported}>
            <div class="muted small" title={t('channels.type_unsupported_hint')}>{t('channels.type_unsupported')}</div>
          </Show>
        </span>
      ),
    },
    { id: 'status', header: () => t('common.status'), cell: (channel) => channelStatusBadge(channel.status) },
    { id: 'group', header: () => t('channels.group'), class: 'channel-groups', cell: (channel) => channel.group.split(',').join(', ') },
    { id: 'priority', header: () => t('channels.priority'), sortable: true, class: 'nowrap', cell: (channel) => `${channel.priority ?? 0} / ${channel.weight ?? 0}` },
    {
      id: 'response_time',
      header: () => t('channels.response_time'),
      sortable: true,
      cell: (channel) => {
        // A test run from this page shows at once; the revalidated list brings the same figure a moment later.
        const milliseconds = () => {
          const result = testResults()[channel.id]
          return result?.success ? Math.round(result.seconds * 1000) : channel.response_time
        }
        return <>
          <span title={channel.test_time ? formatTimestamp(channel.test_time) : t('channels.never_tested')}>
            <Badge tone={responseTone(milliseconds())}>{milliseconds() ? formatDuration(milliseconds()) : t('channels.not_tested')}</Badge>
          </span>
          <Show when={testResults()[channel.id] && !testResults()[channel.id]!.success}>
            <div class="error-text small" title={testResults()[channel.id]!.message}>{t('channels.test_failed')}</div>
          </Show>
        </>
      },
    },
    {
      id: 'balance',
      header: () => t('channels.balance'),
      sortable: true,
      cell: (channel) => (
        <Show when={typeOf(channel.type).has_balance && !channel.channel_info?.is_multi_key} fallback={<span class="muted">—</span>}>
          <button type="button" class="link-button nowrap-button" title={channel.balance_updated_time ? formatTimestamp(channel.balance_updated_time) : t('channels.balance_refresh')} onClick={() => void balance(channel)}>
            ${(channel.balance ?? 0).toFixed(2)} ↻
          </button>
        </Show>
      ),
    },
    { id: 'used_quota', header: () => t('channels.used_quota'), numeric: true, cell: (channel) => <QuotaText quota={channel.used_quota} /> },
  ]

  return (
    <ListPage
      title={t('nav.channels')}
      list={list}
      total={page()?.total ?? 0}
      resettable
      actions={<>
        <ActionButton class="button" action={testAll}>{t('channels.test_all')}</ActionButton>
        <ActionButton class="button" action={balanceAll}>{t('channels.balance_all')}</ActionButton>
        <A href="/channels/new" class="button primary">{t('channels.create')}</A>
      </>}
      toolbar={<>
        <input type="search" placeholder={t('channels.search_placeholder')} value={list.draft.keyword} onInput={(event) => list.setDraft('keyword', event.currentTarget.value)} aria-label={t('common.search')} />
        <input placeholder={t('channels.model')} value={list.draft.model} onInput={(event) => list.setDraft('model', event.currentTarget.value)} aria-label={t('channels.model')} />
        <select value={list.draft.type} onChange={(event) => list.applyNow('type', event.currentTarget.value)} aria-label={t('channels.type')}>
          <option value="">{t('channels.all_types')}</option>
          <For each={valueOf(types()) ?? []}>
            {(type) => {
              const count = () => page()?.type_counts?.[type.type]
              // Types without an adaptor are listed only when channels of them exist, to find those channels.
              return <Show when={type.supported || count()}><option value={type.type}>{type.label}{count() ? ` (${count()})` : ''}</option></Show>
            }}
          </For>
        </select>
        <select value={list.draft.status} onChange={(event) => list.applyNow('status', event.currentTarget.value)} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <option value="enabled">{t('status.enabled')}</option>
          <option value="disabled">{t('status.disabled')}</option>
        </select>
        <input placeholder={t('channels.group')} value={list.draft.group} onInput={(event) => list.setDraft('group', event.currentTarget.value)} aria-label={t('channels.group')} />
        <input placeholder={t('channels.tag')} value={list.draft.tag} onInput={(event) => list.setDraft('tag', event.currentTarget.value)} aria-label={t('channels.tag')} />
      </>}
      above={<>
        <ChannelEvents />
        <Show when={list.filters().tag}>{(tag) => <TagActions tag={tag()} />}</Show>
      </>}
      below={<>
        <Show when={multiKeyChannel()}>{(channel) => <MultiKeyModal channel={channel()} onClose={() => setMultiKeyChannel(null)} />}</Show>
        <Show when={ollamaChannel()}>{(channel) => <OllamaModelsModal channel={channel()} onClose={() => setOllamaChannel(null)} />}</Show>
      </>}
    >
      <DataTable
        testId="channels-table"
        columns={columns}
        rows={rows()}
        sort={{ by: sortBy(), order: sortOrder(), onSort: sortOn }}
        actions={(channel) => <>
          <Show when={typeOf(channel.type).testable}>
            <ActionButton class="button small" action={() => test(channel)} data-testid={`test-channel-${channel.id}`}>{t('channels.test')}</ActionButton>
          </Show>
          <Show when={channel.type === 4}>
            <button type="button" class="button small" onClick={() => setOllamaChannel(channel)} data-testid={`ollama-models-${channel.id}`}>{t('channels.ollama_models')}</button>
          </Show>
          <ActionButton class="button small" action={() => toggle(channel)}>{channel.status === 1 ? t('common.disable') : t('common.enable')}</ActionButton>
          <button type="button" class="button small" onClick={() => navigate(`/channels/${channel.id}`)}>{t('common.edit')}</button>
          <ActionButton class="button small danger" action={() => confirmRemove(channel)}>{t('common.delete')}</ActionButton>
        </>}
      />
    </ListPage>
  )
}
