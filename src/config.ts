import { parseCidr } from './net/client-address.ts'
import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { cpus } from 'node:os'
import { DEFAULT_MAX_CONNECTIONS_PER_ORIGIN } from './net/http1-client.ts'
import { splitList } from './split-list.ts'

/**
 * Every environment variable Tollgate reads, validated once at start-up.
 * new-api's names are accepted as aliases so existing deployments keep their environment.
 */

const Bool = Type.Boolean()
const Int = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) => Type.Integer({ minimum, maximum })
/** new-api's per-address limits: on or off, requests, window in seconds (three variables each). */
const AddressLimit = Type.Object({ enabled: Bool, limit: Int(1, 2_147_483_647), seconds: Int(1, 86_400) })

const Origin = Type.String({ pattern: '^https?://[^/]+$' })

export const ConfigSchema = Type.Object({
  port: Int(0, 65535),
  host: Type.String({ minLength: 1 }),
  dataDir: Type.String({ minLength: 1 }),
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  redisUrl: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  sessionSecret: Type.Optional(Type.String({ minLength: 16 })),
  cryptoSecret: Type.Optional(Type.String({ minLength: 16 })),
  metricsToken: Type.Optional(Type.String({ minLength: 16 })),
  trustedProxies: Type.Array(Type.String()),
  initialRootPassword: Type.Optional(Type.String({ minLength: 8, maxLength: 64 })),
  streamingTimeoutSeconds: Int(1, 3600),
  forceStreamOption: Bool,
  getMediaToken: Bool,
  getMediaTokenNotStream: Bool,
  maxFileDownloadMb: Int(1, 1024),
  maxRequestBodyMb: Int(1, 1024),
  generateDefaultToken: Bool,
  difyDebug: Bool,
  updateTask: Bool,
  taskPollIntervalMs: Int(50, 3_600_000),
  taskTimeoutMinutes: Int(1, 525_600),
  geminiModelMap: Type.Record(Type.String(), Type.String()),
  geminiVisionMaxImageNum: Int(-1, 1000),
  cohereSafetySetting: Type.Union([Type.Literal('NONE'), Type.Literal('CONTEXTUAL'), Type.Literal('STRICT')]),
  azureDefaultApiVersion: Type.String({ minLength: 1 }),
  syncFrequencySeconds: Int(1, 86400),
  logRetentionDays: Int(0, 36500),
  cluster: Int(0, 1024),
  workerPoolSize: Int(0, 256),
  logFlushIntervalMs: Int(10, 60_000),
  logFlushRows: Int(1, 100_000),
  streamConversion: Type.Union([Type.Literal('inline'), Type.Literal('worker')]),
  upstreamClient: Type.Union([Type.Literal('http1'), Type.Literal('fetch')]),
  upstreamMaxConnectionsPerOrigin: Int(1),
  stripeApiBase: Type.Optional(Type.String({ pattern: '^https?://[^/]+/?$' })),
  turnstileVerifyUrl: Type.String({ pattern: '^https?://[^/]+(/.*)?$' }),
  notifyWebhookAllowHosts: Type.Array(Type.String()),
  ratioSyncAllowHosts: Type.Array(Type.String()),
  // Where the sign-in providers live (a local mock in tests, or a proxy): origins, no path.
  githubOAuthBase: Origin,
  githubApiBase: Origin,
  discordBase: Origin,
  linuxDoBase: Origin,
  usageWal: Bool,
  globalApiRateLimit: AddressLimit,
  globalWebRateLimit: AddressLimit,
  criticalRateLimit: AddressLimit,
})

export type Config = Static<typeof ConfigSchema>

/** A configuration problem found at start-up: names the variable and the form it expects. */
export class ConfigError extends Error {
  constructor(readonly variable: string, expected: string, got: string, secret: Variable['secret'] = undefined) {
    super(`Invalid ${variable}=${shown(got, secret)}: expected ${expected}`)
    this.name = 'ConfigError'
  }
}

/**
 * What a start-up error may print of a bad value: a secret never (its length only), a URL without its password,
 * anything else as given. Errors land in logs and terminals that others read.
 */
function shown(value: string, secret: Variable['secret']): string {
  if (secret === 'whole') return `<hidden, ${value.length} characters>`
  if (secret === 'url-password') return JSON.stringify(value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@'))
  return JSON.stringify(value)
}

type Env = Record<string, string | undefined>

interface Variable {
  names: string[]
  field: keyof Config
  expected: string
  parse: (raw: string) => unknown
  fallback?: () => unknown
  /** How much of a bad value an error may show: none of it, or a URL with its password masked. */
  secret?: 'whole' | 'url-password'
  /** The variable is one property of an object field (the address limits' three variables). */
  part?: string
}

const parseBool = (raw: string) => {
  const value = raw.trim().toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off', ''].includes(value)) return false
  return raw
}
const parseInteger = (raw: string) => (/^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw)
const parseString = (raw: string) => raw
const trimOrigin = (raw: string) => raw.trim().replace(/\/+$/, '')

/** GEMINI_MODEL_MAP is new-api's `model:version,model:version` list. */
const parseGeminiModelMap = (raw: string) => {
  const map: Record<string, string> = {}
  for (const entry of splitList(raw)) {
    const separator = entry.lastIndexOf(':')
    if (separator <= 0 || separator === entry.length - 1) return raw
    map[entry.slice(0, separator).trim()] = entry.slice(separator + 1).trim()
  }
  return map
}

/** TRUSTED_PROXIES: addresses and CIDR ranges, by commas or spaces; one bad entry fails the whole variable. */
const parseCidrList = (raw: string) => {
  const entries = splitList(raw.replace(/\s+/g, ','))
  try {
    for (const entry of entries) parseCidr(entry)
  } catch {
    return raw
  }
  return entries
}
const parseCluster = (raw: string) => (raw.trim().toLowerCase() === 'auto' ? cpus().length : parseInteger(raw))

const variables: Variable[] = [
  { names: ['PORT'], field: 'port', expected: 'an integer port 0-65535', parse: parseInteger, fallback: () => 3000 },
  { names: ['HOST'], field: 'host', expected: 'a bind address', parse: parseString, fallback: () => '0.0.0.0' },
  { names: ['DATA_DIR'], field: 'dataDir', expected: 'a directory path', parse: parseString, fallback: () => './data' },
  { names: ['DATABASE_URL', 'SQL_DSN'], field: 'databaseUrl', expected: 'a postgres:// URL (unset = embedded SQLite; a one-api / new-api MySQL database is copied over with `bun run import <its DSN>`)', parse: parseString, secret: 'url-password' },
  { names: ['REDIS_URL', 'REDIS_CONN_STRING'], field: 'redisUrl', expected: 'a redis:// or rediss:// URL', parse: parseString, secret: 'url-password' },
  { names: ['SESSION_SECRET'], field: 'sessionSecret', expected: 'a string of at least 16 characters', parse: parseString, secret: 'whole' },
  { names: ['CRYPTO_SECRET'], field: 'cryptoSecret', expected: 'a string of at least 16 characters', parse: parseString, secret: 'whole' },
  { names: ['TRUSTED_PROXIES'], field: 'trustedProxies', expected: 'IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.0/8,::1', parse: parseCidrList, fallback: () => [] },
  { names: ['METRICS_TOKEN'], field: 'metricsToken', expected: 'a string of at least 16 characters', parse: parseString, secret: 'whole' },
  { names: ['INITIAL_ROOT_PASSWORD'], field: 'initialRootPassword', expected: 'a password of 8-64 characters', parse: parseString, secret: 'whole' },
  { names: ['STREAMING_TIMEOUT'], field: 'streamingTimeoutSeconds', expected: 'seconds, 1-3600', parse: parseInteger, fallback: () => 300 },
  { names: ['FORCE_STREAM_OPTION'], field: 'forceStreamOption', expected: 'true or false', parse: parseBool, fallback: () => true },
  { names: ['GET_MEDIA_TOKEN'], field: 'getMediaToken', expected: 'true or false', parse: parseBool, fallback: () => true },
  { names: ['GET_MEDIA_TOKEN_NOT_STREAM'], field: 'getMediaTokenNotStream', expected: 'true or false', parse: parseBool, fallback: () => true },
  { names: ['MAX_FILE_DOWNLOAD_MB'], field: 'maxFileDownloadMb', expected: 'megabytes, 1-1024', parse: parseInteger, fallback: () => 20 },
  { names: ['MAX_REQUEST_BODY_MB'], field: 'maxRequestBodyMb', expected: 'megabytes, 1-1024', parse: parseInteger, fallback: () => 32 },
  { names: ['GENERATE_DEFAULT_TOKEN'], field: 'generateDefaultToken', expected: 'true or false', parse: parseBool, fallback: () => false },
  { names: ['DIFY_DEBUG'], field: 'difyDebug', expected: 'true or false', parse: parseBool, fallback: () => true },
  { names: ['UPDATE_TASK'], field: 'updateTask', expected: 'true or false', parse: parseBool, fallback: () => true },
  { names: ['TASK_POLL_INTERVAL_MS'], field: 'taskPollIntervalMs', expected: 'milliseconds, 50-3600000', parse: parseInteger, fallback: () => 15_000 },
  { names: ['TASK_TIMEOUT_MINUTES'], field: 'taskTimeoutMinutes', expected: 'minutes, 1-525600', parse: parseInteger, fallback: () => 1440 },
  { names: ['GEMINI_MODEL_MAP'], field: 'geminiModelMap', expected: 'model:version pairs separated by commas, e.g. gemini-1.0-pro:v1', parse: parseGeminiModelMap, fallback: () => ({}) },
  { names: ['GEMINI_VISION_MAX_IMAGE_NUM'], field: 'geminiVisionMaxImageNum', expected: 'an integer, -1 for no limit', parse: parseInteger, fallback: () => 16 },
  { names: ['COHERE_SAFETY_SETTING'], field: 'cohereSafetySetting', expected: 'NONE, CONTEXTUAL or STRICT', parse: (raw) => raw.trim().toUpperCase(), fallback: () => 'NONE' },
  { names: ['AZURE_DEFAULT_API_VERSION'], field: 'azureDefaultApiVersion', expected: 'an API version such as 2025-04-01-preview', parse: parseString, fallback: () => '2025-04-01-preview' },
  { names: ['SYNC_FREQUENCY'], field: 'syncFrequencySeconds', expected: 'seconds, 1-86400', parse: parseInteger, fallback: () => 60 },
  { names: ['LOG_RETENTION_DAYS'], field: 'logRetentionDays', expected: 'days, 0 = keep forever', parse: parseInteger, fallback: () => 0 },
  { names: ['CLUSTER'], field: 'cluster', expected: 'auto or a process count (0/1 = one process)', parse: parseCluster, fallback: () => 0 },
  { names: ['WORKER_POOL_SIZE'], field: 'workerPoolSize', expected: 'an integer, 0 = number of cores', parse: parseInteger, fallback: () => 0 },
  { names: ['LOG_FLUSH_INTERVAL_MS'], field: 'logFlushIntervalMs', expected: 'milliseconds, 10-60000', parse: parseInteger, fallback: () => 1000 },
  { names: ['LOG_FLUSH_ROWS'], field: 'logFlushRows', expected: 'rows, 1-100000', parse: parseInteger, fallback: () => 1000 },
  { names: ['STREAM_CONVERSION'], field: 'streamConversion', expected: 'inline or worker', parse: (raw) => raw.trim().toLowerCase(), fallback: () => 'inline' },
  { names: ['UPSTREAM_CLIENT'], field: 'upstreamClient', expected: 'http1 or fetch', parse: (raw) => raw.trim().toLowerCase(), fallback: () => 'http1' },
  { names: ['UPSTREAM_MAX_CONNECTIONS_PER_ORIGIN'], field: 'upstreamMaxConnectionsPerOrigin', expected: 'an integer of at least 1', parse: parseInteger, fallback: () => DEFAULT_MAX_CONNECTIONS_PER_ORIGIN },
  { names: ['NOTIFY_WEBHOOK_ALLOW_HOSTS'], field: 'notifyWebhookAllowHosts', expected: 'host names separated by commas', parse: (raw) => splitList(raw), fallback: () => [] },
  { names: ['RATIO_SYNC_ALLOW_HOSTS'], field: 'ratioSyncAllowHosts', expected: 'host names separated by commas', parse: (raw) => splitList(raw), fallback: () => [] },
  { names: ['STRIPE_API_BASE'], field: 'stripeApiBase', expected: 'an http(s) origin such as https://api.stripe.com (unset = Stripe\'s)', parse: parseString },
  { names: ['TURNSTILE_VERIFY_URL'], field: 'turnstileVerifyUrl', expected: 'an http(s) URL (unset = Cloudflare\'s siteverify)', parse: parseString, fallback: () => 'https://challenges.cloudflare.com/turnstile/v0/siteverify' },
  { names: ['GITHUB_OAUTH_BASE'], field: 'githubOAuthBase', expected: 'an http(s) origin such as https://github.com', parse: trimOrigin, fallback: () => 'https://github.com' },
  { names: ['GITHUB_API_BASE'], field: 'githubApiBase', expected: 'an http(s) origin such as https://api.github.com', parse: trimOrigin, fallback: () => 'https://api.github.com' },
  { names: ['DISCORD_BASE'], field: 'discordBase', expected: 'an http(s) origin such as https://discord.com', parse: trimOrigin, fallback: () => 'https://discord.com' },
  { names: ['LINUXDO_BASE'], field: 'linuxDoBase', expected: 'an http(s) origin such as https://connect.linux.do', parse: trimOrigin, fallback: () => 'https://connect.linux.do' },
  { names: ['USAGE_WAL'], field: 'usageWal', expected: 'true or false', parse: parseBool, fallback: () => true },
  // new-api's defaults: 360 API and 120 console requests per 180 s, and 20 critical requests per 1200 s, per address.
  ...addressLimitVariables('GLOBAL_API_RATE_LIMIT', 'globalApiRateLimit', 360, 180),
  ...addressLimitVariables('GLOBAL_WEB_RATE_LIMIT', 'globalWebRateLimit', 120, 180),
  ...addressLimitVariables('CRITICAL_RATE_LIMIT', 'criticalRateLimit', 20, 1200),
]

/**
 * NAME_ENABLE, NAME and NAME_DURATION fill one object field; each variable is checked on its own (so a bad value
 * names its variable) and the three are put together in loadConfig.
 */
function addressLimitVariables(name: string, field: 'globalApiRateLimit' | 'globalWebRateLimit' | 'criticalRateLimit', limit: number, seconds: number): Variable[] {
  return [
    { names: [`${name}_ENABLE`], field, part: 'enabled', expected: 'true or false', parse: parseBool, fallback: () => true },
    { names: [name], field, part: 'limit', expected: 'a whole number of requests ≥ 1 (turn the limit off with the _ENABLE variable)', parse: parseInteger, fallback: () => limit },
    { names: [`${name}_DURATION`], field, part: 'seconds', expected: 'seconds, 1-86400', parse: parseInteger, fallback: () => seconds },
  ]
}

/** Documented variables, in README order; used by the README test so the table never drifts. */
export const configVariables = variables.map(({ names, expected }) => ({ names, expected }))

/** Parse and validate the environment. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const candidate: Record<string, unknown> = {}
  for (const variable of variables) {
    const name = variable.names.find((alias) => env[alias] !== undefined && env[alias] !== '')
    const raw = name === undefined ? undefined : env[name]!
    const value = raw === undefined ? variable.fallback?.() : variable.parse(raw)
    if (value === undefined) continue
    let fieldSchema: TSchema = ConfigSchema.properties[variable.field]
    if (variable.part) {
      fieldSchema = (fieldSchema as TObject).properties[variable.part]!
      candidate[variable.field] = { ...(candidate[variable.field] as object), [variable.part]: value }
    } else {
      candidate[variable.field] = value
    }
    if (!Value.Check(fieldSchema, value)) {
      throw new ConfigError(name ?? variable.names[0]!, variable.expected, raw ?? String(value), variable.secret)
    }
  }
  if (candidate.workerPoolSize === 0) candidate.workerPoolSize = cpus().length
  // Bun's fetch honours HTTP(S)_PROXY; the HTTP/1.1 client connects directly. Behind an egress proxy, fetch it is.
  if (!env.UPSTREAM_CLIENT && proxyFromEnvironment(env)) candidate.upstreamClient = 'fetch'
  return candidate as Config
}

/** The egress proxy the environment names for upstream calls, if any. */
export function proxyFromEnvironment(env: Env = process.env): string | undefined {
  return env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy || undefined
}
