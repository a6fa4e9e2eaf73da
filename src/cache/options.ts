import { defaultPriceOptions } from '../billing/default-prices.ts'
import { buildSensitiveMatcher, type SensitiveMatcher } from '../security/sensitive-words.ts'
import { splitList } from '../split-list.ts'
import { defaultLimitOptions, parseLimitOptions, validateLimitOption, type TrafficOptions } from '../traffic/limit-options.ts'

/**
 * Options as stored (string key → string value, new-api encoding) and as used (parsed once, on change).
 * The relay reads `RuntimeOptions`; nothing on the hot path parses JSON from options.
 */

export const defaultOptions: Record<string, string> = {
  QuotaPerUnit: '500000',
  RetryTimes: '0',
  // The price options come from the maintained table (src/billing/default-prices-table.ts), derived once; an
  // operator's saved option replaces the default of that name whole, as in new-api.
  ModelRatio: JSON.stringify(defaultPriceOptions.ModelRatio),
  CompletionRatio: JSON.stringify(defaultPriceOptions.CompletionRatio),
  CacheRatio: JSON.stringify(defaultPriceOptions.CacheRatio),
  CreateCacheRatio: JSON.stringify(defaultPriceOptions.CreateCacheRatio),
  // Per call, USD (per image for image models, per second of video for video models).
  ModelPrice: JSON.stringify(defaultPriceOptions.ModelPrice),
  // Image input tokens of gpt-image models cost this many times their text input tokens (new-api's ImageRatio).
  ImageRatio: JSON.stringify(defaultPriceOptions.ImageRatio),
  // Audio tokens of realtime and audio models relative to text input, and audio output relative to audio input.
  AudioRatio: JSON.stringify(defaultPriceOptions.AudioRatio),
  AudioCompletionRatio: JSON.stringify(defaultPriceOptions.AudioCompletionRatio),
  GroupRatio: JSON.stringify({ default: 1, vip: 1, svip: 1 }),
  GroupGroupRatio: '{}',
  UserUsableGroups: JSON.stringify({ default: 'Default group', vip: 'VIP group' }),
  PreConsumedQuota: '500',
  QuotaForNewUser: '0',
  RegisterEnabled: 'true',
  PasswordLoginEnabled: 'true',
  PasswordRegisterEnabled: 'true',
  EmailVerificationEnabled: 'false',
  EmailDomainRestrictionEnabled: 'false',
  EmailDomainWhitelist: '',
  TurnstileCheckEnabled: 'false',
  SMTPSSLEnabled: 'false',
  SelfUseModeEnabled: 'false',
  AutomaticDisableChannelEnabled: 'true',
  AutomaticEnableChannelEnabled: 'true',
  AutomaticDisableKeywords: ['Your credit balance is too low', 'This organization has been disabled.', 'You exceeded your current quota', 'Permission denied', 'The security token included in the request is invalid', 'Operation not allowed', 'Your account is not authorized', 'API key not valid', 'Incorrect API key provided'].join('\n'),
  AutomaticDisableStatusCodes: '401',
  AutomaticRetryStatusCodes: '100-199,300-399,401-407,409-499,500-503,505-523,525-599',
  ChannelDisableThreshold: '5',
  // Failover that does not flap (src/channels/circuit.ts): disable a key after this many disable-worthy failures
  // within the window, probe it half-open after the delay, cool a 429 down for its Retry-After or this default.
  ChannelFailureThreshold: '3',
  ChannelFailureWindowSeconds: '300',
  ChannelProbeDelaySeconds: '60',
  ChannelCooldownSeconds: '30',
  // Cache-aware routing (src/channels/cache-affinity.ts): a conversation's turns stick to one channel and key once its
  // request body is this long (about 1024 tokens, where providers start caching prompts).
  CacheAwareRoutingEnabled: 'true',
  CacheAwareRoutingMinChars: '4096',
  LogConsumeEnabled: 'true',
  CheckSensitiveEnabled: 'false',
  CheckSensitiveOnPromptEnabled: 'true',
  CheckSensitiveOnCompletionEnabled: 'false',
  SensitiveWords: '',
  DisplayInCurrencyEnabled: 'true',
  DisplayTokenStatEnabled: 'true',
  'general_setting.quota_display_type': 'USD',
  USDExchangeRate: '7.3',
  SystemName: 'Tollgate',
  'token_setting.max_user_tokens': '1000',
  ChannelTestFrequency: '0',
  // Midjourney relay (new-api's drawing settings).
  MjNotifyEnabled: 'false',
  MjAccountFilterEnabled: 'false',
  MjModeClearEnabled: 'false',
  MjForwardUrlEnabled: 'true',
  MjActionCheckSuccessEnabled: 'true',
  ...defaultLimitOptions,
}

/** Keys whose values are never returned by GET /api/option (new-api: names ending in Token/Secret/Key). */
export const isSecretOptionKey = (key: string) => /(Token|Secret|Key|secret|api_key)$/.test(key) && !publicKeyOptions.has(key)

/** Named like secrets but public: the Turnstile site key is in every page that shows the widget (/api/status). */
const publicKeyOptions = new Set(['TurnstileSiteKey'])

export interface StatusRange { from: number; to: number }

export interface RuntimeOptions {
  raw: Record<string, string>
  quotaPerUnit: number
  retryTimes: number
  modelRatio: Record<string, number>
  completionRatio: Record<string, number>
  cacheRatio: Record<string, number>
  createCacheRatio: Record<string, number>
  modelPrice: Record<string, number>
  /** Image input tokens relative to text input tokens, per model (ImageRatio). */
  imageRatio: Record<string, number>
  /** Audio input tokens relative to text input tokens, per model (AudioRatio). */
  audioRatio: Record<string, number>
  /** Audio output tokens relative to audio input tokens, per model (AudioCompletionRatio). */
  audioCompletionRatio: Record<string, number>
  groupRatio: Record<string, number>
  groupGroupRatio: Record<string, Record<string, number>>
  userUsableGroups: Record<string, string>
  /** The order `auto`-group tokens try groups in (AutoGroups, new-api's); empty: the user's group, then the usable ones. */
  autoGroups: string[]
  preConsumedQuota: number
  quotaForNewUser: number
  selfUseMode: boolean
  registerEnabled: boolean
  passwordLoginEnabled: boolean
  passwordRegisterEnabled: boolean
  autoDisableEnabled: boolean
  autoEnableEnabled: boolean
  autoDisableKeywords: string[]
  autoDisableStatusCodes: StatusRange[]
  retryStatusCodes: StatusRange[]
  logConsumeEnabled: boolean
  displayTokenStat: boolean
  quotaDisplayType: string
  usdExchangeRate: number
  maxUserTokens: number
  channelTestFrequencyMinutes: number
  /** Cache-aware routing: the body size from which a conversation sticks to its channel; undefined when off. */
  cacheAffinityMinChars: number | undefined
  failover: {
    threshold: number
    windowMs: number
    /** Until the first half-open probe of a disabled key (0: no probes). */
    probeMs: number
    defaultCoolMs: number
  }
  /** Prompts are refused when they contain one of SensitiveWords (CheckSensitiveEnabled and …OnPromptEnabled). */
  promptFilter?: SensitiveMatcher
  /** Chat answers are refused (streams cut) when they contain one of SensitiveWords (…OnCompletionEnabled). */
  completionFilter?: SensitiveMatcher
  /** Rate limits set by options: per group, and new-api's per-user model request limits when enabled. */
  traffic: TrafficOptions
  /**
   * Settings that are environment variables in new-api and that the admin console may also set as options;
   * an option, when stored, wins over the environment value.
   */
  overrides: {
    streamingTimeoutSeconds?: number
    forceStreamOption?: boolean
    getMediaToken?: boolean
    getMediaTokenNotStream?: boolean
    maxFileDownloadMb?: number
    logRetentionDays?: number
  }
}

/** Whole-number options with their valid ranges: those that override environment settings, then failover's. */
const wholeNumberRanges: Record<string, { min: number; max: number }> = {
  StreamingTimeout: { min: 1, max: 3600 },
  MaxFileDownloadMB: { min: 1, max: 1024 },
  LogRetentionDays: { min: 0, max: 36500 },
  ChannelFailureThreshold: { min: 1, max: 1000 },
  ChannelFailureWindowSeconds: { min: 1, max: 86_400 },
  ChannelProbeDelaySeconds: { min: 0, max: 86_400 },
  ChannelCooldownSeconds: { min: 1, max: 3600 },
  CacheAwareRoutingMinChars: { min: 0, max: 100_000_000 },
}
const overrideFlags = new Set(['ForceStreamOption', 'GetMediaToken', 'GetMediaTokenNotStream'])

/** Parse `401,403,500-599` into ranges; throws with the offending part. */
export function parseStatusRanges(text: string): StatusRange[] {
  const ranges: StatusRange[] = []
  for (const part of splitList(text)) {
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(part)
    if (!match) throw new Error(`"${part}" is not a status code or range like 500-599`)
    const from = Number(match[1])
    const to = Number(match[2] ?? match[1])
    if (from < 100 || to > 599 || from > to) throw new Error(`"${part}" is not a valid HTTP status range`)
    ranges.push({ from, to })
  }
  return ranges
}

export const statusInRanges = (status: number, ranges: StatusRange[]) => ranges.some((range) => status >= range.from && status <= range.to)

const jsonMapKeys = new Set(['ModelRatio', 'CompletionRatio', 'CacheRatio', 'CreateCacheRatio', 'ModelPrice', 'GroupRatio', 'ImageRatio', 'AudioRatio', 'AudioCompletionRatio', 'TopupGroupRatio'])

/**
 * Validate one option before it is stored. Returns the normalised string value or throws an Error whose message
 * tells the operator what is wrong.
 */
export function validateOption(key: string, value: unknown): string {
  const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value)
  if (jsonMapKeys.has(key)) {
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { throw new Error(`${key} must be a JSON object of name → number`) }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${key} must be a JSON object of name → number`)
    for (const [name, ratio] of Object.entries(parsed)) {
      if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0) throw new Error(`${key}: value for "${name}" must be a non-negative number`)
    }
  }
  if (key === 'AutoGroups') {
    let parsed: unknown
    try { parsed = JSON.parse(text) } catch { throw new Error('AutoGroups must be a JSON array of group names, e.g. ["default","vip"]') }
    if (!Array.isArray(parsed) || parsed.some((name) => typeof name !== 'string' || name === '')) throw new Error('AutoGroups must be a JSON array of group names, e.g. ["default","vip"]')
  }
  if (key === 'GroupGroupRatio' || key === 'UserUsableGroups') {
    try { JSON.parse(text) } catch { throw new Error(`${key} must be a JSON object`) }
  }
  validateLimitOption(key, text)
  if (key === 'AutomaticDisableStatusCodes' || key === 'AutomaticRetryStatusCodes') parseStatusRanges(text)
  if (key === 'SensitiveWords' && text.split('\n').length > 100_000) throw new Error('SensitiveWords holds at most 100 000 words (one per line)')
  if (['QuotaPerUnit', 'USDExchangeRate', 'ChannelDisableThreshold'].includes(key) && !(Number(text) > 0)) throw new Error(`${key} must be a positive number`)
  if (key === 'SMTPPort' && text.trim() !== '' && !(/^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= 65535)) throw new Error('SMTPPort must be a port number from 1 to 65535')
  if (key === 'SMTPFrom' && text.trim() !== '' && !/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(text.trim())) throw new Error('SMTPFrom must be an address (user@example.com or "Name <user@example.com>")')
  if (['RetryTimes', 'PreConsumedQuota', 'QuotaForNewUser', 'token_setting.max_user_tokens', 'ChannelTestFrequency'].includes(key) && !/^\d+$/.test(text.trim())) {
    throw new Error(`${key} must be a whole number ≥ 0`)
  }
  if ((key.endsWith('Enabled') || overrideFlags.has(key)) && !['true', 'false'].includes(text)) throw new Error(`${key} must be true or false`)
  const range = wholeNumberRanges[key]
  if (range && (!/^\d+$/.test(text.trim()) || Number(text) < range.min || Number(text) > range.max)) throw new Error(`${key} must be a whole number from ${range.min} to ${range.max}`)
  return text
}

/** The automaton for the current word list, built once per list (options reload on every resync). */
let lastWords: { text: string; matcher: SensitiveMatcher } | undefined
function sensitiveMatcherFor(text: string): SensitiveMatcher | undefined {
  if (lastWords?.text !== text) lastWords = { text, matcher: buildSensitiveMatcher(text.split('\n')) }
  return lastWords.matcher.size > 0 ? lastWords.matcher : undefined
}

function jsonObject<T>(text: string | undefined, fallback: T): T {
  try {
    const parsed = JSON.parse(text ?? '')
    return parsed && typeof parsed === 'object' ? parsed as T : fallback
  } catch {
    return fallback
  }
}

/** A JSON array of names; anything else (validated when saved) is none. */
function stringList(text: string | undefined): string[] {
  try {
    const parsed = JSON.parse(text ?? '[]')
    return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string' && name !== '') : []
  } catch {
    return []
  }
}

function ranges(text: string | undefined, fallback: string) {
  try { return parseStatusRanges(text ?? fallback) } catch { return parseStatusRanges(fallback) }
}

export function parseOptions(stored: Record<string, string>): RuntimeOptions {
  const raw = { ...defaultOptions, ...stored }
  const number = (key: string) => Number(raw[key] ?? defaultOptions[key])
  const flag = (key: string) => raw[key] === 'true'
  return {
    raw,
    quotaPerUnit: number('QuotaPerUnit') || 500000,
    retryTimes: Math.max(0, Math.min(10, number('RetryTimes') || 0)),
    modelRatio: jsonObject(raw.ModelRatio, {}),
    completionRatio: jsonObject(raw.CompletionRatio, {}),
    cacheRatio: jsonObject(raw.CacheRatio, {}),
    createCacheRatio: jsonObject(raw.CreateCacheRatio, {}),
    modelPrice: jsonObject(raw.ModelPrice, {}),
    imageRatio: jsonObject(raw.ImageRatio, {}),
    audioRatio: jsonObject(raw.AudioRatio, {}),
    audioCompletionRatio: jsonObject(raw.AudioCompletionRatio, {}),
    groupRatio: jsonObject(raw.GroupRatio, { default: 1 }),
    groupGroupRatio: jsonObject(raw.GroupGroupRatio, {}),
    userUsableGroups: jsonObject(raw.UserUsableGroups, { default: 'Default group' }),
    autoGroups: stringList(raw.AutoGroups),
    preConsumedQuota: number('PreConsumedQuota') || 0,
    quotaForNewUser: number('QuotaForNewUser') || 0,
    selfUseMode: flag('SelfUseModeEnabled'),
    registerEnabled: flag('RegisterEnabled'),
    passwordLoginEnabled: flag('PasswordLoginEnabled'),
    passwordRegisterEnabled: flag('PasswordRegisterEnabled'),
    autoDisableEnabled: flag('AutomaticDisableChannelEnabled'),
    autoEnableEnabled: flag('AutomaticEnableChannelEnabled'),
    autoDisableKeywords: (raw.AutomaticDisableKeywords ?? '').split('\n').map((line) => line.trim().toLowerCase()).filter(Boolean),
    autoDisableStatusCodes: ranges(raw.AutomaticDisableStatusCodes, defaultOptions.AutomaticDisableStatusCodes!),
    retryStatusCodes: ranges(raw.AutomaticRetryStatusCodes, defaultOptions.AutomaticRetryStatusCodes!),
    logConsumeEnabled: flag('LogConsumeEnabled'),
    displayTokenStat: flag('DisplayTokenStatEnabled'),
    quotaDisplayType: raw['general_setting.quota_display_type'] ?? 'USD',
    usdExchangeRate: number('USDExchangeRate') || 7.3,
    maxUserTokens: number('token_setting.max_user_tokens') || 1000,
    channelTestFrequencyMinutes: number('ChannelTestFrequency') || 0,
    cacheAffinityMinChars: flag('CacheAwareRoutingEnabled') ? Math.max(0, number('CacheAwareRoutingMinChars') || 0) : undefined,
    failover: {
      threshold: Math.max(1, number('ChannelFailureThreshold') || 3),
      windowMs: (number('ChannelFailureWindowSeconds') || 300) * 1000,
      probeMs: Math.max(0, number('ChannelProbeDelaySeconds') || 0) * 1000,
      defaultCoolMs: (number('ChannelCooldownSeconds') || 30) * 1000,
    },
    promptFilter: flag('CheckSensitiveEnabled') && flag('CheckSensitiveOnPromptEnabled') ? sensitiveMatcherFor(raw.SensitiveWords ?? '') : undefined,
    completionFilter: flag('CheckSensitiveEnabled') && flag('CheckSensitiveOnCompletionEnabled') ? sensitiveMatcherFor(raw.SensitiveWords ?? '') : undefined,
    traffic: parseLimitOptions(raw),
    overrides: {
      streamingTimeoutSeconds: stored.StreamingTimeout ? Number(stored.StreamingTimeout) : undefined,
      forceStreamOption: stored.ForceStreamOption ? stored.ForceStreamOption === 'true' : undefined,
      getMediaToken: stored.GetMediaToken ? stored.GetMediaToken === 'true' : undefined,
      getMediaTokenNotStream: stored.GetMediaTokenNotStream ? stored.GetMediaTokenNotStream === 'true' : undefined,
      maxFileDownloadMb: stored.MaxFileDownloadMB ? Number(stored.MaxFileDownloadMB) : undefined,
      logRetentionDays: stored.LogRetentionDays ? Number(stored.LogRetentionDays) : undefined,
    },
  }
}
