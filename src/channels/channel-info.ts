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

/**
 * The info with the keys at `indexes` set to `status`: a key put back (status 1) loses its disable reason and time;
 * a disabled one records why and when (new-api's fields, shown in the console's key list).
 */
export function withKeyStatus(info: ChannelInfo, indexes: readonly number[], status: number, reason = ''): ChannelInfo {
  const statuses = { ...info.multi_key_status_list }
  const reasons = { ...(info.multi_key_disabled_reason ?? {}) }
  const times = { ...(info.multi_key_disabled_time ?? {}) }
  const nowSeconds = Math.floor(Date.now() / 1000)
  for (const index of indexes) {
    const key = String(index)
    if (status === 1) {
      delete statuses[key]
      delete reasons[key]
      delete times[key]
    } else {
      statuses[key] = status
      reasons[key] = reason
      times[key] = nowSeconds
    }
  }
  return { ...info, multi_key_status_list: statuses, multi_key_disabled_reason: reasons, multi_key_disabled_time: times }
}
