/**
 * What the channel pages read (queries) and change (actions). Every action revalidates the queries on screen,
 * so a list or form shows the server's state after a change without refetching by hand.
 */
import { action, query } from '@solidjs/router'
import { api, errorMessage, requestEnvelope, toPage, type Page } from '../../lib/api.ts'
import type { ChannelTypeEntry } from '../../lib/channel-types.ts'
import type { Channel } from '../../lib/types.ts'

let catalogue: Promise<ChannelTypeEntry[]> | undefined

/** The channel-type catalogue changes only with a new server version: asked once per session. */
export const getChannelTypes = query(() => {
  catalogue ??= api.get<ChannelTypeEntry[]>('/api/channel/types').catch((error: unknown) => {
    catalogue = undefined
    throw error
  })
  return catalogue
}, 'channel-types')

export interface ChannelEvent {
  kind: 'disabled' | 'cooling' | 'probe_failed' | 'enabled'
  channel: number
  content: string
  created_at: number
}

/** Channel health transitions of the last 24 hours: system log rows the health module writes (`other.channel_event`). */
export const getChannelEvents = query(async (): Promise<ChannelEvent[]> => {
  const since = Math.floor(Date.now() / 1000) - 86_400
  const page = toPage(await api.get<Page<{ channel: number; content: string; created_at: number; other: string }>>('/api/log/', { type: 4, start_timestamp: since, page_size: 50 }))
  const events: ChannelEvent[] = []
  for (const row of page.items) {
    let kind: ChannelEvent['kind'] | undefined
    try { kind = (JSON.parse(row.other || '{}') as { channel_event?: ChannelEvent['kind'] }).channel_event } catch { /* not a channel event */ }
    if (kind) events.push({ kind, channel: row.channel, content: row.content, created_at: row.created_at })
  }
  return events
}, 'channel-events')

export type ChannelSortField = 'priority' | 'id' | 'name' | 'balance' | 'response_time' | 'test_time'

export interface ChannelFilters {
  keyword: string
  model: string
  type: string
  status: string
  group: string
  tag: string
}

export interface ChannelListParameters {
  page: number
  pageSize: number
  sortBy: ChannelSortField
  sortOrder: 'asc' | 'desc'
  filters: ChannelFilters
}

export const getChannels = query(async (parameters: ChannelListParameters): Promise<Page<Channel>> => {
  const { filters } = parameters
  const common = {
    p: parameters.page,
    page_size: parameters.pageSize,
    sort_by: parameters.sortBy,
    sort_order: parameters.sortOrder,
    id_sort: parameters.sortBy === 'id' ? true : undefined,
    type: filters.type,
    status: filters.status,
    group: filters.group,
    tag: filters.tag,
  }
  // Keyword and model matching live on the search route (new-api §4); the plain list pages faster.
  const data = filters.keyword || filters.model
    ? await api.get<Page<Channel>>('/api/channel/search', { ...common, keyword: filters.keyword, model: filters.model })
    : await api.get<Page<Channel>>('/api/channel/', common)
  const result = toPage(data, parameters.page, parameters.pageSize)
  // The tag filter is not a documented list parameter on every server; narrow here as well.
  if (filters.tag) result.items = result.items.filter((channel) => (channel.tag ?? '') === filters.tag)
  return result
}, 'channels')

export const getChannel = query((id: number) => api.get<Channel>(`/api/channel/${id}`), 'channel')

/** Group names for the form's chips; a server without the route still lets the operator type groups. */
export const getGroups = query(async () => {
  try {
    return (await api.get<string[]>('/api/group')) ?? []
  } catch {
    return []
  }
}, 'groups')

export interface ChannelTestResult {
  success: boolean
  message: string
  seconds: number
}

/** A test is a change too: the server records the response time, which the list then shows. */
export const testChannel = action(async (id: number, model?: string): Promise<ChannelTestResult> => {
  try {
    const envelope = await requestEnvelope<unknown>('GET', `/api/channel/test/${id}`, { query: { model } })
    return { success: true, message: envelope.message, seconds: Number(envelope.time ?? 0) }
  } catch (error) {
    return { success: false, message: errorMessage(error), seconds: 0 }
  }
}, 'channel-test')

/** Test-all runs in the background on the server; the page revalidates as results land. */
export const testAllChannels = action(async () => {
  await api.get('/api/channel/test')
}, 'channel-test-all')

export const setChannelStatus = action(async (id: number, status: number) => {
  await api.post(`/api/channel/${id}/status`, { status })
}, 'channel-status')

export const updateChannelBalance = action(async (id: number): Promise<number> => {
  const envelope = await requestEnvelope<unknown>('GET', `/api/channel/update_balance/${id}`)
  return Number(envelope.balance ?? (envelope.data as { balance?: number } | undefined)?.balance ?? 0)
}, 'channel-balance')

export const deleteChannel = action(async (id: number) => {
  await api.delete(`/api/channel/${id}`)
}, 'channel-delete')

/** Create (with the add mode of several keys) or update; `body` is the API's channel object. */
export const saveChannel = action(async (request: { id: number | null; body: Record<string, unknown>; create?: Record<string, unknown> }) => {
  if (request.id === null) await api.post('/api/channel/', { ...request.create, channel: request.body })
  else await api.put('/api/channel/', { ...request.body, id: request.id })
}, 'channel-save')

export async function fetchUpstreamModels(request: { id: number | null; type: number; key: string; baseUrl: string }): Promise<string[]> {
  // With a typed key the upstream is asked with that key; otherwise the stored channel's.
  if (request.id !== null && !request.key) return api.get<string[]>(`/api/channel/fetch_models/${request.id}`)
  return api.post<string[]>('/api/channel/fetch_models', { type: request.type, key: request.key.split('\n')[0] ?? '', base_url: request.baseUrl })
}

/** One key of a multi-key channel as the server lists it: masked, never the key itself. */
export interface ChannelKeyState {
  index: number
  status: number
  key_preview: string
  disabled_time: number
  reason: string
}

export const getChannelKeys = query((channelId: number) =>
  api.post<{ keys: ChannelKeyState[]; total: number; enabled_count: number; manual_disabled_count: number; auto_disabled_count: number }>(
    '/api/channel/multi_key/manage', { channel_id: channelId, action: 'get_key_status', page_size: 500 }), 'channel-keys')

export type ChannelKeyAction = 'disable_key' | 'enable_key' | 'delete_key' | 'enable_all_keys' | 'disable_all_keys' | 'delete_disabled_keys'

export const manageChannelKeys = action(async (request: { channelId: number; action: ChannelKeyAction; keyIndex?: number }) => {
  await api.post('/api/channel/multi_key/manage', { channel_id: request.channelId, action: request.action, key_index: request.keyIndex })
}, 'channel-keys-manage')

export const copyChannel = action((id: number) => api.post<{ id: number }>(`/api/channel/copy/${id}`), 'channel-copy')

export const updateAllBalances = action(async (): Promise<{ message: string; updated: number; failed: number }> => {
  const envelope = await requestEnvelope<{ updated: number; failed: number }>('GET', '/api/channel/update_balance')
  return { message: envelope.message, updated: envelope.data?.updated ?? 0, failed: envelope.data?.failed ?? 0 }
}, 'channel-balance-all')

/** Every channel with the tag at once: enable or disable, or edit (fields present change). Returns how many. */
export const setTagStatus = action((request: { tag: string; enabled: boolean }) =>
  api.post<number>(`/api/channel/tag/${request.enabled ? 'enabled' : 'disabled'}`, { tag: request.tag }), 'channel-tag-status')

export const editTag = action((request: { tag: string; changes: Record<string, unknown> }) =>
  api.put<number>('/api/channel/tag', { tag: request.tag, ...request.changes }), 'channel-tag-edit')
