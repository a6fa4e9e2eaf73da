import type { SourceDatabase } from './source.ts'

/**
 * The one-api and new-api tables the importer knows, with every column either version has had in its gorm models
 * (union over versions, so an older database passes too). A table or column outside these lists means a schema
 * newer than the importer: it refuses, rather than silently dropping data it does not understand.
 *
 * `mapped`: copied into Tollgate. `dropped`: Tollgate has no place for it; the report lists it when a row holds a
 * value in it. `ignored`: bookkeeping whose loss changes nothing (a session counter, row timestamps Tollgate keeps
 * in other columns), not reported.
 */
export interface KnownTable { mapped: string[]; dropped: string[]; ignored?: string[] }

export const knownTables: Record<string, KnownTable> = {
  users: {
    mapped: ['id', 'username', 'password', 'display_name', 'role', 'status', 'email', 'access_token', 'quota', 'used_quota', 'request_count', 'group', 'aff_code', 'inviter_id', 'setting', 'created_at', 'deleted_at', 'github_id', 'discord_id', 'oidc_id', 'telegram_id', 'linux_do_id'],
    dropped: ['wechat_id', 'lark_id', 'aff_count', 'aff_quota', 'aff_history', 'invite_rebate_eligible', 'remark', 'stripe_customer', 'last_login_at'],
    ignored: ['auth_version'],
  },
  tokens: {
    mapped: ['id', 'user_id', 'key', 'status', 'name', 'created_time', 'accessed_time', 'expired_time', 'remain_quota', 'unlimited_quota', 'used_quota', 'model_limits_enabled', 'model_limits', 'allow_ips', 'group', 'cross_group_retry', 'models', 'subnet', 'deleted_at'],
    dropped: ['billing_type'],
  },
  channels: {
    mapped: ['id', 'type', 'key', 'openai_organization', 'test_model', 'status', 'name', 'weight', 'created_time', 'test_time', 'response_time', 'base_url', 'other', 'balance', 'balance_updated_time', 'models', 'group', 'used_quota', 'model_mapping', 'status_code_mapping', 'priority', 'auto_ban', 'tag', 'setting', 'param_override', 'header_override', 'remark', 'channel_info', 'settings', 'config'],
    dropped: ['other_info', 'system_prompt', 'need_reconcile', 'allow_streaming', 'allow_non_streaming', 'ratelimit'],
  },
  abilities: { mapped: ['group', 'model', 'channel_id', 'enabled', 'priority', 'weight', 'tag'], dropped: [] },
  options: { mapped: ['key', 'value'], dropped: [] },
  redemptions: {
    mapped: ['id', 'user_id', 'key', 'status', 'name', 'quota', 'created_time', 'redeemed_time', 'used_user_id', 'expired_time', 'deleted_at'],
    dropped: [],
  },
  logs: {
    mapped: ['id', 'user_id', 'created_at', 'type', 'content', 'username', 'token_name', 'model_name', 'quota', 'prompt_tokens', 'completion_tokens', 'use_time', 'is_stream', 'channel_id', 'token_id', 'group', 'ip', 'other', 'request_id', 'elapsed_time'],
    dropped: ['system_prompt_reset'],
  },
  top_ups: {
    mapped: ['id', 'user_id', 'amount', 'money', 'trade_no', 'payment_method', 'payment_provider', 'create_time', 'complete_time', 'status'],
    dropped: [],
  },
  quota_data: { mapped: ['id', 'user_id', 'username', 'model_name', 'created_at', 'token_used', 'count', 'quota'], dropped: [] },
  tasks: {
    mapped: ['id', 'task_id', 'platform', 'user_id', 'channel_id', 'quota', 'action', 'status', 'fail_reason', 'submit_time', 'start_time', 'finish_time', 'progress', 'properties', 'data'],
    // private_data holds upstream keys new-api keeps for polling; Tollgate's tasks have no sealed place for it.
    dropped: ['group', 'private_data'],
    ignored: ['created_at', 'updated_at'],
  },
  midjourneys: {
    mapped: ['id', 'code', 'user_id', 'action', 'mj_id', 'prompt', 'prompt_en', 'description', 'state', 'submit_time', 'start_time', 'finish_time', 'image_url', 'video_url', 'video_urls', 'status', 'progress', 'fail_reason', 'channel_id', 'quota', 'buttons', 'properties'],
    dropped: [],
  },
}

/** Tables of new-api / one-api features Tollgate does not have: listed in the report, not read. */
export const knownUnimportedTables = ['setups', 'vendors', 'models', 'prefill_groups', 'two_fas', 'two_fa_backup_codes', 'passkey_credentials', 'user_oauth_bindings', 'custom_oauth_providers', 'subscriptions', 'subscription_plans', 'user_subscriptions', 'subscription_orders', 'checkins', 'aff_logs']

/** The tables every one-api and new-api database has; without them the source is something else. */
const requiredTables = ['users', 'tokens', 'channels', 'options']

export type Flavour = 'one-api' | 'new-api'

export interface SourceSchema {
  flavour: Flavour
  /** Known tables present, with their columns. */
  tables: Map<string, string[]>
  /** Present tables the importer does not read. */
  skippedTables: string[]
}

export class SchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'SchemaError'
  }
}

/**
 * Reads the source's tables and columns and decides whether it is a one-api or a new-api database the importer
 * fully understands. Throws SchemaError listing every problem, so the operator sees them all at once.
 */
export async function inspectSchema(source: SourceDatabase): Promise<SourceSchema> {
  const present = new Set(await source.tables())
  const missing = requiredTables.filter((table) => !present.has(table))
  if (missing.length) {
    throw new SchemaError([`${source.location} is not a one-api or new-api database: it has no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}`])
  }
  const tables = new Map<string, string[]>()
  const problems: string[] = []
  for (const [table, known] of Object.entries(knownTables)) {
    if (!present.has(table)) continue
    const columns = await source.columns(table)
    const understood = new Set([...known.mapped, ...known.dropped, ...known.ignored ?? []])
    const unknown = columns.filter((column) => !understood.has(column))
    if (unknown.length) problems.push(`table ${table} has column${unknown.length > 1 ? 's' : ''} this importer does not know: ${unknown.join(', ')} (a newer schema?)`)
    tables.set(table, columns)
  }
  if (!tables.get('users')?.includes('password') || !tables.get('tokens')?.includes('key') || !tables.get('channels')?.includes('key')) {
    problems.unshift(`${source.location} is not a one-api or new-api database: its users, tokens and channels tables lack password / key columns`)
  }
  if (problems.length) throw new SchemaError(problems)
  const skippedTables = [...present].filter((table) => !(table in knownTables)).sort()
  return { flavour: detectFlavour(tables, present), tables, skippedTables }
}

/**
 * new-api can keep its logs in a database of their own (LOG_SQL_DSN): that source must have a logs table the
 * importer understands. Returns its columns.
 */
export async function inspectLogsSource(source: SourceDatabase): Promise<string[]> {
  if (!(await source.tables()).includes('logs')) throw new SchemaError([`${source.location} has no logs table`])
  const columns = await source.columns('logs')
  const known = knownTables.logs!
  const understood = new Set([...known.mapped, ...known.dropped])
  const unknown = columns.filter((column) => !understood.has(column))
  if (unknown.length) throw new SchemaError([`table logs in ${source.location} has columns this importer does not know: ${unknown.join(', ')} (a newer schema?)`])
  return columns
}

/** new-api added tables and columns one-api never had; one-api kept a few new-api dropped. */
function detectFlavour(tables: Map<string, string[]>, present: Set<string>): Flavour {
  const has = (table: string, column: string) => tables.get(table)?.includes(column) ?? false
  if (present.has('top_ups') || present.has('quota_data') || present.has('setups')) return 'new-api'
  if (has('channels', 'tag') || has('channels', 'channel_info') || has('tokens', 'model_limits')) return 'new-api'
  return 'one-api'
}
