import { Elysia, t } from 'elysia'
import type { LogFilter, LogRow } from '../db/store.ts'
import { authenticateKeyHolder } from '../auth/api-key.ts'
import { badRequest } from '../errors.ts'
import { authPlugin, envelope, ok, pageOf, PageQuery, readPage, ROLE_ADMIN, ROLE_USER, type ApiDependencies } from './context.ts'

export const LogSchema = t.Object({
  id: t.Integer(), user_id: t.Integer(), username: t.String(), created_at: t.Number(), type: t.Integer(), content: t.String(),
  token_name: t.String(), token_id: t.Integer(), model_name: t.String(), quota: t.Number(), prompt_tokens: t.Integer(),
  completion_tokens: t.Integer(), use_time: t.Integer(), is_stream: t.Boolean(), channel: t.Integer(), channel_name: t.Optional(t.String()),
  group: t.String(), ip: t.String(), request_id: t.Optional(t.String()), other: t.String(),
})

const QuotaDataSchema = t.Object({
  id: t.Integer(), user_id: t.Integer(), username: t.String(), model_name: t.String(), created_at: t.Number(), use_group: t.String(),
  token_id: t.Integer(), channel_id: t.Integer(), token_used: t.Number(), count: t.Integer(), quota: t.Number(),
})

/** Admin view keeps `admin_info` (channels tried); user views drop it and show a display index as id (new-api). */
function logJson(row: LogRow, view: { admin: boolean; channelNames?: Map<number, string>; displayId?: number }) {
  let other = row.other
  if (!view.admin && other.includes('admin_info')) {
    try {
      const parsed = JSON.parse(other)
      delete parsed.admin_info
      other = JSON.stringify(parsed)
    } catch { /* leave as is */ }
  }
  return {
    id: view.displayId ?? row.id, user_id: row.userId, username: row.username, created_at: Number(row.createdAt), type: row.type,
    content: row.content, token_name: row.tokenName, token_id: row.tokenId, model_name: row.modelName, quota: Number(row.quota),
    prompt_tokens: row.promptTokens, completion_tokens: row.completionTokens, use_time: row.useTime, is_stream: row.isStream,
    channel: view.admin ? row.channelId : 0, ...(view.admin ? { channel_name: view.channelNames?.get(row.channelId) ?? '' } : {}),
    group: row.group, ip: row.ip, ...(row.requestId ? { request_id: row.requestId } : {}), other,
  }
}

const quotaDataJson = (row: { id: number; userId: number; username: string; modelName: string; createdAt: number; useGroup: string; tokenId: number; channelId: number; tokenUsed: number; count: number; quota: number }) => ({
  id: row.id, user_id: row.userId, username: row.username, model_name: row.modelName, created_at: Number(row.createdAt), use_group: row.useGroup,
  token_id: row.tokenId, channel_id: row.channelId, token_used: Number(row.tokenUsed), count: row.count, quota: Number(row.quota),
})

const FilterQuery = {
  ...PageQuery,
  type: t.Optional(t.Numeric()), start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()),
  username: t.Optional(t.String()), token_name: t.Optional(t.String()), model_name: t.Optional(t.String()),
  channel: t.Optional(t.Numeric()), group: t.Optional(t.String()), request_id: t.Optional(t.String()), upstream_request_id: t.Optional(t.String()),
}
type FilterInput = { type?: number; start_timestamp?: number; end_timestamp?: number; username?: string; token_name?: string; model_name?: string; channel?: number; group?: string; request_id?: string; upstream_request_id?: string }

/** `%` patterns: at most two `%` and at least two other characters (new-api), so nobody scans the table with `%%`. */
function checkPattern(field: string, value: string | undefined) {
  if (!value || !value.includes('%')) return
  if ((value.match(/%/g) ?? []).length > 2 || value.replaceAll('%', '').length < 2) throw badRequest(`${field}: a pattern may hold at most two % and needs at least two other characters`)
}

function readFilter(query: FilterInput): LogFilter {
  checkPattern('model_name', query.model_name)
  checkPattern('username', query.username)
  return {
    type: query.type || undefined, startTimestamp: query.start_timestamp || undefined, endTimestamp: query.end_timestamp || undefined,
    username: query.username || undefined, tokenName: query.token_name || undefined, modelName: query.model_name || undefined,
    channelId: query.channel || undefined, group: query.group || undefined, requestId: query.request_id || undefined,
    upstreamRequestId: query.upstream_request_id || undefined,
  }
}

export function logRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox } = dependencies
  const channelNames = () => new Map([...caches.routing.byId.values()].map((channel) => [channel.id, channel.name]))
  const StatSchema = envelope(t.Object({ quota: t.Number(), rpm: t.Number(), tpm: t.Number() }))

  return new Elysia({ name: 'tollgate.logs', prefix: '/api' })
    .use(authPlugin(dependencies))
    .get('/log/', async ({ query }) => {
      const page = readPage(query)
      const result = await store.logs.list(readFilter(query), page)
      const names = channelNames()
      return ok({ items: result.items.map((row) => logJson(row, { admin: true, channelNames: names })), total: result.total, page: page.page, page_size: page.pageSize })
    }, { role: ROLE_ADMIN, query: t.Object(FilterQuery), response: envelope(pageOf(LogSchema)), detail: { tags: ['Logs'], summary: 'All usage logs, newest first, with filters' } })
    .get('/log/self', async ({ query, user }) => {
      const page = readPage(query)
      const result = await store.logs.list({ ...readFilter({ ...query, username: undefined, channel: undefined }), userId: user.id }, page)
      const offset = (page.page - 1) * page.pageSize
      return ok({ items: result.items.map((row, index) => logJson(row, { admin: false, displayId: offset + index + 1 })), total: result.total, page: page.page, page_size: page.pageSize })
    }, { role: ROLE_USER, query: t.Object(FilterQuery), response: envelope(pageOf(LogSchema)), detail: { tags: ['Logs'], summary: 'Own usage logs' } })
    .get('/log/stat', async ({ query }) => ok(await store.logs.stat(readFilter(query))), {
      role: ROLE_ADMIN, query: t.Object(FilterQuery), response: StatSchema, detail: { tags: ['Logs'], summary: 'Quota of matching consume rows; requests and tokens in the last 60 s' },
    })
    .get('/log/self/stat', async ({ query, user }) => ok(await store.logs.stat({ ...readFilter({ ...query, username: undefined, channel: undefined }), userId: user.id })), {
      role: ROLE_USER, query: t.Object(FilterQuery), response: StatSchema, detail: { tags: ['Logs'], summary: 'Own statistics' },
    })
    .get('/log/token', async ({ request, path }) => {
      // The key is the credential: `Authorization: Bearer sk-…` (current new-api) or `?key=sk-…` (neko-api-key-tool).
      const token = authenticateKeyHolder(dependencies, request, path)
      const result = await store.logs.list({ tokenId: token.id }, { page: 1, pageSize: 1000 })
      return ok(result.items.map((row, index) => logJson(row, { admin: false, displayId: index + 1 })))
    }, { query: t.Object({ key: t.Optional(t.String()) }), response: envelope(t.Array(LogSchema)), detail: { tags: ['Logs'], summary: 'A key\'s recent logs (the key is the credential)' } })
    .get('/log/search', () => ({ success: false, message: 'This endpoint is deprecated: use /api/log/ with filters' }), { role: ROLE_ADMIN, detail: { tags: ['Logs'], deprecated: true } })
    .get('/log/self/search', () => ({ success: false, message: 'This endpoint is deprecated: use /api/log/self with filters' }), { role: ROLE_USER, detail: { tags: ['Logs'], deprecated: true } })
    .get('/data/', async ({ query }) => {
      const rows = await store.quotaData.list({ startTimestamp: query.start_timestamp, endTimestamp: query.end_timestamp, username: query.username || undefined })
      return ok(rows.map(quotaDataJson))
    }, {
      role: ROLE_ADMIN, query: t.Object({ start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()), username: t.Optional(t.String()) }),
      response: envelope(t.Array(QuotaDataSchema)), detail: { tags: ['Logs'], summary: 'Hourly usage aggregates (dashboard)' },
    })
    .get('/data/users', async ({ query }) => {
      const rows = await store.quotaData.byUser({ startTimestamp: query.start_timestamp, endTimestamp: query.end_timestamp })
      return ok(rows.map((row) => ({ user_id: row.userId, username: row.username, count: row.count, quota: row.quota, token_used: row.tokenUsed })))
    }, {
      role: ROLE_ADMIN, query: t.Object({ start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()) }),
      response: envelope(t.Array(t.Object({ user_id: t.Integer(), username: t.String(), count: t.Number(), quota: t.Number(), token_used: t.Number() }))),
      detail: { tags: ['Logs'], summary: 'Usage totals per user over a time range' },
    })
    .get('/data/self', async ({ query, user }) => {
      const end = query.end_timestamp ?? Math.floor(Date.now() / 1000)
      const start = query.start_timestamp ?? end - 7 * 86400
      if (end - start > 31 * 86400) throw badRequest('The time span may not exceed one month')
      const rows = await store.quotaData.list({ startTimestamp: start, endTimestamp: end, userId: user.id })
      return ok(rows.map(quotaDataJson))
    }, {
      role: ROLE_USER, query: t.Object({ start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()) }),
      response: envelope(t.Array(QuotaDataSchema)), detail: { tags: ['Logs'], summary: 'Own hourly usage aggregates (at most one month)' },
    })
}
