import type { ChannelRow } from '../db/store.ts'

/** `channel_info` as new-api keeps it; statuses, reasons and times are keyed by the key's index. */
export interface ChannelInfo {
  is_multi_key: boolean
  multi_key_size: number
  multi_key_status_list: Record<string, number>
  multi_key_polling_index: number
  multi_key_mode: string
  multi_key_disabled_reason?: Record<string, string>
  multi_key_disabled_time?: Record<string, number>
}

export const readInfo = (row: Pick<ChannelRow, 'channelInfo'>): ChannelInfo => {
  const fallback = { is_multi_key: false, multi_key_size: 0, multi_key_status_list: {}, multi_key_polling_index: 0, multi_key_mode: 'random' }
  try { return { ...fallback, ...JSON.parse(row.channelInfo || '{}') } } catch { return fallback }
}
