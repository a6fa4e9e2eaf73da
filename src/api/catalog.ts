import { t } from 'elysia'
import { channelTypeDefinitions } from '../providers/channel-types.ts'

/**
 * The management API's view of the channel-type table in providers/channel-types.ts: the names the channel
 * routes validate `type` against, and the response schema of GET /api/channel/types.
 */
export const channelTypeNames: Readonly<Record<number, string>> = Object.fromEntries(channelTypeDefinitions.map((definition) => [definition.type, definition.name]))

const LocalTextSchema = t.Object({ en: t.String(), zh: t.String() })

export const ChannelTypeEntrySchema = t.Object({
  type: t.Integer(), name: t.String(), label: t.String(), default_base_url: t.String(), base_url_required: t.Boolean(), base_url_hint: t.Nullable(LocalTextSchema),
  key_hint: t.Nullable(LocalTextSchema), key_is_json: t.Boolean(), other_label: t.Nullable(LocalTextSchema), other_hint: t.Nullable(LocalTextSchema),
  other_required: t.Boolean(), testable: t.Boolean(), has_balance: t.Boolean(), supported: t.Boolean(), default_models: t.Array(t.String()),
  serves: t.Array(t.String()),
})
