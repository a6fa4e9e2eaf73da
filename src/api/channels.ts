import { Elysia, t } from 'elysia'
import type { ChannelRow, NewChannel } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { authPlugin, emptyEnvelope, envelope, ok, OptionalEnum, PageQuery, readPage, ROLE_ADMIN, ROLE_ROOT, type ApiDependencies } from './context.ts'
import { isChannelTypeSupported, providerForChannelType } from '../providers/index.ts'
import { channelTypeNames, ChannelTypeEntrySchema } from './catalog.ts'
import { channelTypeCatalog, channelTypeDefinition } from '../providers/channel-types.ts'
import { servedEndpoints } from '../relay/served-endpoints.ts'
import { readInfo, type ChannelInfo } from '../channels/channel-info.ts'
import { compileParamOverride } from '../channels/param-override.ts'
import { priceFor } from '../billing/pricing.ts'
import { splitList } from '../split-list.ts'
import { vertexKeyProblem } from '../providers/vertex/vertex-key.ts'
import { vertexRegionsProblem } from '../providers/vertex/vertex-region.ts'
import { xunfeiKeyProblem } from '../providers/xunfei/xunfei-auth.ts'
import { xunfeiVersionProblem } from '../providers/xunfei/xunfei-versions.ts'
import { requireSecureVerification } from '../auth/secure-verification.ts'

const ChannelInfoSchema = t.Object({
  is_multi_key: t.Boolean(), multi_key_size: t.Integer(), multi_key_status_list: t.Record(t.String(), t.Integer()),
  multi_key_polling_index: t.Integer(), multi_key_mode: t.String(),
  multi_key_disabled_reason: t.Optional(t.Record(t.String(), t.String())), multi_key_disabled_time: t.Optional(t.Record(t.String(), t.Number())),
})

export const ChannelSchema = t.Object({
  id: t.Integer(), type: t.Integer(), name: t.String(), status: t.Integer(), base_url: t.String(), models: t.String(), group: t.String(),
  priority: t.Number(), weight: t.Integer(), model_mapping: t.String(), status_code_mapping: t.String(), other: t.String(), setting: t.String(),
  settings: t.String(), param_override: t.String(), header_override: t.String(), auto_ban: t.Integer(), test_model: t.String(), tag: t.String(),
  remark: t.String(), openai_organization: t.String(), created_time: t.Number(), test_time: t.Number(), response_time: t.Integer(),
  balance: t.Number(), balance_updated_time: t.Number(), used_quota: t.Number(), channel_info: ChannelInfoSchema,
})

/** The API shape of a channel. The key is never part of it. */
export const channelJson = (row: ChannelRow) => ({
  id: row.id, type: row.type, name: row.name, status: row.status, base_url: row.baseUrl, models: row.models, group: row.group,
  priority: Number(row.priority), weight: row.weight, model_mapping: row.modelMapping, status_code_mapping: row.statusCodeMapping,
  other: row.other, setting: row.setting, settings: row.settings, param_override: row.paramOverride, header_override: row.headerOverride,
  auto_ban: row.autoBan, test_model: row.testModel, tag: row.tag, remark: row.remark, openai_organization: row.openaiOrganization,
  created_time: Number(row.createdTime), test_time: Number(row.testTime), response_time: row.responseTime, balance: row.balance,
  balance_updated_time: Number(row.balanceUpdatedTime), used_quota: Number(row.usedQuota), channel_info: readInfo(row),
})

const ChannelFields = {
  type: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
  key: t.Optional(t.String({ maxLength: 1_000_000 })),
  name: t.Optional(t.String({ maxLength: 255 })),
  base_url: t.Optional(t.String({ maxLength: 2048 })),
  models: t.Optional(t.String({ maxLength: 100_000 })),
  group: t.Optional(t.String({ maxLength: 1024 })),
  priority: t.Optional(t.Integer()),
  weight: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
  model_mapping: t.Optional(t.String({ maxLength: 100_000 })),
  status_code_mapping: t.Optional(t.String({ maxLength: 10_000 })),
  other: t.Optional(t.String({ maxLength: 100_000 })),
  setting: t.Optional(t.String({ maxLength: 100_000 })),
  settings: t.Optional(t.String({ maxLength: 100_000 })),
  param_override: t.Optional(t.String({ maxLength: 100_000 })),
  header_override: t.Optional(t.String({ maxLength: 100_000 })),
  auto_ban: t.Optional(t.Integer({ minimum: 0, maximum: 1 })),
  test_model: t.Optional(t.String({ maxLength: 255 })),
  tag: t.Optional(t.String({ maxLength: 255 })),
  remark: t.Optional(t.String({ maxLength: 255 })),
  openai_organization: t.Optional(t.String({ maxLength: 255 })),
}
const ChannelInput = t.Object(ChannelFields, { additionalProperties: true })
export type ChannelInput = { [K in keyof typeof ChannelFields]?: K extends 'type' | 'priority' | 'weight' | 'auto_ban' ? number : string }


function jsonField(field: string, text: string, check?: (value: Record<string, unknown>) => void): string {
  if (!text.trim()) return ''
  let parsed: unknown
  try { parsed = JSON.parse(text) } catch (error) { throw badRequest(`${field} is not valid JSON: ${(error as Error).message}`) }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`${field} must be a JSON object`)
  check?.(parsed as Record<string, unknown>)
  return text
}

/** What the console offers is what works: a type without a provider would fail every request. */
function refuseUnrelayed(type: number) {
  if (channelTypeNames[type] && !isChannelTypeSupported(type)) {
    throw badRequest(`type ${type} (${channelTypeNames[type]}) is not relayed by this gateway yet; choose a supported channel type`)
  }
}

/**
 * Type-specific checks of the key and `other` (a provider's key format, e.g. Baidu's `APIKey|SecretKey`; Vertex AI:
 * service-account JSON and regions), so a channel that cannot work is not saved.
 */
function refuseBadCredentials(type: number, keys: string[] | undefined, other: string | undefined, creating = false) {
  const definition = channelTypeDefinition(type)
  // A field the type cannot work without (Coze's bot id, Cloudflare's account id): required when created, never cleared.
  if (definition?.otherRequired && (creating ? !other?.trim() : other !== undefined && !other.trim())) {
    throw badRequest(`other (${definition.otherLabel?.en ?? 'other'}) is required for ${definition.label} channels`)
  }
  if (type === 18) return refuseBadXunfei(keys, other)
  const provider = providerForChannelType(type)
  if (provider?.keyProblem) {
    for (const [index, key] of (keys ?? []).entries()) {
      const problem = provider.keyProblem(key)
      if (problem !== null) throw badRequest(`key${keys!.length > 1 ? ` ${index + 1}` : ''} (${channelTypeNames[type]}): ${problem}`)
    }
  }
  if (type !== 41) return
  for (const [index, key] of (keys ?? []).entries()) {
    const problem = vertexKeyProblem(key)
    if (problem !== null) throw badRequest(`Vertex AI key${keys!.length > 1 ? ` ${index + 1}` : ''}: ${problem}`)
  }
  const regionProblem = other === undefined ? null : vertexRegionsProblem(other)
  if (regionProblem !== null) throw badRequest(`other (Vertex AI regions): ${regionProblem}`)
}

/** Xunfei Spark: every key must sign (APPID|APISecret|APIKey) and `other` must name a Spark version. */
function refuseBadXunfei(keys: string[] | undefined, other: string | undefined) {
  for (const [index, key] of (keys ?? []).entries()) {
    const problem = xunfeiKeyProblem(key)
    if (problem !== null) throw badRequest(`key${keys!.length > 1 ? ` ${index + 1}` : ''}: ${problem}`)
  }
  const versionProblem = other === undefined ? null : xunfeiVersionProblem(other)
  if (versionProblem !== null) throw badRequest(`other (Xunfei Spark version): ${versionProblem}`)
}

/** The per-channel settings the relay reads (`setting`), checked when saved so a typo does not fail every request. */
function checkChannelSetting(setting: Record<string, unknown>) {
  const whole = (field: string, min: number) => {
    const value = setting[field]
    if (value !== undefined && (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > 100_000)) {
      throw badRequest(`setting.${field} must be a whole number from ${min} to 100000`)
    }
  }
  if (setting.system_prompt !== undefined && typeof setting.system_prompt !== 'string') throw badRequest('setting.system_prompt must be text')
  if (setting.thinking_to_content !== undefined && typeof setting.thinking_to_content !== 'boolean') throw badRequest('setting.thinking_to_content must be true or false')
  if (setting.pass_through_body_enabled !== undefined && typeof setting.pass_through_body_enabled !== 'boolean') throw badRequest('setting.pass_through_body_enabled must be true or false')
  if (setting.system_prompt_override !== undefined && typeof setting.system_prompt_override !== 'boolean') throw badRequest('setting.system_prompt_override must be true or false')
  if (setting.proxy !== undefined && setting.proxy !== '' && (typeof setting.proxy !== 'string' || !/^https?:\/\/[^\s/]+/i.test(setting.proxy.trim()))) {
    throw badRequest('setting.proxy must be an http:// or https:// proxy URL, e.g. http://user:pass@proxy.internal:3128')
  }
  whole('max_concurrency', 1)
  whole('max_queue', 0)
  whole('image_task_timeout', 1)
  if (setting.max_queue !== undefined && setting.max_concurrency === undefined) throw badRequest('setting.max_queue needs setting.max_concurrency')
}

/** Validate API fields and translate them to columns (key excluded: the caller seals it). 400s name the field. */
export function channelChanges(input: ChannelInput): Partial<NewChannel> {
  const changes: Partial<NewChannel> = {}
  if (input.type !== undefined) {
    if (!channelTypeNames[input.type]) throw badRequest(`type ${input.type} is not a known channel type`)
    changes.type = input.type
  }
  if (input.name !== undefined) changes.name = input.name.trim()
  if (input.base_url !== undefined) {
    const url = input.base_url.trim().replace(/\/+$/, '')
    if (url && !/^https?:\/\/[^\s/]+/i.test(url)) throw badRequest('base_url must be an http:// or https:// URL')
    changes.baseUrl = url
  }
  if (input.models !== undefined) {
    const models = splitList(input.models)
    const tooLong = models.find((model) => model.length > 255)
    if (tooLong) throw badRequest(`model name "${tooLong.slice(0, 40)}…" is longer than 255 characters`)
    changes.models = [...new Set(models)].join(',')
  }
  if (input.group !== undefined) changes.group = splitList(input.group).join(',') || 'default'
  if (input.priority !== undefined) changes.priority = input.priority
  if (input.weight !== undefined) changes.weight = input.weight
  if (input.model_mapping !== undefined) {
    changes.modelMapping = jsonField('model_mapping', input.model_mapping, (value) => {
      for (const [from, to] of Object.entries(value)) if (typeof to !== 'string' || !to) throw badRequest(`model_mapping: "${from}" must map to a model name`)
    })
  }
  if (input.status_code_mapping !== undefined) {
    changes.statusCodeMapping = jsonField('status_code_mapping', input.status_code_mapping, (value) => {
      for (const [from, to] of Object.entries(value)) {
        if (!/^[1-5]\d\d$/.test(from) || !/^[1-5]\d\d$/.test(String(to))) throw badRequest(`status_code_mapping: "${from}" → "${to}" must map one HTTP status to another`)
      }
    })
  }
  if (input.setting !== undefined) changes.setting = jsonField('setting', input.setting, checkChannelSetting)
  if (input.settings !== undefined) changes.settings = jsonField('settings', input.settings)
  if (input.param_override !== undefined) {
    changes.paramOverride = jsonField('param_override', input.param_override, (value) => {
      try { compileParamOverride(value) } catch (error) { throw badRequest((error as Error).message) }
    })
  }
  if (input.header_override !== undefined) {
    changes.headerOverride = jsonField('header_override', input.header_override, (value) => {
      for (const [name, headerValue] of Object.entries(value)) if (typeof headerValue !== 'string') throw badRequest(`header_override: "${name}" must be a string`)
    })
  }
  if (input.other !== undefined) changes.other = input.other
  if (input.auto_ban !== undefined) changes.autoBan = input.auto_ban
  if (input.test_model !== undefined) changes.testModel = input.test_model.trim()
  if (input.tag !== undefined) changes.tag = input.tag.trim()
  if (input.remark !== undefined) changes.remark = input.remark
  if (input.openai_organization !== undefined) changes.openaiOrganization = input.openai_organization
  return changes
}

/** Split a key field into keys: one per line (Vertex service-account keys come as a JSON array). */
export function splitKeys(key: string): string[] {
  const trimmed = key.trim()
  // One JSON key (a service account, as Google's download has it: several lines) is one key, not one per line.
  if (trimmed.startsWith('{')) {
    try {
      return [JSON.stringify(JSON.parse(trimmed))]
    } catch { /* not one JSON document: treat as lines */ }
  }
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed)
      if (Array.isArray(parsed)) return parsed.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)))
    } catch { /* not a JSON array: treat as lines */ }
  }
  return splitList(trimmed, '\n')
}

export function channelRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox } = dependencies
  const changed = () => caches.invalidate({ kind: 'channels' })

  const filterQuery = {
    ...PageQuery,
    id_sort: t.Optional(t.BooleanString()), sort_by: OptionalEnum(['id', 'name', 'priority', 'balance', 'response_time', 'test_time']),
    sort_order: OptionalEnum(['asc', 'desc']), tag_mode: t.Optional(t.BooleanString()), group: t.Optional(t.String()),
    status: t.Optional(t.String()), type: t.Optional(t.Numeric()), keyword: t.Optional(t.String()), model: t.Optional(t.String()), tag: t.Optional(t.String()),
  }
  const readFilter = (query: { group?: string; status?: string; type?: number; keyword?: string; model?: string; tag?: string }) => ({
    group: query.group || undefined, type: query.type, keyword: query.keyword || undefined, model: query.model || undefined, tag: query.tag,
    status: query.status === 'enabled' || query.status === '1' ? 'enabled' as const : query.status === 'disabled' || query.status === '0' ? 'disabled' as const : undefined,
  })
  const listing = async (query: Parameters<typeof readFilter>[0] & { p?: number; page_size?: number; ps?: number; size?: number; id_sort?: boolean; sort_by?: string; sort_order?: string }, defaultSize: number) => {
    const page = readPage(query, defaultSize)
    const filter = readFilter(query)
    const [result, typeCounts] = await Promise.all([
      store.channels.list(filter, page, { by: query.sort_by as never, order: query.sort_order as never, idSort: query.id_sort }),
      store.channels.typeCounts({ ...filter, type: undefined }),
    ])
    return ok({ items: result.items.map(channelJson), total: result.total, page: page.page, page_size: page.pageSize, type_counts: typeCounts })
  }
  const ListSchema = envelope(t.Object({ items: t.Array(ChannelSchema), total: t.Integer(), page: t.Integer(), page_size: t.Integer(), type_counts: t.Record(t.String(), t.Integer()) }))
  const existing = async (id: number) => {
    const row = await store.channels.get(id)
    if (!row) throw notFound(`Channel ${id} does not exist`)
    return row
  }

  return new Elysia({ name: 'tollgate.channels', prefix: '/api/channel' })
    .use(authPlugin(dependencies))
    .get('/', ({ query }) => listing(query, 10), { role: ROLE_ADMIN, query: t.Object(filterQuery), response: ListSchema, detail: { tags: ['Channels'], summary: 'List channels with filters and sorting' } })
    .get('/search', ({ query }) => listing(query, 20), { role: ROLE_ADMIN, query: t.Object(filterQuery), response: ListSchema, detail: { tags: ['Channels'], summary: 'Search channels by id, name, base URL, group, model' } })
    .get('/models_unpriced', () => ok([...new Set([...caches.routing.modelsByGroup.values()].flat())]
      .filter((model) => !model.endsWith('*') && !priceFor(caches.options, model, 1)).sort()), {
      role: ROLE_ADMIN, response: envelope(t.Array(t.String())),
      detail: { tags: ['Channels'], summary: 'Models enabled channels serve that have no price (ModelRatio / ModelPrice): requests for them are refused' },
    })
    .get('/models_enabled', () => ok([...new Set([...caches.routing.modelsByGroup.values()].flat())].sort()), {
      role: ROLE_ADMIN, response: envelope(t.Array(t.String())), detail: { tags: ['Channels'], summary: 'Model names served by enabled channels' },
    })
    .get('/types', () => ok(channelTypeCatalog(servedEndpoints)), {
      role: ROLE_ADMIN, response: envelope(t.Array(ChannelTypeEntrySchema)),
      detail: { tags: ['Channels'], summary: 'Channel types: names, default base URLs, key and `other` hints, and whether the relay supports each' },
    })
    .get('/:id', async ({ params }) => ok(channelJson(await existing(params.id))), {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: envelope(ChannelSchema), detail: { tags: ['Channels'], summary: 'Get one channel (without key)' },
    })
    .post('/:id/key', async ({ params, request, user }) => {
      // new-api: revealing an upstream key needs a fresh 2FA code or passkey check (POST /api/verify).
      await requireSecureVerification(dependencies, request, user)
      return ok({ key: secretBox.open((await existing(params.id)).keyCiphertext) })
    }, {
      role: ROLE_ROOT, params: t.Object({ id: t.Numeric() }), response: envelope(t.Object({ key: t.String() })), detail: { tags: ['Channels'], summary: 'Read a channel key (root, after POST /api/verify)' },
    })
    .post('/', async ({ body }) => {
      // new-api since 2025-06 wraps the channel as {mode, channel}; older scripts send the bare channel (batch mode).
      const wrapped = typeof body.channel === 'object' && body.channel !== null
      const channel = (wrapped ? body.channel : body) as ChannelInput
      const mode = wrapped ? (body.mode ?? 'single') : 'batch'
      if (!['single', 'batch', 'multi_to_single'].includes(mode as string)) throw badRequest(`mode "${mode}" is not supported; use single, batch or multi_to_single`)
      if (!channel.key?.trim()) throw badRequest('key is required')
      if (channel.type === undefined) throw badRequest('type is required')
      refuseUnrelayed(channel.type)
      if (!channel.name?.trim()) throw badRequest('name is required')
      if (!channel.models?.trim()) throw badRequest('models is required: list the model names this channel serves, comma-separated')
      const base = channelChanges(channel)
      const keys = splitKeys(channel.key)
      refuseBadCredentials(channel.type, mode === 'single' ? [channel.key] : keys, channel.other, true)
      let rows: NewChannel[]
      if (mode === 'multi_to_single' && keys.length > 1) {
        const info: ChannelInfo = { is_multi_key: true, multi_key_size: keys.length, multi_key_status_list: {}, multi_key_polling_index: 0, multi_key_mode: body.multi_key_mode === 'polling' ? 'polling' : 'random' }
        rows = [{ ...base, keyCiphertext: secretBox.seal(keys.join('\n')), channelInfo: JSON.stringify(info) } as NewChannel]
      } else if (mode === 'batch') {
        rows = keys.map((key) => ({ ...base, name: body.batch_add_set_key_prefix_2_name ? `${base.name} ${key.slice(0, 8)}` : base.name, keyCiphertext: secretBox.seal(key) }) as NewChannel)
      } else {
        rows = [{ ...base, keyCiphertext: secretBox.seal(channel.key.trim()) } as NewChannel]
      }
      const created = await store.channels.createMany(rows)
      await changed()
      return ok(created.map(channelJson))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        mode: t.Optional(t.String()), multi_key_mode: OptionalEnum(['random', 'polling']), batch_add_set_key_prefix_2_name: t.Optional(t.Boolean()),
        channel: t.Optional(ChannelInput), ...ChannelFields,
      }, { additionalProperties: true }),
      response: envelope(t.Array(ChannelSchema)),
      detail: { tags: ['Channels'], summary: 'Create channels: {mode: single|batch|multi_to_single, channel} or a bare channel object (batch)' },
    })
    .put('/', async ({ body }) => {
      const row = await existing(body.id)
      // An imported channel of a type not relayed yet stays editable (and disabled); changing a channel to such a type,
      // or enabling one, is refused.
      if ((body.type !== undefined && body.type !== row.type) || body.status === 1) refuseUnrelayed(body.type ?? row.type)
      const changes = channelChanges(body as ChannelInput)
      refuseBadCredentials(body.type ?? row.type, body.key?.trim() ? (readInfo(row).is_multi_key ? splitKeys(body.key) : [body.key]) : undefined, body.other)
      if (body.status !== undefined) changes.status = body.status
      if (body.key?.trim()) {
        const info = readInfo(row)
        if (info.is_multi_key) {
          const current = splitKeys(secretBox.open(row.keyCiphertext))
          const incoming = splitKeys(body.key)
          const keys = body.key_mode === 'append' ? [...current, ...incoming] : incoming
          changes.keyCiphertext = secretBox.seal(keys.join('\n'))
          changes.channelInfo = JSON.stringify({ ...info, multi_key_size: keys.length, multi_key_status_list: body.key_mode === 'append' ? info.multi_key_status_list : {}, multi_key_mode: body.multi_key_mode ?? info.multi_key_mode })
        } else {
          changes.keyCiphertext = secretBox.seal(body.key.trim())
        }
      } else if (body.multi_key_mode) {
        changes.channelInfo = JSON.stringify({ ...readInfo(row), multi_key_mode: body.multi_key_mode })
      }
      const updated = await store.channels.update(row.id, changes)
      await changed()
      return ok(channelJson(updated!))
    }, {
      role: ROLE_ADMIN,
      body: t.Object({ id: t.Integer(), status: OptionalEnum([1, 2, 3]), key_mode: OptionalEnum(['append', 'replace']), multi_key_mode: OptionalEnum(['random', 'polling']), ...ChannelFields }, { additionalProperties: true }),
      response: envelope(ChannelSchema),
      detail: { tags: ['Channels'], summary: 'Update a channel (fields present change; empty key keeps the key)' },
    })
    .post('/:id/status', async ({ params, body }) => {
      await existing(params.id)
      const count = await store.channels.setStatus([params.id], body.status)
      await changed()
      return ok(count > 0)
    }, {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), body: t.Object({ status: t.UnionEnum([1, 2]) }), response: envelope(t.Boolean()),
      detail: { tags: ['Channels'], summary: 'Enable (1) or disable (2) a channel' },
    })
    .post('/status/batch', async ({ body }) => {
      const count = await store.channels.setStatus(body.ids, body.status)
      await changed()
      return ok(count)
    }, {
      role: ROLE_ADMIN, body: t.Object({ ids: t.Array(t.Integer(), { minItems: 1, maxItems: 10_000 }), status: t.UnionEnum([1, 2]) }), response: envelope(t.Integer()),
      detail: { tags: ['Channels'], summary: 'Enable or disable several channels' },
    })
    .delete('/disabled', async () => {
      const count = await store.channels.deleteDisabled()
      await changed()
      return ok(count)
    }, { role: ROLE_ADMIN, response: envelope(t.Integer()), detail: { tags: ['Channels'], summary: 'Delete every disabled channel' } })
    .delete('/:id', async ({ params }) => {
      if (await store.channels.delete([params.id]) === 0) throw notFound(`Channel ${params.id} does not exist`)
      await changed()
      return ok()
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Channels'], summary: 'Delete a channel' } })
    .post('/batch', async ({ body }) => {
      const count = await store.channels.delete(body.ids)
      await changed()
      return ok(count)
    }, {
      role: ROLE_ADMIN, body: t.Object({ ids: t.Array(t.Integer(), { minItems: 1, maxItems: 10_000 }) }), response: envelope(t.Integer()),
      detail: { tags: ['Channels'], summary: 'Delete several channels' },
    })
}
