/** What the log page reads: one page of rows and the totals of everything the filters match. */
import { query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'
import { fromDateTimeInput } from '../../lib/format.ts'
import type { LogEntry, LogStat } from '../../lib/types.ts'

export interface LogFilters {
  type: string
  start: string
  end: string
  model: string
  token: string
  channel: string
  username: string
  group: string
  requestId: string
}

/** Admins read everyone's logs and may filter by channel and user; others read their own. */
function logQuery(admin: boolean, filters: LogFilters) {
  return {
    type: filters.type,
    start_timestamp: fromDateTimeInput(filters.start) ?? undefined,
    end_timestamp: fromDateTimeInput(filters.end) ?? undefined,
    model_name: filters.model.trim(),
    token_name: filters.token.trim(),
    group: filters.group.trim(),
    request_id: filters.requestId.trim(),
    channel: admin ? filters.channel.trim() : undefined,
    username: admin ? filters.username.trim() : undefined,
  }
}

export const getLogs = query(async (parameters: { admin: boolean; page: number; pageSize: number; filters: LogFilters }): Promise<Page<LogEntry>> => {
  const data = await api.get<Page<LogEntry>>(parameters.admin ? '/api/log/' : '/api/log/self', { ...logQuery(parameters.admin, parameters.filters), p: parameters.page, page_size: parameters.pageSize })
  return toPage(data, parameters.page, parameters.pageSize)
}, 'logs')

/** The totals strip is optional: a server without the stat route still lists logs. */
export const getLogStat = query(async (parameters: { admin: boolean; filters: LogFilters }): Promise<LogStat | null> => {
  try {
    return await api.get<LogStat>(parameters.admin ? '/api/log/stat' : '/api/log/self/stat', logQuery(parameters.admin, parameters.filters))
  } catch {
    return null
  }
}, 'log-stat')
