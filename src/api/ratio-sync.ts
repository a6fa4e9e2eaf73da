import type { Static } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import type { RuntimeOptions } from '../cache/options.ts'
import { validateOption } from '../cache/options.ts'
import type { ChannelRow } from '../db/store.ts'
import { badRequest, forbidden } from '../errors.ts'
import { safeFetch, SafeFetchError } from '../net/safe-fetch.ts'
import { authPlugin, envelope, ok, ROLE_ROOT, type ApiDependencies } from './context.ts'
import { computeDifferences, localTable, parseUpstreamDocument, planApply, SelectionError, syncFields, type PriceTable, type UpstreamFormat } from './ratio-sync-table.ts'

/**
 * Price sync (new-api's upstream ratio sync): read other gateways' prices — a new-api, one-api or Tollgate
 * `/api/pricing` or `/api/ratio_config`, or any JSON document of the option maps — show where they differ from the
 * local options, and write the values the administrator picked. Also serves this gateway's own `/api/ratio_config`
 * when `ExposeRatioEnabled` is on, so one Tollgate can sync from another.
 *
 * Outgoing fetches go through the SSRF guard: an address the admin typed must resolve to public addresses unless its
 * host is in RATIO_SYNC_ALLOW_HOSTS; a channel's own base URL host is trusted (the gateway calls it anyway).
 */

/** new-api's default endpoint for a source given without one. */
const DEFAULT_ENDPOINT = '/api/pricing'
const DEFAULT_TIMEOUT_SECONDS = 10
const MAX_TIMEOUT_SECONDS = 60
/** A pricing list of a few thousand models is well under 1 MB; past this the answer is not a price list. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024
const MAX_SOURCES = 20
const MAX_CONCURRENT_FETCHES = 8
const MAX_CHANGES = 10_000

/** One place to read prices from, resolved from a channel id or a typed address. */
interface Source {
  name: string
  url: string
  /** A channel's own host, which may be private. */
  trustedHost?: string
  /** Known before fetching (an unknown channel id, say): reported, not fetched. */
  problem?: string
}

interface SourceResult {
  name: string
  status: 'success' | 'error'
  url: string
  error?: string
  format?: UpstreamFormat
  models?: number
  skipped?: number
}

const isHttpUrl = (text: string) => {
  try { return ['http:', 'https:'].includes(new URL(text).protocol) } catch { return false }
}

/** base URL + endpoint as new-api joins them: an absolute endpoint wins, a relative one is appended. */
function joinEndpoint(baseUrl: string, endpoint: string | undefined): string {
  const path = endpoint?.trim() || DEFAULT_ENDPOINT
  if (/^https?:\/\//i.test(path)) return path
  return baseUrl.trim().replace(/\/+$/, '') + (path.startsWith('/') ? path : `/${path}`)
}

/** Channels the admin may sync from: any with an http(s) base URL (new-api, one-api and Tollgate gateways among them). */
const syncableChannels = (rows: ChannelRow[]) => rows.filter((row) => isHttpUrl(row.baseUrl)).sort((a, b) => a.id - b.id)

const hostOf = (url: string) => new URL(url).hostname.toLowerCase()

/** Names as new-api shows them (`name(id)` for channels), made unique so each is one column of the diff. */
function uniqueNames(sources: Source[]): Source[] {
  const seen = new Map<string, number>()
  return sources.map((source) => {
    const count = (seen.get(source.name) ?? 0) + 1
    seen.set(source.name, count)
    return count === 1 ? source : { ...source, name: `${source.name} #${count}` }
  })
}

/** Why a fetch failed, in words an administrator can act on. */
function describeFailure(error: unknown, url: string): string {
  if (!(error instanceof SafeFetchError)) return (error as Error)?.message ?? String(error)
  switch (error.code) {
    case 'unsafe_url': return `${error.message} (RATIO_SYNC_ALLOW_HOSTS lists hosts that may be private)`
    case 'http_status':
      if (error.status === 403 && url.includes('/api/ratio_config')) return 'answered HTTP 403: that gateway does not expose its ratios (ExposeRatioEnabled is off); use /api/pricing'
      return `answered HTTP ${error.status ?? ''}`.trim()
    case 'too_large': return `the answer is too large: ${error.message}`
    case 'timeout': return `no answer in time: ${error.message}`
    default: return error.message
  }
}

async function fetchSource(source: Source, timeoutMs: number, allowHosts: readonly string[]): Promise<{ result: SourceResult; table?: PriceTable }> {
  if (source.problem) return { result: { name: source.name, status: 'error', url: source.url, error: source.problem } }
  try {
    const answer = await safeFetch(source.url, {
      maxBytes: MAX_ANSWER_BYTES, timeoutMs, headers: { accept: 'application/json', 'user-agent': 'tollgate-price-sync' },
      allowPrivateHosts: source.trustedHost ? [...allowHosts, source.trustedHost] : allowHosts,
    })
    let document: unknown
    try { document = JSON.parse(new TextDecoder().decode(answer.bytes)) } catch { throw new Error(`the answer is not JSON (content type ${answer.contentType || 'none'})`) }
    const parsed = parseUpstreamDocument(document)
    return { result: { name: source.name, status: 'success', url: source.url, format: parsed.format, models: parsed.models, skipped: parsed.skipped }, table: parsed.table }
  } catch (error) {
    return { result: { name: source.name, status: 'error', url: source.url, error: describeFailure(error, source.url) } }
  }
}

/** Fetch every source, at most MAX_CONCURRENT_FETCHES at a time; results keep the sources' order. */
async function fetchAll(sources: Source[], timeoutMs: number, allowHosts: readonly string[]) {
  const results: Awaited<ReturnType<typeof fetchSource>>[] = new Array(sources.length)
  let next = 0
  const worker = async () => {
    while (next < sources.length) {
      const index = next++
      results[index] = await fetchSource(sources[index]!, timeoutMs, allowHosts)
    }
  }
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_FETCHES, sources.length) }, worker))
  return results
}

/** This gateway's `/api/ratio_config` data, built once per options snapshot (options are replaced whole on change). */
const exposedRatios = new WeakMap<RuntimeOptions, PriceTable>()
function exposedRatiosOf(options: RuntimeOptions): PriceTable {
  let table = exposedRatios.get(options)
  if (!table) exposedRatios.set(options, table = localTable(options))
  return table
}

const PriceMap = t.Record(t.String(), t.Number())
const UpstreamSchema = t.Object({
  id: t.Optional(t.Integer()),
  name: t.Optional(t.String({ maxLength: 255 })),
  base_url: t.Optional(t.String({ maxLength: 2048 })),
  endpoint: t.Optional(t.String({ maxLength: 2048 })),
})
const SourceResultSchema = t.Object({
  name: t.String(), status: t.Union([t.Literal('success'), t.Literal('error')]), url: t.String(), error: t.Optional(t.String()),
  format: t.Optional(t.String()), models: t.Optional(t.Integer()), skipped: t.Optional(t.Integer()),
})

export function ratioSyncRoutes(dependencies: ApiDependencies) {
  const { caches, store, config } = dependencies

  /** Resolve the request's channel ids and typed addresses into sources; a malformed address is a 400 naming it. */
  async function resolveSources(body: { channel_ids?: number[]; upstreams?: Static<typeof UpstreamSchema>[] }): Promise<Source[]> {
    const sources: Source[] = []
    const channelIds = body.channel_ids ?? []
    const upstreams = body.upstreams ?? []
    const channels = channelIds.length > 0 || upstreams.some((upstream) => upstream.id) ? new Map((await store.channels.all()).map((row) => [row.id, row])) : new Map<number, ChannelRow>()
    for (const id of channelIds) {
      const channel = channels.get(id)
      if (!channel) sources.push({ name: `channel ${id}`, url: '', problem: `channel ${id} does not exist` })
      else if (!isHttpUrl(channel.baseUrl)) sources.push({ name: `${channel.name}(${id})`, url: '', problem: `channel ${id} has no http(s) base URL to read prices from` })
      else {
        const url = joinEndpoint(channel.baseUrl, undefined)
        sources.push({ name: `${channel.name}(${id})`, url, trustedHost: hostOf(channel.baseUrl) })
      }
    }
    upstreams.forEach((upstream, index) => {
      const baseUrl = upstream.base_url?.trim() ?? ''
      const endpoint = upstream.endpoint?.trim() ?? ''
      if (baseUrl !== '' && !isHttpUrl(baseUrl)) throw badRequest(`upstreams[${index}].base_url must be an http(s) URL`, 'invalid_upstream')
      if (baseUrl === '' && !isHttpUrl(endpoint)) throw badRequest(`upstreams[${index}]: give base_url, or an http(s) URL in endpoint`, 'invalid_upstream')
      const url = joinEndpoint(baseUrl, endpoint)
      if (!isHttpUrl(url)) throw badRequest(`upstreams[${index}].endpoint does not make an http(s) URL with base_url`, 'invalid_upstream')
      // new-api's console sends its channels this way; their host is trusted only when it is the channel's own.
      const channel = upstream.id ? channels.get(upstream.id) : undefined
      const trustedHost = channel && isHttpUrl(channel.baseUrl) && hostOf(channel.baseUrl) === hostOf(url) ? hostOf(url) : undefined
      const name = upstream.name?.trim() || (channel ? channel.name : new URL(url).host)
      sources.push({ name: upstream.id ? `${name}(${upstream.id})` : name, url, trustedHost })
    })
    if (sources.length === 0) throw badRequest('Give channel_ids or upstreams to read prices from', 'no_upstreams')
    if (sources.length > MAX_SOURCES) throw badRequest(`At most ${MAX_SOURCES} sources at once (got ${sources.length})`, 'too_many_upstreams')
    return uniqueNames(sources)
  }

  return new Elysia({ name: 'tollgate.ratio-sync', prefix: '/api' })
    .use(authPlugin(dependencies))
    .get('/ratio_config', () => {
      const options = caches.options
      if (options.raw.ExposeRatioEnabled !== 'true') throw forbidden('This gateway does not expose its ratios (the option ExposeRatioEnabled is off)', 'ratio_config_disabled')
      return ok(exposedRatiosOf(options))
    }, {
      response: envelope(t.Record(t.String(), PriceMap)),
      detail: { tags: ['System'], summary: 'This gateway\'s price maps (model_ratio, completion_ratio, cache_ratio, model_price…), public when ExposeRatioEnabled is on' },
    })
    .get('/ratio_sync/channels', async () => ok(syncableChannels(await store.channels.all()).map((row) => ({
      id: row.id, name: row.name, base_url: row.baseUrl, status: row.status, type: row.type, endpoint: DEFAULT_ENDPOINT,
    }))), {
      role: ROLE_ROOT,
      response: envelope(t.Array(t.Object({ id: t.Integer(), name: t.String(), base_url: t.String(), status: t.Integer(), type: t.Integer(), endpoint: t.String() }))),
      detail: { tags: ['Options'], summary: 'Channels prices can be synced from (those with an http(s) base URL)' },
    })
    .post('/ratio_sync/fetch', async ({ body }) => {
      const sources = await resolveSources(body)
      const timeoutMs = Math.min(MAX_TIMEOUT_SECONDS, body.timeout && body.timeout > 0 ? body.timeout : DEFAULT_TIMEOUT_SECONDS) * 1000
      const fetched = await fetchAll(sources, timeoutMs, config.ratioSyncAllowHosts)
      const tables = fetched.flatMap(({ result, table }) => (table ? [{ name: result.name, table }] : []))
      return ok({
        differences: computeDifferences(caches.options, tables),
        test_results: fetched.map(({ result }) => result),
        fields: [...syncFields],
      })
    }, {
      role: ROLE_ROOT,
      body: t.Object({
        channel_ids: t.Optional(t.Array(t.Integer(), { maxItems: MAX_SOURCES })),
        upstreams: t.Optional(t.Array(UpstreamSchema, { maxItems: MAX_SOURCES })),
        timeout: t.Optional(t.Number({ minimum: 0, maximum: 3600 })),
      }),
      response: envelope(t.Object({
        differences: t.Record(t.String(), t.Record(t.String(), t.Object({
          current: t.Union([t.Number(), t.Null()]), effective: t.Union([t.Number(), t.Null()]),
          upstreams: t.Record(t.String(), t.Union([t.Number(), t.Literal('same'), t.Null()])), status: t.Record(t.String(), t.String()),
        }))),
        test_results: t.Array(SourceResultSchema),
        fields: t.Array(t.String()),
      })),
      detail: { tags: ['Options'], summary: 'Read prices from channels or addresses and compare them with the local options (nothing is written)' },
    })
    .post('/ratio_sync/apply', async ({ body }) => {
      let plan
      try { plan = planApply(caches.options, body.changes) } catch (error) {
        if (error instanceof SelectionError) throw badRequest(error.message, 'invalid_price')
        throw error
      }
      const entries = Object.fromEntries(Object.entries(plan.maps).map(([key, map]) => [key, validateOption(key, JSON.stringify(map))]))
      if (Object.keys(entries).length > 0) {
        await store.options.setMany(entries)
        await caches.invalidate({ kind: 'options' })
      }
      return ok({ changed: plan.changed, options: Object.keys(entries), switched_to_ratio: plan.switchedToRatio })
    }, {
      role: ROLE_ROOT,
      body: t.Object({ changes: t.Array(t.Object({ model: t.String(), field: t.String(), value: t.Unknown() }), { maxItems: MAX_CHANGES }) }),
      response: envelope(t.Object({ changed: t.Integer(), options: t.Array(t.String()), switched_to_ratio: t.Array(t.String()) })),
      detail: { tags: ['Options'], summary: 'Write chosen prices ({changes: [{model, field, value}]}) into the option maps; all or nothing' },
    })
}
