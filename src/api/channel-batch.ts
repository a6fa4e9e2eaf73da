import { Elysia, t } from 'elysia'
import type { ChannelRow, NewChannel } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { isChannelTypeSupported } from '../providers/index.ts'
import { maskKey } from '../security/crypto.ts'
import { splitList } from '../split-list.ts'
import { readInfo, withKeyStatus, type ChannelInfo } from '../channels/channel-info.ts'
import { channelChanges, splitKeys } from './channels.ts'
import { authPlugin, envelope, ok, OptionalEnum, ROLE_ADMIN, type ApiDependencies } from './context.ts'

/**
 * Channel operations on many channels or on the keys of one: new-api's tag routes (enable, disable, edit and set by
 * tag), copying a channel, and managing the keys of a multi-key channel one by one.
 */

const KEY_ENABLED = 1
const KEY_MANUAL = 2
const KEY_AUTO = 3

const KeyActions = ['get_key_status', 'disable_key', 'enable_key', 'delete_key', 'enable_all_keys', 'disable_all_keys', 'delete_disabled_keys'] as const
type KeyAction = typeof KeyActions[number]

/** A multi-key channel's keys after a key action, with statuses, reasons and times re-indexed when keys go. */
interface KeySet {
  keys: string[]
  info: ChannelInfo
}

function keySetOf(row: ChannelRow, open: (sealed: string) => string): KeySet {
  const info = readInfo(row)
  if (!info.is_multi_key) throw badRequest(`Channel ${row.id} is not a multi-key channel`)
  return { keys: splitKeys(open(row.keyCiphertext)), info }
}

const statusOf = (info: ChannelInfo, index: number) => info.multi_key_status_list[String(index)] ?? KEY_ENABLED

/** Keep the keys `keep` says yes to; statuses, reasons and times follow their keys to the new indexes. */
function retainKeys(set: KeySet, keep: (index: number) => boolean): KeySet {
  const keys: string[] = []
  const statuses: Record<string, number> = {}
  const reasons: Record<string, string> = {}
  const times: Record<string, number> = {}
  set.keys.forEach((key, index) => {
    if (!keep(index)) return
    const next = String(keys.length)
    keys.push(key)
    const status = statusOf(set.info, index)
    if (status !== KEY_ENABLED) statuses[next] = status
    const reason = set.info.multi_key_disabled_reason?.[String(index)]
    if (reason) reasons[next] = reason
    const time = set.info.multi_key_disabled_time?.[String(index)]
    if (time) times[next] = time
  })
  return {
    keys,
    info: { ...set.info, multi_key_size: keys.length, multi_key_status_list: statuses, multi_key_disabled_reason: reasons, multi_key_disabled_time: times, multi_key_polling_index: 0 },
  }
}

/** Set the status of some keys by hand; enabling clears the disable reason. */
const withStatus = (set: KeySet, indexes: number[], status: number): KeySet =>
  ({ keys: set.keys, info: withKeyStatus(set.info, indexes, status, 'disabled by an administrator') })

/**
 * The channel status that goes with its keys after `action`: enabling a key enables the channel; no enabled key
 * left disables it (automatically when some key was auto-disabled); otherwise a deletion leaves the status alone.
 */
function channelStatusFor(row: ChannelRow, set: KeySet, action: KeyAction): number {
  const enabled = set.keys.some((_, index) => statusOf(set.info, index) === KEY_ENABLED)
  if (!enabled) return set.keys.some((_, index) => statusOf(set.info, index) === KEY_AUTO) ? KEY_AUTO : KEY_MANUAL
  if (action === 'enable_key' || action === 'enable_all_keys') return KEY_ENABLED
  return row.status === KEY_AUTO ? KEY_ENABLED : row.status
}

const keyPreview = (key: string) => maskKey(key.startsWith('{') ? (JSON.parse(key) as { client_email?: string }).client_email ?? 'service account' : key)

export function channelBatchRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox } = dependencies
  const changed = () => caches.invalidate({ kind: 'channels' })

  const tagged = async (tag: string) => {
    if (!tag.trim()) throw badRequest('tag is required')
    const channels = await store.channels.byTag(tag.trim())
    if (channels.length === 0) throw notFound(`No channel has the tag "${tag.trim()}"`)
    return channels
  }
  const taggedIds = async (tag: string) => (await tagged(tag)).map((channel) => channel.id)

  const Tag = t.String({ minLength: 1, maxLength: 255, error: 'tag must be 1-255 characters' })

  return new Elysia({ name: 'tollgate.channel-batch', prefix: '/api/channel' })
    .use(authPlugin(dependencies))
    .post('/tag/enabled', async ({ body }) => {
      // A channel imported with a type this gateway does not relay stays disabled: enabled, it could only fail.
      const relayed = (await tagged(body.tag)).filter((channel) => isChannelTypeSupported(channel.type)).map((channel) => channel.id)
      const count = relayed.length ? await store.channels.setStatus(relayed, KEY_ENABLED) : 0
      await changed()
      return ok(count)
    }, { role: ROLE_ADMIN, body: t.Object({ tag: Tag }), response: envelope(t.Integer()), detail: { tags: ['Channels'], summary: 'Enable every channel with a tag whose type is relayed; data: how many changed' } })
    .post('/tag/disabled', async ({ body }) => {
      const count = await store.channels.setStatus(await taggedIds(body.tag), KEY_MANUAL)
      await changed()
      return ok(count)
    }, { role: ROLE_ADMIN, body: t.Object({ tag: Tag }), response: envelope(t.Integer()), detail: { tags: ['Channels'], summary: 'Disable every channel with a tag; data: how many changed' } })
    .put('/tag', async ({ body }) => {
      const ids = await taggedIds(body.tag)
      // The same validation as editing one channel: a bad mapping is refused naming its field, nothing changes.
      const changes: Partial<NewChannel> = channelChanges({
        priority: body.priority ?? undefined, weight: body.weight ?? undefined, model_mapping: body.model_mapping ?? undefined,
        models: body.models ?? undefined, group: body.groups ?? undefined, param_override: body.param_override ?? undefined,
        header_override: body.header_override ?? undefined, tag: body.new_tag ?? undefined,
      })
      if (body.models !== undefined && body.models !== null && !changes.models) throw badRequest('models must name at least one model')
      const count = await store.channels.updateMany(ids, changes)
      await changed()
      return ok(count)
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        tag: Tag, new_tag: t.Optional(t.Nullable(t.String({ maxLength: 255 }))), priority: t.Optional(t.Nullable(t.Integer())),
        weight: t.Optional(t.Nullable(t.Integer({ minimum: 0, maximum: 1_000_000 }))), model_mapping: t.Optional(t.Nullable(t.String({ maxLength: 100_000 }))),
        models: t.Optional(t.Nullable(t.String({ maxLength: 100_000 }))), groups: t.Optional(t.Nullable(t.String({ maxLength: 1024 }))),
        param_override: t.Optional(t.Nullable(t.String({ maxLength: 100_000 }))), header_override: t.Optional(t.Nullable(t.String({ maxLength: 100_000 }))),
      }),
      response: envelope(t.Integer()),
      detail: { tags: ['Channels'], summary: 'Edit every channel with a tag (fields present change; new_tag renames the tag)' },
    })
    .post('/batch/tag', async ({ body }) => {
      const count = await store.channels.updateMany(body.ids, { tag: body.tag?.trim() ?? '' })
      await changed()
      return ok(count)
    }, {
      role: ROLE_ADMIN, body: t.Object({ ids: t.Array(t.Integer(), { minItems: 1, maxItems: 10_000 }), tag: t.Optional(t.Nullable(t.String({ maxLength: 255 }))) }),
      response: envelope(t.Integer()), detail: { tags: ['Channels'], summary: 'Set (or, with an empty tag, clear) the tag of several channels' },
    })
    .get('/tag/models', async ({ query }) => {
      const ids = await taggedIds(query.tag)
      const rows = await Promise.all(ids.map((id) => store.channels.get(id)))
      // new-api answers the longest model list among the tag's channels, for the tag editor to start from.
      return ok(rows.reduce((longest, row) => (row && splitList(row.models).length > splitList(longest).length ? row.models : longest), ''))
    }, { role: ROLE_ADMIN, query: t.Object({ tag: Tag }), response: envelope(t.String()), detail: { tags: ['Channels'], summary: 'The model list of a tag\'s channels (the longest)' } })
    .post('/copy/:id', async ({ params, query }) => {
      const source = await store.channels.get(params.id)
      if (!source) throw notFound(`Channel ${params.id} does not exist`)
      const { id: _id, createdTime: _created, ...fields } = source
      const resetBalance = query.reset_balance !== 'false'
      const info = readInfo(source)
      const [copy] = await store.channels.createMany([{
        ...fields, name: `${source.name}${query.suffix ?? '_copy'}`.slice(0, 255), usedQuota: 0, responseTime: 0, testTime: 0,
        ...(resetBalance ? { balance: 0, balanceUpdatedTime: 0 } : {}),
        // A copy starts with every key as the operator gave it: no auto-disabled key carried over.
        channelInfo: info.is_multi_key ? JSON.stringify({ ...info, multi_key_status_list: {}, multi_key_disabled_reason: {}, multi_key_disabled_time: {}, multi_key_polling_index: 0 }) : source.channelInfo,
        status: source.status === KEY_AUTO ? KEY_ENABLED : source.status,
      }])
      await changed()
      return ok({ id: copy!.id })
    }, {
      role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }),
      query: t.Object({ suffix: t.Optional(t.String({ maxLength: 64 })), reset_balance: OptionalEnum(['true', 'false']) }),
      response: envelope(t.Object({ id: t.Integer() })),
      detail: { tags: ['Channels'], summary: 'Copy a channel (name + suffix, default "_copy"; balance reset unless reset_balance=false)' },
    })
    .post('/multi_key/manage', async ({ body }) => {
      const row = await store.channels.get(body.channel_id)
      if (!row) throw notFound(`Channel ${body.channel_id} does not exist`)
      const set = keySetOf(row, secretBox.open)
      const action = body.action as KeyAction
      const index = body.key_index
      const needIndex = () => {
        if (index === undefined || !Number.isInteger(index) || index < 0 || index >= set.keys.length) throw badRequest(`key_index must be from 0 to ${set.keys.length - 1}`)
        return index
      }

      if (action === 'get_key_status') {
        const all = set.keys.map((key, keyIndex) => ({
          index: keyIndex, status: statusOf(set.info, keyIndex), key_preview: keyPreview(key),
          disabled_time: set.info.multi_key_disabled_time?.[String(keyIndex)] ?? 0, reason: set.info.multi_key_disabled_reason?.[String(keyIndex)] ?? '',
        }))
        const filtered = body.status ? all.filter((key) => key.status === body.status) : all
        const pageSize = Math.min(Math.max(body.page_size ?? 50, 1), 500)
        const page = Math.max(body.page ?? 1, 1)
        return ok({
          keys: filtered.slice((page - 1) * pageSize, page * pageSize), total: filtered.length, page, page_size: pageSize,
          total_pages: Math.max(1, Math.ceil(filtered.length / pageSize)),
          enabled_count: all.filter((key) => key.status === KEY_ENABLED).length,
          manual_disabled_count: all.filter((key) => key.status === KEY_MANUAL).length,
          auto_disabled_count: all.filter((key) => key.status === KEY_AUTO).length,
        })
      }

      let next: KeySet
      switch (action) {
        case 'disable_key': next = withStatus(set, [needIndex()], KEY_MANUAL); break
        case 'enable_key': next = withStatus(set, [needIndex()], KEY_ENABLED); break
        case 'enable_all_keys': next = withStatus(set, set.keys.map((_, keyIndex) => keyIndex), KEY_ENABLED); break
        case 'disable_all_keys': next = withStatus(set, set.keys.map((_, keyIndex) => keyIndex), KEY_MANUAL); break
        case 'delete_key': {
          const doomed = needIndex()
          next = retainKeys(set, (keyIndex) => keyIndex !== doomed)
          break
        }
        case 'delete_disabled_keys': next = retainKeys(set, (keyIndex) => statusOf(set.info, keyIndex) !== KEY_AUTO); break
      }
      if (next.keys.length === 0) throw badRequest('A channel needs at least one key; delete the channel instead')
      const removed = set.keys.length - next.keys.length
      const status = channelStatusFor(row, next, action)
      await store.channels.update(row.id, { keyCiphertext: secretBox.seal(next.keys.join('\n')), channelInfo: JSON.stringify(next.info), status })
      await changed()
      return ok({ removed, size: next.keys.length, status })
    }, {
      role: ROLE_ADMIN,
      body: t.Object({
        channel_id: t.Integer(), action: t.UnionEnum([...KeyActions]), key_index: t.Optional(t.Integer()),
        page: t.Optional(t.Integer({ minimum: 1 })), page_size: t.Optional(t.Integer({ minimum: 1, maximum: 500 })), status: OptionalEnum([1, 2, 3]),
      }),
      response: envelope(t.Unknown()),
      detail: { tags: ['Channels'], summary: 'Keys of a multi-key channel: list with status, enable / disable / delete one or all' },
    })
}
