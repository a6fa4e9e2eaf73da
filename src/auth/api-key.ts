import type { Caches } from '../cache/index.ts'
import type { TokenRow, UserRow } from '../db/store.ts'
import { GatewayError } from '../errors.ts'
import { isAllowed, parseAllowList, type AllowRule } from './ip-allow.ts'
import type { SecretBox } from '../security/crypto.ts'
import { splitList } from '../split-list.ts'

/** The caller of a relay request, resolved from the cache in a few map lookups. */
export interface RelayCaller {
  token: TokenRow
  user: UserRow
  /** Group the request is billed and routed in (token group, else the user's). */
  group: string
  /** `sk-KEY-CHANNELID`: a channel pinned by an administrator. */
  pinnedChannelId?: number
  /** Model limits as a set, or undefined when the token has none. */
  modelLimits?: ReadonlySet<string>
}

/**
 * API keys ("tokens") for every surface that takes one: the relay, the model lists, the legacy billing routes and
 * `/api/log/token`. One extractor, one memoised hash lookup, one set of status rules.
 */

/** new-api answers one message for every key failure since 2026-04 (no oracle for which keys exist). */
const invalidToken = () => new GatewayError(401, 'Invalid token', '')

/** Where the key comes from, in new-api's order (TokenAuth). */
export function extractKey(request: Request, path: string): string | undefined {
  const headers = request.headers
  const protocol = headers.get('sec-websocket-protocol')
  if (protocol) {
    const entry = protocol.split(',').map((part) => part.trim()).find((part) => part.startsWith('openai-insecure-api-key.'))
    if (entry) return entry.slice('openai-insecure-api-key.'.length)
  }
  if (path.includes('/v1/messages') || path.includes('/v1/models')) {
    const anthropicKey = headers.get('x-api-key')
    if (anthropicKey) return anthropicKey
  }
  if (path.startsWith('/v1beta/models') || path.startsWith('/v1beta/openai/models') || path.startsWith('/v1/models')) {
    // The query is parsed only here: a URL object per request is not free.
    const googleKey = headers.get('x-goog-api-key') ?? new URL(request.url).searchParams.get('key')
    if (googleKey) return googleKey
  }
  const authorization = headers.get('authorization')?.replace(/^bearer\s+/i, '').trim()
  if (!authorization || authorization === 'midjourney-proxy') return headers.get('mj-api-secret') ?? undefined
  return authorization
}

/** Parsed per-token extras, computed once per token row (rows are replaced on change, so a WeakMap is exact). */
const tokenExtras = new WeakMap<TokenRow, { allow: AllowRule[]; limits?: ReadonlySet<string> }>()
function extrasFor(token: TokenRow) {
  let extras = tokenExtras.get(token)
  if (!extras) {
    let allow: AllowRule[] = []
    try { allow = parseAllowList(token.allowIps) } catch { allow = [{ version: 4, network: -1n, mask: 0n }] } // unparsable list: allow nobody
    const limits = token.modelLimitsEnabled ? new Set(splitList(token.modelLimits)) : undefined
    extras = { allow, limits }
    tokenExtras.set(token, extras)
  }
  return extras
}

/**
 * The HMAC of a key, memoised: the same keys arrive again and again. The memo is indexed by a randomly seeded
 * 64-bit hash of the key (no raw key is kept); a collision would need a second key with the same seeded hash,
 * which cannot be aimed at without knowing the seed or the first key. Bounded: cleared when full.
 */
const hashSeed = BigInt(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER))
const hashMemos = new WeakMap<SecretBox, Map<bigint, string>>()
function lookupHash(secretBox: SecretBox, key: string): string {
  let hashMemo = hashMemos.get(secretBox)
  if (!hashMemo) hashMemos.set(secretBox, hashMemo = new Map())
  const index = Bun.hash(key, hashSeed) as bigint
  let hash = hashMemo.get(index)
  if (hash === undefined) {
    hash = secretBox.hash(key)
    if (hashMemo.size >= 100_000) hashMemo.clear()
    hashMemo.set(index, hash)
  }
  return hash
}

export interface TokenAuthDependencies {
  caches: Caches
  secretBox: SecretBox
  /** Remaining quota of the token after in-flight spending (ledger view). */
  tokenAvailable(token: TokenRow): number
  /** Called when a token is found expired or exhausted, so its status can be written lazily. */
  onTokenLapsed?(token: TokenRow, status: 3 | 4): void
}

/** `sk-KEY-CHANNELID` → the key and the pinned channel id (the `sk-` prefix and the pin are optional). */
export function splitKey(raw: string): { key: string; pin?: string } {
  const withoutPrefix = raw.startsWith('sk-') ? raw.slice(3) : raw
  const dash = withoutPrefix.indexOf('-')
  return dash === -1 ? { key: withoutPrefix } : { key: withoutPrefix.slice(0, dash), pin: withoutPrefix.slice(dash + 1) }
}

/**
 * A key holder reading its own records (`/api/log/token`): any token that is not disabled, so an expired or
 * exhausted key can still see where its quota went. The key comes as for the relay, or as `?key=` (what
 * neko-api-key-tool sends).
 */
export function authenticateKeyHolder(dependencies: Pick<TokenAuthDependencies, 'caches' | 'secretBox'>, request: Request, path: string): TokenRow {
  const raw = extractKey(request, path) ?? new URL(request.url).searchParams.get('key')?.trim()
  if (!raw) throw invalidToken()
  const token = dependencies.caches.tokenByHash(lookupHash(dependencies.secretBox, splitKey(raw).key))
  if (!token || token.status === 2) throw invalidToken()
  return token
}

/** Authenticate a relay request. Throws GatewayError with new-api's status codes and messages. */
export function authenticateRelay(dependencies: TokenAuthDependencies, request: Request, path: string, clientAddress: string): RelayCaller {
  const raw = extractKey(request, path)
  if (!raw) throw invalidToken()
  const { key, pin } = splitKey(raw)
  const token = dependencies.caches.tokenByHash(lookupHash(dependencies.secretBox, key))
  if (!token) throw invalidToken()
  return admitToken(dependencies, token, pin, clientAddress)
}

/**
 * The checks on a found token, for every way of presenting one (its key, or a realtime client secret the gateway
 * issued for it): status, expiry, remaining quota, IP allow-list, user status, group, and a pinned channel.
 */
export function admitToken(dependencies: TokenAuthDependencies, token: TokenRow, pin: string | undefined, clientAddress: string): RelayCaller {
  if (token.status !== 1) throw invalidToken()
  if (token.expiredTime !== -1 && token.expiredTime * 1000 < Date.now()) {
    dependencies.onTokenLapsed?.(token, 3)
    throw invalidToken()
  }
  if (!token.unlimitedQuota && dependencies.tokenAvailable(token) <= 0) {
    dependencies.onTokenLapsed?.(token, 4)
    throw invalidToken()
  }
  const extras = extrasFor(token)
  if (!isAllowed(extras.allow, clientAddress)) throw new GatewayError(403, 'Your IP address is not in the token\'s allow-list', 'access_denied')
  const user = dependencies.caches.user(token.userId)
  if (!user) throw invalidToken()
  if (user.status !== 1) throw new GatewayError(403, 'User has been banned', '')
  const group = token.group && token.group !== 'auto' ? token.group : user.group
  const options = dependencies.caches.options
  if (token.group && token.group !== 'auto' && token.group !== user.group && options.groupRatio[token.group] === undefined) {
    throw new GatewayError(403, `No access to group ${token.group}`, '')
  }
  let pinnedChannelId: number | undefined
  if (pin !== undefined && pin !== '') {
    if (user.role < 10) throw new GatewayError(403, 'Only administrators may pin a channel', '')
    pinnedChannelId = Number(pin)
    if (!Number.isInteger(pinnedChannelId) || pinnedChannelId <= 0) throw new GatewayError(400, `"${pin}" is not a channel id`, 'invalid_request')
    const channel = dependencies.caches.routing.byId.get(pinnedChannelId)
    if (!channel) throw new GatewayError(400, `Channel ${pinnedChannelId} does not exist`, 'invalid_request')
    if (channel.status !== 1) throw new GatewayError(403, `Channel ${pinnedChannelId} is disabled`, '')
  }
  return { token, user, group, pinnedChannelId, modelLimits: extras.limits }
}
