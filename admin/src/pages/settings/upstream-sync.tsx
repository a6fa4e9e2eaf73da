import { query } from '@solidjs/router'
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js'
import { notify } from '../../components/toasts.tsx'
import { ActionButton, Badge, ErrorBanner, Field } from '../../components/ui.tsx'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { api, errorMessage } from '../../lib/api.ts'
import { t, type MessageKey } from '../../lib/i18n.ts'
import { changesOf, diffRows, offered, pickKey, withColumn, withPick, type DiffRow, type FetchAnswer, type Pick } from '../../lib/price-sync.ts'

interface SyncChannel { id: number; name: string; base_url: string; status: number; type: number; endpoint: string }

const getSyncChannels = query(() => api.get<SyncChannel[]>('/api/ratio_sync/channels'), 'ratio-sync-channels')

const endpointChoices = ['/api/pricing', '/api/ratio_config']

/**
 * "Upstream sync" under the price settings (new-api's UpstreamRatioSync): choose channels and addresses, fetch their
 * prices, pick values per cell or per source column, apply. Apply writes through the server, which checks every value
 * and writes all maps at once; `onApplied` lets the price table reload what the server now holds.
 */
export function UpstreamSync(props: { onApplied: () => Promise<void> }): JSX.Element {
  const channels = createLoaded(() => getSyncChannels())
  const [chosen, setChosen] = createSignal<Set<number>>(new Set())
  const [endpoints, setEndpoints] = createSignal<Record<number, string>>({})
  const [addresses, setAddresses] = createSignal('')
  const [answer, setAnswer] = createSignal<FetchAnswer | null>(null)
  const [picks, setPicks] = createSignal<Map<string, Pick>>(new Map())
  const [filter, setFilter] = createSignal('')
  const [error, setError] = createSignal<string | null>(null)

  const toggle = (id: number, on: boolean) => {
    const next = new Set(chosen())
    if (on) next.add(id)
    else next.delete(id)
    setChosen(next)
  }
  const endpointOf = (channel: SyncChannel) => endpoints()[channel.id] ?? channel.endpoint

  const upstreams = () => [
    ...(valueOf(channels()) ?? []).filter((channel) => chosen().has(channel.id)).map((channel) => ({ id: channel.id, name: channel.name, base_url: channel.base_url, endpoint: endpointOf(channel) })),
    ...addresses().split('\n').map((line) => line.trim()).filter(Boolean).map((url) => ({ endpoint: url })),
  ]

  const fetchPrices = async () => {
    setError(null)
    const sources = upstreams()
    if (sources.length === 0) return setError(t('price_sync.no_source'))
    try {
      const fetched = await api.post<FetchAnswer>('/api/ratio_sync/fetch', { upstreams: sources, timeout: 10 })
      setAnswer(fetched)
      setPicks(new Map())
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }

  const apply = async () => {
    setError(null)
    const changes = changesOf(picks())
    try {
      const applied = await api.post<{ changed: number; switched_to_ratio: string[] }>('/api/ratio_sync/apply', { changes })
      notify('success', t('price_sync.applied', { count: applied.changed }))
      if (applied.switched_to_ratio.length > 0) notify('info', t('price_sync.switched', { models: applied.switched_to_ratio.join(', ') }))
      await props.onApplied()
      await fetchPrices()
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }

  const sources = createMemo(() => (answer()?.test_results ?? []).filter((result) => result.status === 'success').map((result) => result.name))
  const rows = createMemo(() => (answer() ? diffRows(answer()!) : []))
  const visibleRows = () => rows().filter((row) => row.model.toLowerCase().includes(filter().trim().toLowerCase()))
  const picked = (row: DiffRow) => picks().get(pickKey(row.model, row.field))
  const unpick = (row: DiffRow) => {
    const next = new Map(picks())
    next.delete(pickKey(row.model, row.field))
    setPicks(next)
  }

  return (
    <div class="card form" data-testid="upstream-sync">
      <h2>{t('price_sync.title')}</h2>
      <p class="muted small">{t('price_sync.hint')}</p>
      <ErrorBanner message={errorOf(channels())} />
      <Field label={t('price_sync.channels')}>
        <Show when={(valueOf(channels()) ?? []).length > 0} fallback={<p class="muted small">{t('price_sync.no_channels')}</p>}>
          <div class="sync-sources">
            <For each={valueOf(channels())}>
              {(channel) => (
                <div class="toolbar sync-source" data-channel={channel.id}>
                  <label class="check">
                    <input type="checkbox" checked={chosen().has(channel.id)} onChange={(event) => toggle(channel.id, event.currentTarget.checked)} />
                    {channel.name} <span class="muted small">{channel.base_url}</span>
                  </label>
                  <input
                    class="sync-endpoint"
                    list="sync-endpoints"
                    aria-label={t('price_sync.endpoint')}
                    value={endpointOf(channel)}
                    onInput={(event) => setEndpoints({ ...endpoints(), [channel.id]: event.currentTarget.value })}
                  />
                </div>
              )}
            </For>
            <datalist id="sync-endpoints"><For each={endpointChoices}>{(choice) => <option value={choice} />}</For></datalist>
          </div>
        </Show>
      </Field>
      <Field label={t('price_sync.addresses')} for="sync-addresses" hint={t('price_sync.addresses_hint')}>
        <textarea id="sync-addresses" rows={2} placeholder="https://gateway.example.com/api/pricing" value={addresses()} onInput={(event) => setAddresses(event.currentTarget.value)} />
      </Field>
      <div class="form-actions">
        <ActionButton class="button" action={fetchPrices} data-testid="sync-fetch">{t('price_sync.fetch')}</ActionButton>
      </div>
      <ErrorBanner message={error()} />
      <Show when={answer()}>
        {(current) => (
          <>
            <ul class="sync-results" data-testid="sync-results">
              <For each={current().test_results}>
                {(result) => (
                  <li data-source={result.name}>
                    <Badge tone={result.status === 'success' ? 'green' : 'red'}>{result.name}</Badge>{' '}
                    <Show when={result.status === 'success'} fallback={<span class="sync-error">{result.error}</span>}>
                      <span class="muted small">{t('price_sync.source_ok', { format: t(result.format === 'pricing' ? 'price_sync.format_pricing' : 'price_sync.format_ratio_config'), models: result.models ?? 0 })}</span>
                      <Show when={(result.skipped ?? 0) > 0}><span class="muted small"> · {t('price_sync.source_skipped', { count: result.skipped ?? 0 })}</span></Show>
                    </Show>
                  </li>
                )}
              </For>
            </ul>
            <Show when={rows().length > 0} fallback={<Show when={sources().length > 0}><div class="banner banner-success">{t('price_sync.no_differences')}</div></Show>}>
              <div class="toolbar">
                <input type="search" placeholder={t('price_sync.filter')} value={filter()} onInput={(event) => setFilter(event.currentTarget.value)} />
                <span class="muted small">{t('price_sync.kinds_exclusive')}</span>
              </div>
              <div class="table-wrap">
                <table class="table compact sync-table" data-testid="sync-table">
                  <thead>
                    <tr>
                      <th>{t('price_sync.model')}</th>
                      <th>{t('price_sync.field')}</th>
                      <th class="number">{t('price_sync.local')}</th>
                      <For each={sources()}>
                        {(source) => (
                          <th data-source={source}>
                            <div>{source}</div>
                            <button type="button" class="chip" onClick={() => setPicks(withColumn(picks(), visibleRows(), source))}>{t('price_sync.use_column')}</button>
                          </th>
                        )}
                      </For>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    <For each={visibleRows()}>
                      {(row) => (
                        <tr data-model={row.model} data-field={row.field}>
                          <td>{row.model}</td>
                          <td title={row.field}>{t(`price_sync.field.${row.field}` as MessageKey)}</td>
                          <td class="number">
                            <Show when={row.cell.current !== null} fallback={
                              <span class="muted" title={row.cell.effective !== null ? t('price_sync.billing_uses', { value: row.cell.effective }) : undefined}>
                                {row.cell.effective !== null ? `(${row.cell.effective})` : t('price_sync.not_stored')}
                              </span>
                            }>{row.cell.current}</Show>
                          </td>
                          <For each={sources()}>
                            {(source) => {
                              const value = () => offered(row, source)
                              return (
                                <td data-source={source}>
                                  <Show when={value() !== null} fallback={<span class="muted">{row.cell.upstreams[source] === 'same' ? t('price_sync.same') : '—'}</span>}>
                                    <button
                                      type="button"
                                      class="chip"
                                      classList={{ selected: picked(row)?.source === source }}
                                      aria-pressed={picked(row)?.source === source}
                                      onClick={() => setPicks(withPick(picks(), row, { source, value: value()! }))}
                                    >{value()}</button>
                                    <Show when={row.cell.status[source] === 'missing_locally'}> <Badge tone="blue">{t('price_sync.new')}</Badge></Show>
                                  </Show>
                                </td>
                              )
                            }}
                          </For>
                          <td>
                            <Show when={picked(row)}><button type="button" class="chip" onClick={() => unpick(row)}>{t('price_sync.keep_local')}</button></Show>
                          </td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <div class="form-actions">
                <ActionButton class="button primary" disabled={picks().size === 0} action={apply} data-testid="sync-apply">{t('price_sync.apply', { count: picks().size })}</ActionButton>
              </div>
            </Show>
          </>
        )}
      </Show>
    </div>
  )
}
