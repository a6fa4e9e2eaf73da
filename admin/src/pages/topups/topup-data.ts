/** What the admin's top-up pages read and change. */
import { action, query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'
import type { Option } from '../../lib/types.ts'
import type { TopUpOrder } from '../wallet/wallet-data.ts'

export interface TopUpFilters { keyword: string; status: string }

export interface ReconciliationDay {
  day: number
  orders: number
  pending: number
  succeeded: number
  expired: number
  failed: number
  money: number
  amount: number
  expected_quota: number
  credits: number
  credited_quota: number
  balanced: boolean
}

export const getAllTopUps = query(async (page: number, pageSize: number, filters: TopUpFilters): Promise<Page<TopUpOrder>> =>
  toPage(await api.get<Page<TopUpOrder>>('/api/user/topup', { p: page, page_size: pageSize, keyword: filters.keyword, status: filters.status }), page, pageSize), 'all-topups')

export const getReconciliation = query((days: number) => api.get<ReconciliationDay[]>('/api/user/topup/reconciliation', { days }), 'topup-reconciliation')

export const completeTopUp = action(async (tradeNo: string) => {
  await api.post('/api/user/topup/complete', { trade_no: tradeNo })
}, 'topup-complete')

export const getPaymentOptions = query(async () => {
  const rows = await api.get<Option[]>('/api/option/')
  return Object.fromEntries(rows.map((row) => [row.key, row.value])) as Record<string, string>
}, 'payment-options')

/** Saves the changed options one by one (the options API takes one key a call), stopping at the first refusal. */
export const savePaymentOptions = action(async (changes: [string, string][]) => {
  for (const [key, value] of changes) await api.put('/api/option/', { key, value })
}, 'payment-options-save')
