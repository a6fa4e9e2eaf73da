import type { NewChannel, NewLog, NewRedemption, NewTask, NewToken, NewTopUp, NewUser, QuotaDataIncrement } from '../db/store.ts'
import { NO_PASSWORD } from '../auth/oauth/sign-in.ts'
import { maskKey, type SecretBox } from '../security/crypto.ts'
import { mapOneApiChannelType } from './one-api-channel-types.ts'
import type { ImportReport } from './report.ts'
import { knownTables, type Flavour } from './schema.ts'
import type { SourceRow } from './source.ts'
import { bool, float, int, isEmptyValue, isSoftDeleted, text } from './values.ts'

/**
 * One pure function per table: a one-api / new-api row → the Tollgate row, or the reason it is left out. Secrets
 * are sealed here (channel keys, token keys) and token keys get their lookup hash, exactly as the management API
 * stores them, so the same `sk-` keys authenticate after the import.
 */
export interface MapContext {
  flavour: Flavour
  secretBox: SecretBox
  report: ImportReport
  /** Users present in Tollgate (tokens of users left out are left out too). */
  userIds: Set<number>
}

export type Mapped<T> = { row: T } | { skip: string }

/** Counts the dropped columns of `row` that hold a value, for the report. */
export function noteDropped(table: string, row: SourceRow, report: ImportReport) {
  for (const column of knownTables[table]?.dropped ?? []) {
    if (column in row && !isEmptyValue(row[column])) report.dropped(table, column)
  }
}

/** new-api's identity columns and where Tollgate keeps them (one account per identity: a unique index). */
const identityColumns = { github_id: 'githubId', discord_id: 'discordId', oidc_id: 'oidcId', telegram_id: 'telegramId', linux_do_id: 'linuxDoId' } as const
// The identities given out so far in one import: new-api checks uniqueness in code only, so a database may repeat one.
const identitiesSeen = new WeakMap<MapContext, Set<string>>()

function mapIdentities(row: SourceRow, context: MapContext): Partial<NewUser> {
  let seen = identitiesSeen.get(context)
  if (!seen) identitiesSeen.set(context, seen = new Set())
  // Every key on every row, '' when unbound: the bulk writer takes its columns from the first row.
  const identities: Partial<NewUser> = Object.fromEntries(Object.values(identityColumns).map((field) => [field, '']))
  for (const [column, field] of Object.entries(identityColumns)) {
    const value = text(row[column]).trim()
    if (!value) continue
    if (seen.has(`${column}:${value}`)) {
      context.report.note(`user ${int(row.id)} (${text(row.username)}) has the ${column} ${value} of an earlier user: imported without it`)
      continue
    }
    seen.add(`${column}:${value}`)
    identities[field] = value
  }
  return identities
}

export function mapUser(row: SourceRow, context: MapContext): Mapped<NewUser> {
  if (isSoftDeleted(row)) return { skip: 'deleted' }
  // one-api deletes a user by renaming it and setting status 3.
  if (int(row.status) === 3) return { skip: 'deleted' }
  const accessToken = text(row.access_token).trim()
  const password = text(row.password)
  if (!password) context.report.note(`user ${int(row.id)} (${text(row.username)}) has no password (signs in by OAuth only): imported without one`)
  return {
    row: {
      id: int(row.id), username: text(row.username), passwordHash: password || NO_PASSWORD, displayName: text(row.display_name),
      role: int(row.role) || 1, status: int(row.status) || 1, email: text(row.email),
      accessTokenHash: accessToken ? context.secretBox.hash(accessToken) : null,
      quota: int(row.quota), usedQuota: int(row.used_quota), requestCount: int(row.request_count), group: text(row.group) || 'default',
      affCode: text(row.aff_code), inviterId: int(row.inviter_id), setting: text(row.setting), createdTime: int(row.created_at),
      ...mapIdentities(row, context),
    },
  }
}

export function mapToken(row: SourceRow, context: MapContext): Mapped<NewToken> {
  if (isSoftDeleted(row)) return { skip: 'deleted' }
  if (!context.userIds.has(int(row.user_id))) return { skip: 'of users not imported' }
  const key = text(row.key).trim().replace(/^sk-/, '')
  if (!key) return { skip: 'without a key' }
  // one-api: `models` (comma list) and `subnet` (comma list of CIDRs); new-api: model_limits and allow_ips (lines).
  const oneApiModels = text(row.models)
  const modelLimits = context.flavour === 'one-api' ? oneApiModels : text(row.model_limits)
  const allowIps = context.flavour === 'one-api' ? text(row.subnet).split(',').map((part) => part.trim()).filter(Boolean).join('\n') : text(row.allow_ips)
  return {
    row: {
      id: int(row.id), userId: int(row.user_id), keyHash: context.secretBox.hash(key), keyCiphertext: context.secretBox.seal(key), keyMask: maskKey(key),
      status: int(row.status) || 1, name: text(row.name), createdTime: int(row.created_time), accessedTime: int(row.accessed_time),
      expiredTime: row.expired_time === null || row.expired_time === undefined ? -1 : int(row.expired_time),
      remainQuota: int(row.remain_quota), unlimitedQuota: bool(row.unlimited_quota), usedQuota: int(row.used_quota),
      modelLimitsEnabled: context.flavour === 'one-api' ? oneApiModels.trim() !== '' : bool(row.model_limits_enabled), modelLimits,
      allowIps, group: text(row.group), crossGroupRetry: bool(row.cross_group_retry),
    },
  }
}

/** one-api keeps per-type settings in `config` JSON; the ones new-api (and so Tollgate) keeps elsewhere are moved. */
function oneApiConfig(row: SourceRow, type: number, context: MapContext) {
  let config: Record<string, string> = {}
  try { config = JSON.parse(text(row.config) || '{}') } catch { /* unreadable: reported below as dropped */ }
  let key = text(row.key)
  let other = text(row.other)
  const used = new Set<string>()
  if (type === 33 && config.ak && config.sk) { key = `${config.ak}|${config.sk}|${config.region ?? ''}`; used.add('ak').add('sk').add('region') }
  if (config.api_version && !other) { other = config.api_version; used.add('api_version') }
  if (config.library_id && !other) { other = config.library_id; used.add('library_id') }
  if (config.plugin && !other) { other = config.plugin; used.add('plugin') }
  const left = Object.keys(config).filter((name) => !used.has(name) && config[name])
  if (left.length) context.report.note(`channel ${int(row.id)} (${text(row.name)}): one-api config fields ${left.join(', ')} not carried over`)
  return { key, other }
}

export function mapChannel(row: SourceRow, context: MapContext): Mapped<NewChannel> {
  let type = int(row.type)
  let status = int(row.status) || 1
  let baseUrl = text(row.base_url)
  let { key, other } = { key: text(row.key), other: text(row.other) }
  if (context.flavour === 'one-api') {
    const mapped = mapOneApiChannelType(type)
    if (!mapped) {
      context.report.note(`channel ${int(row.id)} (${text(row.name)}): one-api type ${type} has no Tollgate equivalent; imported disabled as Custom`)
      status = 2
    }
    ({ key, other } = oneApiConfig(row, type, context))
    type = mapped?.type ?? 8
    if (!baseUrl && mapped?.defaultBaseUrl) baseUrl = mapped.defaultBaseUrl
  }
  if (!key.trim()) context.report.note(`channel ${int(row.id)} (${text(row.name)}) has no key`)
  return {
    row: {
      id: int(row.id), type, keyCiphertext: context.secretBox.seal(key.trim()), name: text(row.name), status, baseUrl,
      models: text(row.models), group: text(row.group) || 'default', priority: int(row.priority), weight: int(row.weight),
      modelMapping: text(row.model_mapping), statusCodeMapping: text(row.status_code_mapping), other, setting: text(row.setting),
      settings: text(row.settings), paramOverride: text(row.param_override), headerOverride: text(row.header_override),
      autoBan: row.auto_ban === null || row.auto_ban === undefined ? 1 : int(row.auto_ban), testModel: text(row.test_model), tag: text(row.tag),
      remark: text(row.remark), openaiOrganization: text(row.openai_organization), createdTime: int(row.created_time), testTime: int(row.test_time),
      responseTime: int(row.response_time), balance: float(row.balance), balanceUpdatedTime: int(row.balance_updated_time),
      usedQuota: int(row.used_quota), channelInfo: text(row.channel_info),
    },
  }
}

export function mapRedemption(row: SourceRow): Mapped<NewRedemption> {
  if (isSoftDeleted(row)) return { skip: 'deleted' }
  return {
    row: {
      id: int(row.id), userId: int(row.user_id), key: text(row.key), status: int(row.status) || 1, name: text(row.name), quota: int(row.quota),
      createdTime: int(row.created_time), redeemedTime: int(row.redeemed_time), usedUserId: int(row.used_user_id), expiredTime: int(row.expired_time),
    },
  }
}

export function mapTopUp(row: SourceRow): Mapped<NewTopUp> {
  return {
    row: {
      id: int(row.id), userId: int(row.user_id), amount: int(row.amount), money: float(row.money), tradeNo: text(row.trade_no),
      paymentMethod: text(row.payment_method), paymentProvider: text(row.payment_provider), createTime: int(row.create_time),
      completeTime: int(row.complete_time), status: text(row.status) || 'pending',
    },
  }
}

export function mapLog(row: SourceRow): Mapped<NewLog> {
  // one-api measures elapsed_time in milliseconds; new-api (and Tollgate) keep use_time in seconds.
  const useTime = 'elapsed_time' in row && !('use_time' in row) ? Math.round(int(row.elapsed_time) / 1000) : int(row.use_time)
  return {
    row: {
      id: int(row.id), userId: int(row.user_id), username: text(row.username), createdAt: int(row.created_at), type: int(row.type),
      content: text(row.content), tokenName: text(row.token_name), tokenId: int(row.token_id), modelName: text(row.model_name), quota: int(row.quota),
      promptTokens: int(row.prompt_tokens), completionTokens: int(row.completion_tokens), useTime, isStream: bool(row.is_stream),
      channelId: int(row.channel_id), group: text(row.group), ip: text(row.ip), requestId: text(row.request_id), other: text(row.other),
    },
  }
}

export function mapQuotaData(row: SourceRow): Mapped<QuotaDataIncrement> {
  return {
    row: {
      userId: int(row.user_id), username: text(row.username), modelName: text(row.model_name), createdAt: int(row.created_at), useGroup: '',
      tokenId: 0, channelId: 0, tokenUsed: int(row.token_used), count: int(row.count), quota: int(row.quota),
    },
  }
}

export function mapTask(row: SourceRow): Mapped<NewTask> {
  return {
    row: {
      id: int(row.id), taskId: text(row.task_id), platform: text(row.platform), userId: int(row.user_id), channelId: int(row.channel_id),
      quota: int(row.quota), action: text(row.action), status: text(row.status), failReason: text(row.fail_reason),
      submitTime: int(row.submit_time), startTime: int(row.start_time), finishTime: int(row.finish_time), progress: text(row.progress),
      properties: text(row.properties), data: text(row.data),
    },
  }
}

/** new-api's midjourneys table → a task of platform `mj` (new-api's platform name), its times in seconds. */
export function mapMidjourney(row: SourceRow): Mapped<NewTask> {
  const seconds = (value: unknown) => Math.floor(int(value) / 1000)
  let buttons: unknown = text(row.buttons)
  try { buttons = JSON.parse(text(row.buttons) || '[]') } catch { /* keep the text */ }
  const data = {
    code: int(row.code), prompt: text(row.prompt), prompt_en: text(row.prompt_en), description: text(row.description), state: text(row.state),
    image_url: text(row.image_url), video_url: text(row.video_url), video_urls: text(row.video_urls), buttons,
  }
  return {
    row: {
      taskId: text(row.mj_id), platform: 'mj', userId: int(row.user_id), channelId: int(row.channel_id), quota: int(row.quota),
      action: text(row.action), status: text(row.status), failReason: text(row.fail_reason), submitTime: seconds(row.submit_time),
      startTime: seconds(row.start_time), finishTime: seconds(row.finish_time), progress: text(row.progress), properties: text(row.properties),
      data: JSON.stringify(data),
    },
  }
}
