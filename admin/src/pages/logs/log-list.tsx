import { revalidate } from '@solidjs/router'
import { createSignal, For, Show, type JSX } from 'solid-js'
import { DataTable, type Column as TableColumn } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { Badge, Modal, QuotaText } from '../../components/ui.tsx'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { formatCount, formatDuration, formatTimestamp } from '../../lib/format.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { describeBilledFor } from '../../lib/media.ts'
import { isAdmin, user } from '../../lib/session.ts'
import { readPreference, writePreference } from '../../lib/storage.ts'
import type { LogEntry } from '../../lib/types.ts'
import { getLogs, getLogStat, type LogFilters } from './log-data.ts'

export const logTypes: { value: number; label: MessageKey; tone: 'green' | 'blue' | 'grey' | 'amber' | 'red' }[] = [
  { value: 1, label: 'logs.type_topup', tone: 'green' },
  { value: 2, label: 'logs.type_consume', tone: 'blue' },
  { value: 3, label: 'logs.type_manage', tone: 'grey' },
  { value: 4, label: 'logs.type_system', tone: 'grey' },
  { value: 5, label: 'logs.type_error', tone: 'red' },
  { value: 6, label: 'logs.type_refund', tone: 'amber' },
  { value: 7, label: 'logs.type_login', tone: 'grey' },
]

interface LogOther {
  model_ratio?: number
  group_ratio?: number
  completion_ratio?: number
  cache_tokens?: number
  cache_ratio?: number
  model_price?: number
  frt?: number
  is_model_mapped?: boolean
  upstream_model_name?: string
  request_path?: string
  error_code?: string
  status_code?: number
  admin_info?: { use_channel?: (number | string)[]; is_multi_key?: boolean; multi_key_index?: number }
  /** What a media or rerank row was billed for beyond tokens: images, size, seconds, characters, search units… */
  billed_for?: Record<string, string | number | boolean>
  [field: string]: unknown
}

export function parseOther(text: string | null | undefined): LogOther {
  if (!text) return {}
  try {
    const value = JSON.parse(text) as unknown
    return typeof value === 'object' && value !== null ? (value as LogOther) : {}
  } catch {
    return {}
  }
}

function typeBadge(type: number): JSX.Element {
  const known = logTypes.find((item) => item.value === type)
  return <Badge tone={known?.tone ?? 'grey'}>{known ? t(known.label) : String(type)}</Badge>
}

type ColumnId = 'time' | 'user' | 'token' | 'type' | 'model' | 'channel' | 'prompt' | 'completion' | 'quota' | 'latency' | 'stream' | 'retry' | 'group' | 'ip'

interface Column {
  id: ColumnId
  label: MessageKey
  adminOnly?: boolean
  numeric?: boolean
  render: (entry: LogEntry, other: LogOther) => JSX.Element
}

const columns: Column[] = [
  { id: 'time', label: 'logs.time', render: (entry) => <span class="nowrap">{formatTimestamp(entry.created_at)}</span> },
  { id: 'user', label: 'logs.user', adminOnly: true, render: (entry) => entry.username },
  { id: 'token', label: 'logs.token', render: (entry) => entry.token_name },
  { id: 'type', label: 'logs.type', render: (entry) => typeBadge(entry.type) },
  {
    id: 'model',
    label: 'logs.model',
    render: (entry, other) => (
      <span>
        {entry.model_name}
        <Show when={other.is_model_mapped && other.upstream_model_name}>
          <span class="muted small" title={t('logs.upstream_model')}> → {other.upstream_model_name}</span>
        </Show>
        <Show when={describeBilledFor(other.billed_for, t, true)}>
          {(hint) => <span class="media-hint muted small" title={`${t('logs.billed_for')}: ${describeBilledFor(other.billed_for, t)}`} data-testid="billed-for-hint">{hint()}</span>}
        </Show>
      </span>
    ),
  },
  { id: 'channel', label: 'logs.channel', adminOnly: true, render: (entry) => (entry.channel ? <span title={entry.channel_name}>#{entry.channel}{entry.channel_name ? ` ${entry.channel_name}` : ''}</span> : '') },
  { id: 'prompt', label: 'logs.prompt_tokens', numeric: true, render: (entry) => formatCount(entry.prompt_tokens) },
  { id: 'completion', label: 'logs.completion_tokens', numeric: true, render: (entry) => formatCount(entry.completion_tokens) },
  { id: 'quota', label: 'logs.quota', numeric: true, render: (entry) => <QuotaText quota={entry.quota} /> },
  {
    id: 'latency',
    label: 'logs.latency',
    numeric: true,
    render: (entry, other) => (
      <span class="nowrap" title={other.frt ? `${t('logs.first_token')}: ${formatDuration(other.frt)}` : undefined}>
        {formatDuration(entry.use_time, 's')}
        <Show when={other.frt}><span class="muted small"> / {formatDuration(other.frt!)}</span></Show>
      </span>
    ),
  },
  { id: 'stream', label: 'logs.stream', render: (entry) => (entry.type === 2 ? (entry.is_stream ? <Badge tone="blue">{t('logs.stream_yes')}</Badge> : <Badge tone="grey">{t('logs.stream_no')}</Badge>) : '') },
  {
    id: 'retry',
    label: 'logs.retry_chain',
    render: (_entry, other) => {
      const chain = other.admin_info?.use_channel ?? []
      return chain.length > 1 ? <span class="retry-chain">{chain.map((channel) => `#${channel}`).join(' → ')}</span> : ''
    },
  },
  { id: 'group', label: 'logs.group', render: (entry) => entry.group },
  { id: 'ip', label: 'logs.ip', render: (entry) => entry.ip ?? '' },
]

const defaultColumns: ColumnId[] = ['time', 'user', 'token', 'type', 'model', 'channel', 'prompt', 'completion', 'quota', 'latency', 'stream', 'retry']

const emptyFilters: LogFilters = { type: '', start: '', end: '', model: '', token: '', channel: '', username: '', group: '', requestId: '' }

export function LogListPage(): JSX.Element {
  const userId = user()?.id
  const list = createListState({ name: 'logs', defaultPageSize: 10, emptyFilters })
  const [visibleColumns, setVisibleColumns] = createSignal<ColumnId[]>(readPreference(userId, 'logs.columns', defaultColumns))
  const [editingColumns, setEditingColumns] = createSignal(false)
  const [detail, setDetail] = createSignal<LogEntry | null>(null)

  const logs = createLoaded(() => getLogs({ admin: isAdmin(), page: list.page(), pageSize: list.pageSize(), filters: list.filters() }))
  const stat = createLoaded(() => getLogStat({ admin: isAdmin(), filters: list.filters() }))

  const toggleColumn = (id: ColumnId) => {
    const shown = visibleColumns()
    const next = shown.includes(id) ? shown.filter((item) => item !== id) : columns.map((column) => column.id).filter((item) => item === id || shown.includes(item))
    setVisibleColumns(next)
    writePreference(userId, 'logs.columns', next)
  }

  // The other field is parsed once per row, not once per cell.
  const parsedOther = new WeakMap<LogEntry, LogOther>()
  const otherOf = (entry: LogEntry) => {
    let other = parsedOther.get(entry)
    if (!other) parsedOther.set(entry, (other = parseOther(entry.other)))
    return other
  }
  const tableColumns = (): TableColumn<LogEntry>[] => columns
    .filter((column) => visibleColumns().includes(column.id) && (!column.adminOnly || isAdmin()))
    .map((column) => ({ id: column.id, header: () => t(column.label), numeric: column.numeric, cell: (entry: LogEntry) => column.render(entry, otherOf(entry)) }))
  const setFilter = (name: keyof LogFilters, value: string) => list.setDraft(name, value)
  const stats = () => valueOf(stat())

  return (
    <ListPage
      title={t('nav.logs')}
      list={list}
      total={valueOf(logs())?.total ?? 0}
      resettable
      actions={<>
        <button type="button" class="button" onClick={() => setEditingColumns(!editingColumns())}>{t('logs.columns')}</button>
        <button type="button" class="button" onClick={() => void revalidate([getLogs.key, getLogStat.key])}>{t('common.refresh')}</button>
      </>}
      toolbar={<>
        <select value={list.draft.type} onChange={(event) => setFilter('type', event.currentTarget.value)} aria-label={t('logs.type')}>
          <option value="">{t('logs.all_types')}</option>
          <For each={logTypes}>{(type) => <option value={type.value}>{t(type.label)}</option>}</For>
        </select>
        <label class="inline-label">
          <span>{t('logs.from')}</span>
          <input type="datetime-local" value={list.draft.start} onInput={(event) => setFilter('start', event.currentTarget.value)} />
        </label>
        <label class="inline-label">
          <span>{t('logs.to')}</span>
          <input type="datetime-local" value={list.draft.end} onInput={(event) => setFilter('end', event.currentTarget.value)} />
        </label>
        <input placeholder={t('logs.model')} value={list.draft.model} onInput={(event) => setFilter('model', event.currentTarget.value)} aria-label={t('logs.model')} />
        <input placeholder={t('logs.token')} value={list.draft.token} onInput={(event) => setFilter('token', event.currentTarget.value)} aria-label={t('logs.token')} />
        <Show when={isAdmin()}>
          <input placeholder={t('logs.channel_id')} inputmode="numeric" value={list.draft.channel} onInput={(event) => setFilter('channel', event.currentTarget.value)} aria-label={t('logs.channel_id')} />
          <input placeholder={t('logs.user')} value={list.draft.username} onInput={(event) => setFilter('username', event.currentTarget.value)} aria-label={t('logs.user')} />
        </Show>
        <input placeholder={t('logs.group')} value={list.draft.group} onInput={(event) => setFilter('group', event.currentTarget.value)} aria-label={t('logs.group')} />
        <input placeholder={t('logs.request_id')} value={list.draft.requestId} onInput={(event) => setFilter('requestId', event.currentTarget.value)} aria-label={t('logs.request_id')} />
      </>}
      above={<>
        <Show when={editingColumns()}>
          <div class="card chips column-picker">
            <For each={columns.filter((column) => !column.adminOnly || isAdmin())}>
              {(column) => (
                <label class="check">
                  <input type="checkbox" checked={visibleColumns().includes(column.id)} onChange={() => toggleColumn(column.id)} />
                  {t(column.label)}
                </label>
              )}
            </For>
          </div>
        </Show>
        <Show when={stats()}>
          {(current) => (
            <div class="stat-strip" data-testid="log-stat">
              <span>{t('logs.stat_quota')}: <QuotaText quota={current().quota} /></span>
              <span>RPM: <strong>{formatCount(current().rpm)}</strong></span>
              <span>TPM: <strong>{formatCount(current().tpm)}</strong></span>
            </div>
          )}
        </Show>
      </>}
      below={<Show when={detail()}>{(entry) => <LogDetail entry={entry()} onClose={() => setDetail(null)} />}</Show>}
    >
      <DataTable
        testId="logs-table"
        class="logs-table"
        rowClass="log-row"
        columns={tableColumns()}
        rows={mapLoaded(logs(), (page) => page.items)}
        onRowClick={setDetail}
        actions={(entry) => <button type="button" class="button small" onClick={() => setDetail(entry)}>{t('logs.detail')}</button>}
      />
    </ListPage>
  )
}

function LogDetail(props: { entry: LogEntry; onClose: () => void }): JSX.Element {
  const other = parseOther(props.entry.other)
  const rows: [MessageKey, JSX.Element][] = [
    ['logs.time', formatTimestamp(props.entry.created_at)],
    ['logs.type', typeBadge(props.entry.type)],
    ['logs.user', `${props.entry.username} (#${props.entry.user_id})`],
    ['logs.token', props.entry.token_name ? `${props.entry.token_name} (#${props.entry.token_id})` : ''],
    ['logs.model', props.entry.model_name],
    ['logs.channel', props.entry.channel ? `#${props.entry.channel} ${props.entry.channel_name ?? ''}` : ''],
    ['logs.group', props.entry.group],
    ['logs.prompt_tokens', formatCount(props.entry.prompt_tokens)],
    ['logs.completion_tokens', formatCount(props.entry.completion_tokens)],
    ['logs.quota', <><QuotaText quota={props.entry.quota} /> <span class="muted small">({formatCount(props.entry.quota)})</span></>],
    ['logs.latency', formatDuration(props.entry.use_time, 's')],
    ['logs.first_token_label', other.frt ? formatDuration(other.frt) : ''],
    ['logs.stream', props.entry.is_stream ? t('logs.stream_yes') : t('logs.stream_no')],
    ['logs.retry_chain', (other.admin_info?.use_channel ?? []).map((channel) => `#${channel}`).join(' → ')],
    ['logs.billed_for', describeBilledFor(other.billed_for, t)],
    ['logs.request_id', props.entry.request_id ?? ''],
    ['logs.upstream_request_id', props.entry.upstream_request_id ?? ''],
    ['logs.ip', props.entry.ip ?? ''],
    ['logs.content', props.entry.content],
  ]
  const ratios = [
    // An image row's price is per image (billed_for.n says how many).
    other.model_price !== undefined && other.model_price >= 0 ? `${t(other.billed_for?.n !== undefined ? 'logs.model_price_image' : 'logs.model_price')}: $${other.model_price}` : null,
    other.model_ratio !== undefined ? `${t('logs.model_ratio')}: ${other.model_ratio}` : null,
    other.completion_ratio !== undefined ? `${t('logs.completion_ratio')}: ${other.completion_ratio}` : null,
    other.group_ratio !== undefined ? `${t('logs.group_ratio')}: ${other.group_ratio}` : null,
    other.cache_tokens ? `${t('logs.cache_tokens')}: ${other.cache_tokens} × ${other.cache_ratio ?? 1}` : null,
  ].filter(Boolean)
  return (
    <Modal title={t('logs.detail_title', { id: props.entry.id })} onClose={props.onClose} wide>
      <dl class="facts" data-testid="log-detail">
        <For each={rows.filter(([, value]) => value !== '' && value !== undefined)}>
          {([label, value]) => <><dt>{t(label)}</dt><dd>{value}</dd></>}
        </For>
        <Show when={ratios.length > 0}>
          <dt>{t('logs.billing')}</dt>
          <dd>{ratios.join(' · ')}</dd>
        </Show>
        <Show when={other.error_code || other.status_code}>
          <dt>{t('logs.error')}</dt>
          <dd>{other.status_code ?? ''} {other.error_code ?? ''}</dd>
        </Show>
      </dl>
      <Show when={props.entry.other}>
        <details>
          <summary>{t('logs.raw_other')}</summary>
          <pre class="code-block">{(() => { try { return JSON.stringify(JSON.parse(props.entry.other), null, 2) } catch { return props.entry.other } })()}</pre>
        </details>
      </Show>
    </Modal>
  )
}
