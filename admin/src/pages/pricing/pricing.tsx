import { query } from '@solidjs/router'
import { createMemo, createSignal, For, Show, type JSX } from 'solid-js'
import { Badge, ErrorBanner, Spinner } from '../../components/ui.tsx'
import { requestEnvelope } from '../../lib/api.ts'
import { createLoaded, errorOf, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'
import { formatUsdPrice, ratioToPricePerMillion } from '../../lib/quota.ts'
import { isAdmin, quotaDisplay } from '../../lib/session.ts'
import { UnpricedModels } from './unpriced-models.tsx'
import type { PricingItem } from '../../lib/types.ts'

interface PricingData {
  items: PricingItem[]
  groupRatio: Record<string, number>
}

const getPricing = query(async (): Promise<PricingData> => {
  const envelope = await requestEnvelope<PricingItem[]>('GET', '/api/pricing')
  return { items: envelope.data ?? [], groupRatio: (envelope.group_ratio as Record<string, number> | undefined) ?? {} }
}, 'pricing')

/** Public price list (new-api §7 `/api/pricing`): no sign-in needed. */
export function PricingPage(): JSX.Element {
  const [filter, setFilter] = createSignal('')
  const [group, setGroup] = createSignal('')
  const loaded = createLoaded(() => getPricing())
  const groups = () => Object.keys(valueOf(loaded())?.groupRatio ?? {}).sort()
  const selectedGroup = () => group() || (groups().includes('default') ? 'default' : groups()[0] ?? '')
  const ratio = () => valueOf(loaded())?.groupRatio[selectedGroup()] ?? 1
  const rows = createMemo(() =>
    (valueOf(loaded())?.items ?? [])
      .filter((item) => item.model_name.toLowerCase().includes(filter().toLowerCase()))
      .filter((item) => !selectedGroup() || !item.enable_groups?.length || item.enable_groups.includes(selectedGroup()))
      .sort((left, right) => left.model_name.localeCompare(right.model_name)),
  )

  return (
    <section class="page">
      <header class="page-header">
        <h1>{t('pricing.title')}</h1>
      </header>
      <p class="muted">{t('pricing.subtitle')}</p>
      <Show when={isAdmin()}><UnpricedModels /></Show>
      <div class="toolbar">
        <input type="search" placeholder={t('pricing.search')} value={filter()} onInput={(event) => setFilter(event.currentTarget.value)} aria-label={t('common.search')} />
        <Show when={groups().length > 1}>
          <label class="inline-label">
            <span>{t('pricing.group')}</span>
            <select value={selectedGroup()} onChange={(event) => setGroup(event.currentTarget.value)}>
              <For each={groups()}>{(name) => <option value={name}>{name} (×{valueOf(loaded())!.groupRatio[name]})</option>}</For>
            </select>
          </label>
        </Show>
      </div>
      <Show when={loaded().status !== 'loading'} fallback={<Spinner />}>
        <ErrorBanner message={errorOf(loaded())} />
        <div class="table-wrap">
          <table class="table" data-testid="pricing-table">
            <thead>
              <tr>
                <th>{t('pricing.model')}</th>
                <th>{t('pricing.billing')}</th>
                <th class="number">{t('pricing.input_price')}</th>
                <th class="number">{t('pricing.output_price')}</th>
                <th class="number">{t('pricing.cached_price')}</th>
                <th class="number">{t('pricing.call_price')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows()} fallback={<tr class="empty-row"><td colSpan={6}>{t('common.no_data')}</td></tr>}>
                {(item) => (
                  <tr>
                    <td data-label={t('pricing.model')}>
                      <strong>{item.model_name}</strong>
                      <Show when={item.owner_by}><span class="muted small"> · {item.owner_by}</span></Show>
                    </td>
                    <td data-label={t('pricing.billing')}>{item.priced === false ? <Badge tone="red">{t('pricing.not_priced')}</Badge> : item.quota_type === 1 ? <Badge tone="amber">{t('pricing.per_call')}</Badge> : <Badge tone="blue">{t('pricing.per_token')}</Badge>}</td>
                    <td data-label={t('pricing.input_price')} class="number">{item.quota_type === 1 || item.priced === false ? '—' : ratioToPricePerMillion(item.model_ratio * ratio(), quotaDisplay())}</td>
                    <td data-label={t('pricing.output_price')} class="number">{item.quota_type === 1 || item.priced === false ? '—' : ratioToPricePerMillion(item.model_ratio * item.completion_ratio * ratio(), quotaDisplay())}</td>
                    <td data-label={t('pricing.cached_price')} class="number">{item.quota_type === 1 || item.cache_ratio === undefined ? '—' : ratioToPricePerMillion(item.model_ratio * item.cache_ratio * ratio(), quotaDisplay())}</td>
                    <td data-label={t('pricing.call_price')} class="number">{item.quota_type === 1 ? formatUsdPrice(item.model_price * ratio(), quotaDisplay()) : '—'}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
        <p class="muted small">{t('pricing.footnote')}</p>
      </Show>
    </section>
  )
}
