import { useAction } from '@solidjs/router'
import { For, Show, type JSX } from 'solid-js'
import { DataTable } from '../../components/data-table.tsx'
import { createListState, ListPage } from '../../components/list-page.tsx'
import { notifyOutcome } from '../../components/toasts.tsx'
import { ActionButton, Badge } from '../../components/ui.tsx'
import { createLoaded, mapLoaded, valueOf } from '../../lib/async-data.ts'
import { t } from '../../lib/i18n.ts'
import { orderColumns } from '../wallet/wallet.tsx'
import { completeTopUp, getAllTopUps, getReconciliation, type TopUpFilters } from './topup-data.ts'

const emptyFilters: TopUpFilters = { keyword: '', status: '' }

/** Admin: every order, manual completion of a pending or expired one, and the last days' orders against credits. */
export function TopUpListPage(): JSX.Element {
  const list = createListState({ name: 'topups', defaultPageSize: 20, emptyFilters })
  const rows = createLoaded(() => getAllTopUps(list.page(), list.pageSize(), { ...list.filters(), keyword: list.filters().keyword.trim() }))
  const days = createLoaded(() => getReconciliation(14))
  const complete = useAction(completeTopUp)


  return (
    <ListPage
      title={t('nav.topups')}
      list={list}
      total={valueOf(rows())?.total ?? 0}
      toolbar={<>
        <input type="search" placeholder={t('topups.search_placeholder')} value={list.draft.keyword} onInput={(event) => list.setDraft('keyword', event.currentTarget.value)} aria-label={t('common.search')} />
        <select value={list.draft.status} onChange={(event) => list.applyNow('status', event.currentTarget.value)} aria-label={t('common.status')}>
          <option value="">{t('channels.all_statuses')}</option>
          <For each={['pending', 'success', 'expired', 'failed'] as const}>{(status) => <option value={status}>{t(`topups.status_${status}`)}</option>}</For>
        </select>
      </>}
      above={<details class="card" open>
        <summary>{t('topups.reconciliation')}</summary>
        <table class="table compact" data-testid="reconciliation">
          <thead><tr>
            <th>{t('topups.day')}</th><th>{t('topups.orders')}</th><th>{t('topups.status_success')}</th><th>{t('topups.status_pending')}</th>
            <th>{t('topups.status_expired')}</th><th>{t('topups.money')}</th><th>{t('topups.credits')}</th><th>{t('common.status')}</th>
          </tr></thead>
          <tbody>
            <For each={valueOf(days()) ?? []}>{(day) => (
              <tr>
                <td>{new Date(day.day * 1000).toISOString().slice(0, 10)}</td><td>{day.orders}</td><td>{day.succeeded}</td><td>{day.pending}</td>
                <td>{day.expired}</td><td>{day.money.toFixed(2)}</td><td>{day.credits}</td>
                <td>{day.balanced ? <Badge tone="green">{t('topups.balanced')}</Badge> : <Badge tone="red" title={t('topups.unbalanced_hint')}>{t('topups.unbalanced')}</Badge>}</td>
              </tr>
            )}</For>
          </tbody>
        </table>
      </details>}
    >
      <DataTable
        testId="topups-table"
        columns={orderColumns(true)}
        rows={mapLoaded(rows(), (page) => page.items)}
        actions={(order) => <Show when={order.status === 'pending' || order.status === 'expired'}>
          <ActionButton class="button small" action={() => confirm(t('topups.confirm_complete', { trade_no: order.trade_no })) ? notifyOutcome(() => complete(order.trade_no), t('common.done')) : undefined}>{t('topups.complete')}</ActionButton>
        </Show>}
      />
    </ListPage>
  )
}
