import { pgTable, serial, integer, bigint, text, doublePrecision, boolean, index, uniqueIndex } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

// Same tables, columns and JS keys as ./sqlite.ts; the data-access layer is written once against these keys.
// Times are unix seconds, money is integer quota (500 000 = 1 USD), JSON lives in text columns as new-api stores it.

const bool = (name: string) => boolean(name)
const int64 = (name: string) => bigint(name, { mode: 'number' })

export const usersTable = pgTable('users', {
  id: serial('id').primaryKey(),
  username: text('username').notNull(),
  passwordHash: text('password_hash').notNull(),
  displayName: text('display_name').notNull().default(''),
  role: integer('role').notNull().default(1),
  status: integer('status').notNull().default(1),
  email: text('email').notNull().default(''),
  accessTokenHash: text('access_token_hash'),
  quota: int64('quota').notNull().default(0),
  usedQuota: int64('used_quota').notNull().default(0),
  requestCount: integer('request_count').notNull().default(0),
  group: text('group').notNull().default('default'),
  affCode: text('aff_code').notNull().default(''),
  inviterId: integer('inviter_id').notNull().default(0),
  // Invitations (new-api's columns): people invited, rewards waiting to be moved into quota, rewards ever earned.
  affCount: integer('aff_count').notNull().default(0),
  affQuota: int64('aff_quota').notNull().default(0),
  /** The low-balance notice was sent and not re-armed by a credit above the threshold since. */
  quotaNoticeSent: bool('quota_notice_sent').notNull().default(false),
  affHistoryQuota: int64('aff_history_quota').notNull().default(0),
  setting: text('setting').notNull().default(''),
  mustChangePassword: bool('must_change_password').notNull().default(false),
  // Rate limits (src/traffic/): null = unlimited, 0 = none allowed.
  rpmLimit: integer('rpm_limit'),
  tpmLimit: integer('tpm_limit'),
  concurrencyLimit: integer('concurrency_limit'),
  createdTime: int64('created_time').notNull().default(0),
  // Sign-in identities (new-api's columns): the provider's user id, '' when none is bound (src/auth/oauth/).
  githubId: text('github_id').notNull().default(''),
  oidcId: text('oidc_id').notNull().default(''),
  linuxDoId: text('linux_do_id').notNull().default(''),
  discordId: text('discord_id').notNull().default(''),
  telegramId: text('telegram_id').notNull().default(''),
}, (table) => [
  uniqueIndex('users_username_unique').on(table.username),
  uniqueIndex('users_access_token_unique').on(table.accessTokenHash),
  index('users_aff_code_index').on(table.affCode),
  // One account per provider identity; the many unbound accounts all hold ''.
  ...(['githubId', 'oidcId', 'linuxDoId', 'discordId', 'telegramId'] as const).map((column) =>
    uniqueIndex(`users_${table[column].name}_unique`).on(table[column]).where(sql`${table[column]} <> ''`)),
])

export const tokensTable = pgTable('tokens', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  keyHash: text('key_hash').notNull(),
  keyCiphertext: text('key_ciphertext').notNull(),
  keyMask: text('key_mask').notNull(),
  status: integer('status').notNull().default(1),
  name: text('name').notNull().default(''),
  createdTime: int64('created_time').notNull().default(0),
  accessedTime: int64('accessed_time').notNull().default(0),
  expiredTime: int64('expired_time').notNull().default(-1),
  remainQuota: int64('remain_quota').notNull().default(0),
  unlimitedQuota: bool('unlimited_quota').notNull().default(false),
  usedQuota: int64('used_quota').notNull().default(0),
  modelLimitsEnabled: bool('model_limits_enabled').notNull().default(false),
  modelLimits: text('model_limits').notNull().default(''),
  allowIps: text('allow_ips').notNull().default(''),
  group: text('group').notNull().default(''),
  crossGroupRetry: bool('cross_group_retry').notNull().default(false),
  // Rate limits (src/traffic/): null = unlimited, 0 = none allowed.
  rpmLimit: integer('rpm_limit'),
  tpmLimit: integer('tpm_limit'),
  concurrencyLimit: integer('concurrency_limit'),
}, (table) => [
  uniqueIndex('tokens_key_hash_unique').on(table.keyHash),
  index('tokens_user_id_index').on(table.userId),
])

export const channelsTable = pgTable('channels', {
  id: serial('id').primaryKey(),
  type: integer('type').notNull().default(1),
  keyCiphertext: text('key_ciphertext').notNull(),
  name: text('name').notNull().default(''),
  status: integer('status').notNull().default(1),
  baseUrl: text('base_url').notNull().default(''),
  models: text('models').notNull().default(''),
  group: text('group').notNull().default('default'),
  priority: int64('priority').notNull().default(0),
  weight: integer('weight').notNull().default(0),
  modelMapping: text('model_mapping').notNull().default(''),
  statusCodeMapping: text('status_code_mapping').notNull().default(''),
  other: text('other').notNull().default(''),
  setting: text('setting').notNull().default(''),
  settings: text('settings').notNull().default(''),
  paramOverride: text('param_override').notNull().default(''),
  headerOverride: text('header_override').notNull().default(''),
  autoBan: integer('auto_ban').notNull().default(1),
  testModel: text('test_model').notNull().default(''),
  tag: text('tag').notNull().default(''),
  remark: text('remark').notNull().default(''),
  openaiOrganization: text('openai_organization').notNull().default(''),
  createdTime: int64('created_time').notNull().default(0),
  testTime: int64('test_time').notNull().default(0),
  responseTime: integer('response_time').notNull().default(0),
  balance: doublePrecision('balance').notNull().default(0),
  balanceUpdatedTime: int64('balance_updated_time').notNull().default(0),
  usedQuota: int64('used_quota').notNull().default(0),
  channelInfo: text('channel_info').notNull().default(''),
}, (table) => [index('channels_tag_index').on(table.tag)])

export const optionsTable = pgTable('options', {
  key: text('key').primaryKey(),
  value: text('value').notNull().default(''),
})

export const logsTable = pgTable('logs', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull().default(0),
  username: text('username').notNull().default(''),
  createdAt: int64('created_at').notNull(),
  type: integer('type').notNull(),
  content: text('content').notNull().default(''),
  tokenName: text('token_name').notNull().default(''),
  tokenId: integer('token_id').notNull().default(0),
  modelName: text('model_name').notNull().default(''),
  quota: int64('quota').notNull().default(0),
  promptTokens: integer('prompt_tokens').notNull().default(0),
  completionTokens: integer('completion_tokens').notNull().default(0),
  useTime: integer('use_time').notNull().default(0),
  isStream: bool('is_stream').notNull().default(false),
  channelId: integer('channel_id').notNull().default(0),
  group: text('group').notNull().default(''),
  ip: text('ip').notNull().default(''),
  requestId: text('request_id').notNull().default(''),
  upstreamRequestId: text('upstream_request_id').notNull().default(''),
  other: text('other').notNull().default(''),
}, (table) => [
  index('logs_created_at_index').on(table.createdAt),
  index('logs_user_id_created_at_index').on(table.userId, table.createdAt),
  index('logs_token_id_index').on(table.tokenId),
  index('logs_model_name_index').on(table.modelName),
  index('logs_request_id_index').on(table.requestId),
])

export const redemptionsTable = pgTable('redemptions', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull().default(0),
  key: text('key').notNull(),
  status: integer('status').notNull().default(1),
  name: text('name').notNull().default(''),
  quota: int64('quota').notNull().default(100),
  createdTime: int64('created_time').notNull().default(0),
  redeemedTime: int64('redeemed_time').notNull().default(0),
  usedUserId: integer('used_user_id').notNull().default(0),
  expiredTime: int64('expired_time').notNull().default(0),
}, (table) => [uniqueIndex('redemptions_key_unique').on(table.key)])

export const topUpsTable = pgTable('top_ups', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  amount: integer('amount').notNull().default(0),
  money: doublePrecision('money').notNull().default(0),
  tradeNo: text('trade_no').notNull(),
  paymentMethod: text('payment_method').notNull().default(''),
  paymentProvider: text('payment_provider').notNull().default(''),
  createTime: int64('create_time').notNull().default(0),
  completeTime: int64('complete_time').notNull().default(0),
  status: text('status').notNull().default('pending'),
  /** Set when the order buys a subscription plan (then it credits the plan, not `amount`). */
  planId: integer('plan_id').notNull().default(0),
}, (table) => [uniqueIndex('top_ups_trade_no_unique').on(table.tradeNo)])

/** Subscription plans: a price (USD, converted like a top-up), a period, and quota granted per period or per day. */
export const plansTable = pgTable('plans', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  price: doublePrecision('price').notNull(),
  periodDays: integer('period_days').notNull(),
  /** 'period': `quota` once a period; 'day': `quota` every day of it. */
  grantEvery: text('grant_every').notNull().default('period'),
  quota: int64('quota').notNull(),
  status: integer('status').notNull().default(1),
  createdTime: int64('created_time').notNull().default(0),
})

/**
 * A user's subscription: paid through `endTime`; every `grantSeconds` the unused part of the last grant is taken
 * back and a new grant given (spending counts against the grant first: `usedAtGrant` is the user's used quota then).
 */
export const subscriptionsTable = pgTable('subscriptions', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  planId: integer('plan_id').notNull(),
  status: text('status').notNull().default('active'),
  startTime: int64('start_time').notNull(),
  endTime: int64('end_time').notNull(),
  grantQuota: int64('grant_quota').notNull(),
  grantSeconds: integer('grant_seconds').notNull(),
  nextGrantTime: int64('next_grant_time').notNull(),
  currentGrant: int64('current_grant').notNull().default(0),
  usedAtGrant: int64('used_at_grant').notNull().default(0),
  createdTime: int64('created_time').notNull().default(0),
}, (table) => [
  index('subscriptions_user_id_index').on(table.userId),
  index('subscriptions_due_index').on(table.status, table.nextGrantTime),
])

export const tasksTable = pgTable('tasks', {
  id: serial('id').primaryKey(),
  taskId: text('task_id').notNull(),
  platform: text('platform').notNull(),
  userId: integer('user_id').notNull().default(0),
  channelId: integer('channel_id').notNull().default(0),
  quota: int64('quota').notNull().default(0),
  action: text('action').notNull().default(''),
  status: text('status').notNull().default(''),
  failReason: text('fail_reason').notNull().default(''),
  submitTime: int64('submit_time').notNull().default(0),
  startTime: int64('start_time').notNull().default(0),
  finishTime: int64('finish_time').notNull().default(0),
  progress: text('progress').notNull().default(''),
  properties: text('properties').notNull().default(''),
  data: text('data').notNull().default(''),
}, (table) => [
  index('tasks_task_id_index').on(table.taskId),
  index('tasks_user_id_index').on(table.userId),
])

export const quotaDataTable = pgTable('quota_data', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  username: text('username').notNull().default(''),
  modelName: text('model_name').notNull().default(''),
  createdAt: int64('created_at').notNull(),
  useGroup: text('use_group').notNull().default(''),
  tokenId: integer('token_id').notNull().default(0),
  channelId: integer('channel_id').notNull().default(0),
  nodeName: text('node_name').notNull().default(''),
  tokenUsed: int64('token_used').notNull().default(0),
  count: integer('count').notNull().default(0),
  quota: int64('quota').notNull().default(0),
}, (table) => [
  uniqueIndex('quota_data_bucket_unique').on(table.createdAt, table.userId, table.tokenId, table.channelId, table.modelName, table.useGroup),
  index('quota_data_user_id_index').on(table.userId, table.createdAt),
])

/** Signed-out sessions, until their cookie would have expired: every node refuses them (src/auth/session.ts). */
export const revokedSessionsTable = pgTable('revoked_sessions', {
  id: text('id').primaryKey(),
  userId: integer('user_id').notNull(),
  expiresAt: int64('expires_at').notNull(),
})

/** One row per sign-in, listed on the account page; ending one also revokes its id above (src/auth/sessions.ts). */
export const sessionsTable = pgTable('sessions', {
  id: text('id').primaryKey(),
  userId: integer('user_id').notNull(),
  /** `password`, `passkey`, an OAuth provider's name, or `cookie` for a session signed in before sessions were listed. */
  method: text('method').notNull().default(''),
  address: text('address').notNull().default(''),
  userAgent: text('user_agent').notNull().default(''),
  createdAt: int64('created_at').notNull(),
  lastSeenAt: int64('last_seen_at').notNull(),
  expiresAt: int64('expires_at').notNull(),
}, (table) => [index('sessions_user_id_index').on(table.userId)])

/**
 * E-mail codes and reset links, hashed, one live secret per purpose and address (`<purpose>:<email>`); the row
 * outlives its secret so the sending throttle (per address and per e-mail) holds across nodes (src/auth/email-codes.ts).
 */
export const emailCodesTable = pgTable('email_codes', {
  id: text('id').primaryKey(),
  purpose: text('purpose').notNull(),
  email: text('email').notNull(),
  /** '' once used, expired by a newer one, or when nothing could be redeemed (no such account). */
  secretHash: text('secret_hash').notNull().default(''),
  userId: integer('user_id').notNull().default(0),
  /** The client address that asked for the last send. */
  address: text('address').notNull().default(''),
  attempts: integer('attempts').notNull().default(0),
  sends: integer('sends').notNull().default(0),
  windowStart: int64('window_start').notNull().default(0),
  sentAt: int64('sent_at').notNull().default(0),
  expiresAt: int64('expires_at').notNull().default(0),
}, (table) => [index('email_codes_address_index').on(table.address, table.sentAt)])

/**
 * OAuth sign-ins under way: one row per `state` handed to a provider, bound to the browser that started it, taken
 * (deleted) by the callback, so a state works once, only in that browser, and only until it expires.
 */
export const oauthStatesTable = pgTable('oauth_states', {
  /** A hash of the state, so a database read does not hand out usable states. */
  stateHash: text('state_hash').primaryKey(),
  provider: text('provider').notNull(),
  /** `login`, or `bind` to attach the identity to `userId`. */
  action: text('action').notNull(),
  userId: integer('user_id').notNull().default(0),
  /** A hash of the random value in the starting browser's HttpOnly cookie. */
  browserHash: text('browser_hash').notNull(),
  codeVerifier: text('code_verifier').notNull().default(''),
  nonce: text('nonce').notNull().default(''),
  invitation: text('invitation').notNull().default(''),
  /** The redirect URI sent to the provider; the code exchange must send the same one, on whichever node it runs. */
  redirectUri: text('redirect_uri').notNull().default(''),
  expiresAt: int64('expires_at').notNull(),
})

/** TOTP two-factor sign-in per user (src/auth/two-factor.ts): the seed sealed, backup codes as HMACs, replay guard. */
export const twoFactorTable = pgTable('two_factor', {
  userId: integer('user_id').primaryKey(),
  sealedSecret: text('sealed_secret').notNull(),
  enabled: bool('enabled').notNull().default(false),
  /** JSON array of the unused backup codes' lookup hashes. */
  backupCodes: text('backup_codes').notNull().default('[]'),
  /** The last TOTP time step accepted: a code of that step or an earlier one is refused (no replay). */
  lastUsedStep: int64('last_used_step').notNull().default(0),
  failedAttempts: integer('failed_attempts').notNull().default(0),
  lockedUntil: int64('locked_until').notNull().default(0),
  createdAt: int64('created_at').notNull().default(0),
})

/** WebAuthn credentials (passkeys), several per user (src/auth/passkeys.ts). */
export const passkeyCredentialsTable = pgTable('passkey_credentials', {
  id: serial('id').primaryKey(),
  userId: integer('user_id').notNull(),
  /** base64url credential id, as the browser reports it. */
  credentialId: text('credential_id').notNull(),
  /** base64url COSE public key. */
  publicKey: text('public_key').notNull(),
  counter: int64('counter').notNull().default(0),
  transports: text('transports').notNull().default(''),
  name: text('name').notNull().default(''),
  createdAt: int64('created_at').notNull().default(0),
  lastUsedAt: int64('last_used_at').notNull().default(0),
}, (table) => [
  uniqueIndex('passkey_credentials_credential_id_unique').on(table.credentialId),
  index('passkey_credentials_user_id_index').on(table.userId),
])

/**
 * Pending sign-in steps (a 2FA flow token, a WebAuthn challenge): stored so each is used once on any node, and
 * expiring. `id` is the lookup hash of the token the client holds.
 */
export const authFlowsTable = pgTable('auth_flows', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  userId: integer('user_id').notNull().default(0),
  challenge: text('challenge').notNull().default(''),
  expiresAt: int64('expires_at').notNull(),
})
