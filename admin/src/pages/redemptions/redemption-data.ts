/** What the redemption-code page reads and changes. */
import { action, query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'

export interface Redemption {
  id: number
  user_id: number
  key: string
  status: 1 | 2 | 3
  name: string
  quota: number
  created_time: number
  redeemed_time: number
  used_user_id: number
  expired_time: number
}

export interface RedemptionFilters { keyword: string; status: string }

export const getRedemptions = query(async (page: number, pageSize: number, filters: RedemptionFilters): Promise<Page<Redemption>> => {
  const data = filters.keyword || filters.status
    ? await api.get<Page<Redemption>>('/api/redemption/search', { keyword: filters.keyword, status: filters.status, p: page, page_size: pageSize })
    : await api.get<Page<Redemption>>('/api/redemption/', { p: page, page_size: pageSize })
  return toPage(data, page, pageSize)
}, 'redemptions')

export const createRedemptions = action((batch: { name: string; count: number; quota: number; expired_time: number }) =>
  api.post<string[]>('/api/redemption/', batch), 'redemptions-create')

export const setRedemptionStatus = action(async (id: number, status: 1 | 2) => {
  await api.put('/api/redemption/', { id, status }, { status_only: true })
}, 'redemption-status')

export const deleteRedemption = action(async (id: number) => {
  await api.delete(`/api/redemption/${id}`)
}, 'redemption-delete')

export const deleteInvalidRedemptions = action(() => api.delete<number>('/api/redemption/invalid'), 'redemptions-delete-invalid')

/** The batch as CSV (name, key, quota), for the operator to hand out. */
export function redemptionCsv(name: string, quota: number, keys: string[]): string {
  const cell = (value: string | number) => `"${String(value).replaceAll('"', '""')}"`
  return ['name,key,quota', ...keys.map((key) => [cell(name), cell(key), cell(quota)].join(','))].join('\n') + '\n'
}
