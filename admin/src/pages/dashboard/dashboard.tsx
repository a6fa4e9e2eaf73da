import { query, revalidate } from '@solidjs/router'
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js'
import { LineChart, palette } from '../../components/line-chart.tsx'
import { ErrorBanner, QuotaText, Spinner } from '../../components/ui.tsx'
import { api, errorMessage, toPage, type Page } from '../../lib/api.ts'
import { computeBreakdown, computeSeries, computeTotals, type GroupBy, type Metric } from '../../lib/dashboard-data.ts'
import { formatCompact, formatCount, fromDateInput, toDateInput } from '../../lib/format.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { formatQuota } from '../../lib/quota.ts'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { isAdmin, quotaDisplay, user } from '../../lib/session.ts'
import { readPreference, writePreference } from '../../lib/storage.ts'
import type { Channel, LogStat, QuotaDataRow } from '../../lib/types.ts'

const presets: { days: number; label: MessageKey }[] = [
  { days: 1, label: 'dashboard.range_today' },
  { days: 7, label: 'dashboard.range_7d' },
  { days: 30, label: 'dashboard.range_30d' },
]

/** /api/data/self refuses spans above a month (new-api §5); the form keeps inside it for everyone. */
const maximumSpanSeconds = 31 * 86400

function rangeForDays(days: number): { start: string; end: string } {
  const now = Math.floor(Date.now() / 1000)
  return { start: toDateInput(now - (days - 1) * 86400), end: toDateInput(now) }
}

const getUsage = query(async (parameters: { admin: boolean; start: number; end: number; username: string }): Promise<QuotaDataRow[]> => {
  const window = { start_timestamp: parameters.start, end_timestamp: parameters.end }
  const data = parameters.admin
    ? await api.get<QuotaDataRow[]>('/api/data/', { ...window, username: parameters.username })
    : await api.get<QuotaDataRow[]>('/api/data/self', window)
  return Array.isArray(data) ? data : []
}, 'usage')

// RPM/TPM "now" come from the last minute of logs; the hourly aggregates cannot tell them.
const getLiveStat = query(async (admin: boolean): Promise<LogStat | null> => {
  try {
    return await api.get<LogStat>(admin ? '/api/log/stat' : '/api/log/self/stat', { type: 2 })
  } catch {
    return null
  }
}, 'live-stat')

const getChannelNames = query(async (admin: boolean): Promise<Map<string, string>> => {
  if (!admin) return new Map()
  try {
    const page = toPage(await api.get<Page<Channel>>('/api/channel/', { p: 1, page_size: 100 }))
    return new Map(page.items.map((channel) => [String(channel.id), channel.name]))
  } catch {
    return new Map()
  }
}, 'channel-names')

export function DashboardPage(): JSX.Element {
  const userId = user()?.id
  const [range, setRange] = createSignal(rangeForDays(readPreference(userId, 'dashboard.days', 7)))
  const [groupBy, setGroupBy] = createSignal<GroupBy>(readPreference(userId, 'dashboard.group_by', 'model'))
  const [username, setUsername] = createSignal('')
  const [appliedUsername, setAppliedUsername] = createSignal('')
  const [rangeError, setRangeError] = createSignal<string | null>(null)

  const timeWindow = createMemo(() => {
    const start = fromDateInput(range().start) ?? 0
    const end = fromDateInput(range().end, true) ?? Math.floor(Date.now() / 1000)
    return { start, end }
  })

  const loadedRows = createLoaded(() => getUsage({ admin: isAdmin(), ...timeWindow(), username: appliedUsername() }))
  const rows = () => valueOf(loadedRows())
  const live = createLoaded(() => getLiveStat(isAdmin()))
  const channelNames = createLoaded(() => getChannelNames(isAdmin()))
  const refresh = () => void revalidate([getUsage.key, getLiveStat.key])

  const labelFor = (key: string) => {
    if (groupBy() === 'channel') {
      const name = valueOf(channelNames())?.get(key)
      return key === '(unknown)' ? t('dashboard.unknown') : name ? `#${key} ${name}` : `#${key}`
    }
    return key === '(unknown)' ? t('dashboard.unknown') : key
  }

  const totals = createMemo(() => computeTotals(rows() ?? []))
  const series = createMemo(() => computeSeries(rows() ?? [], { ...timeWindow(), groupBy: groupBy(), otherLabel: t('dashboard.other') }))
  const breakdown = createMemo(() => computeBreakdown(rows() ?? [], groupBy()))
  const minutes = () => Math.max(1, (Math.min(timeWindow().end, Date.now() / 1000) - timeWindow().start) / 60)

  const chartSeries = (metric: Metric) => series().groups.map((group) => ({ label: labelFor(group.key), values: group.values[metric] }))
  const bucketMinutes = () => series().bucketSeconds / 60
  const rpmSeries = () => [{ label: t('dashboard.rpm'), values: series().total.count.map((count) => Number((count / bucketMinutes()).toFixed(3))) }]

  const applyRange = (next: { start: string; end: string }) => {
    const start = fromDateInput(next.start)
    const end = fromDateInput(next.end, true)
    if (start === null || end === null || end < start) return setRangeError(t('dashboard.range_invalid'))
    if (end - start > maximumSpanSeconds) return setRangeError(t('dashboard.range_too_long'))
    setRangeError(null)
    setRange(next)
  }

  const choosePreset = (days: number) => {
    writePreference(userId, 'dashboard.days', days)
    applyRange(rangeForDays(days))
  }

  const chooseGroup = (next: GroupBy) => {
    writePreference(userId, 'dashboard.group_by', next)
    setGroupBy(next)
  }

  const quotaAxis = (value: number) => formatQuota(value, quotaDisplay())

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('nav.dashboard')}</h1>
        <div class="header-actions">
          <button type="button" class="button" onClick={refresh}>{t('common.refresh')}</button>
        </div>
      </header>
      <div class="toolbar">
        <div class="segmented" role="group" aria-label={t('dashboard.range')}>
          <For each={presets}>
            {(preset) => (
              <button type="button" class="button" classList={{ selected: JSON.stringify(range()) === JSON.stringify(rangeForDays(preset.days)) }} onClick={() => choosePreset(preset.days)}>
                {t(preset.label)}
              </button>
            )}
          </For>
        </div>
        <label class="inline-label">
          <span>{t('logs.from')}</span>
          <input type="date" value={range().start} data-testid="range-start" onChange={(event) => applyRange({ ...range(), start: event.currentTarget.value })} />
        </label>
        <label class="inline-label">
          <span>{t('logs.to')}</span>
          <input type="date" value={range().end} data-testid="range-end" onChange={(event) => applyRange({ ...range(), end: event.currentTarget.value })} />
        </label>
        <div class="segmented" role="group" aria-label={t('dashboard.group_by')}>
          <button type="button" class="button" classList={{ selected: groupBy() === 'model' }} onClick={() => chooseGroup('model')}>{t('dashboard.by_model')}</button>
          <Show when={isAdmin()}>
            <button type="button" class="button" classList={{ selected: groupBy() === 'channel' }} onClick={() => chooseGroup('channel')}>{t('dashboard.by_channel')}</button>
          </Show>
        </div>
        <Show when={isAdmin()}>
          <form class="inline-form" onSubmit={(event) => { event.preventDefault(); setAppliedUsername(username().trim()) }}>
            <input placeholder={t('dashboard.all_users')} value={username()} onInput={(event) => setUsername(event.currentTarget.value)} aria-label={t('logs.user')} />
          </form>
        </Show>
      </div>
      <ErrorBanner message={rangeError()} />
      <ErrorBanner message={errorOf(loadedRows())} />
      <div class="cards">
        <div class="card stat" data-testid="stat-quota">
          <div class="stat-label">{t('dashboard.quota_used')}</div>
          <div class="stat-value"><QuotaText quota={totals().quota} /></div>
        </div>
        <div class="card stat" data-testid="stat-requests">
          <div class="stat-label">{t('dashboard.requests')}</div>
          <div class="stat-value" data-value={totals().count}>{formatCount(totals().count)}</div>
        </div>
        <div class="card stat" data-testid="stat-tokens">
          <div class="stat-label">{t('dashboard.tokens')}</div>
          <div class="stat-value" title={formatCount(totals().tokens)}>{formatCompact(totals().tokens)}</div>
        </div>
        <div class="card stat" data-testid="stat-rpm">
          <div class="stat-label">{t('dashboard.rpm_average')}</div>
          <div class="stat-value">{(totals().count / minutes()).toFixed(2)}</div>
          <div class="stat-foot muted">{t('dashboard.rpm_now')}: {valueOf(live())?.rpm ?? 0} · TPM {formatCount(valueOf(live())?.tpm ?? 0)}</div>
        </div>
        <Show when={user()}>
          <div class="card stat">
            <div class="stat-label">{t('dashboard.balance')}</div>
            <div class="stat-value"><QuotaText quota={user()!.quota} /></div>
            <div class="stat-foot muted">{t('users.used_quota')}: <QuotaText quota={user()!.used_quota} /></div>
          </div>
        </Show>
      </div>
      <Show when={loadedRows().status !== 'loading'} fallback={<div class="page-loading"><Spinner /></div>}>
        <Show when={(rows() ?? []).length > 0} fallback={<div class="card empty-state">{t('dashboard.no_usage')}</div>}>
          <div class="charts">
            <LineChart title={t('dashboard.chart_quota')} timestamps={series().timestamps} series={chartSeries('quota')} formatValue={quotaAxis} bars={series().bucketSeconds === 86400} testId="chart-quota" />
            <LineChart title={t('dashboard.chart_requests')} timestamps={series().timestamps} series={chartSeries('count')} bars={series().bucketSeconds === 86400} testId="chart-requests" />
            <LineChart title={t('dashboard.chart_tokens')} timestamps={series().timestamps} series={chartSeries('token_used')} bars={series().bucketSeconds === 86400} testId="chart-tokens" />
            <LineChart title={t('dashboard.chart_rpm')} timestamps={series().timestamps} series={rpmSeries()} testId="chart-rpm" />
          </div>
          <div class="card">
            <h2>{groupBy() === 'model' ? t('dashboard.by_model') : t('dashboard.by_channel')}</h2>
            <div class="table-wrap">
              <table class="table compact" data-testid="breakdown-table">
                <thead>
                  <tr>
                    <th>{groupBy() === 'model' ? t('logs.model') : t('logs.channel')}</th>
                    <th class="number">{t('dashboard.requests')}</th>
                    <th class="number">{t('dashboard.tokens')}</th>
                    <th class="number">{t('dashboard.quota_used')}</th>
                    <th>{t('dashboard.share')}</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={breakdown()}>
                    {(entry, index) => (
                      <tr>
                        <td><span class="swatch" style={{ background: palette[Math.min(index(), 8) % palette.length] }} />{labelFor(entry.key)}</td>
                        <td class="number">{formatCount(entry.count)}</td>
                        <td class="number">{formatCount(entry.tokens)}</td>
                        <td class="number"><QuotaText quota={entry.quota} /></td>
                        <td>
                          <div class="share-bar" title={`${((entry.quota / Math.max(1, totals().quota)) * 100).toFixed(1)}%`}>
                            <div style={{ width: `${(entry.quota / Math.max(1, totals().quota)) * 100}%` }} />
                          </div>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </div>
        </Show>
      </Show>
    </section>
  )
}
