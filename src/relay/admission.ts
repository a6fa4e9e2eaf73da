import { admitToken, authenticateRelay, type RelayCaller } from '../auth/api-key.ts'
import type { Ledger } from '../billing/ledger.ts'
import { groupRatioFor, priceFor, reservationFor, type Price } from '../billing/pricing.ts'
import type { LogCaller } from '../billing/usage-log.ts'
import type { Caches } from '../cache/index.ts'
import type { RuntimeOptions } from '../cache/options.ts'
import { filterTiers, findTiers, type CachedChannel, type Tier } from '../cache/routing.ts'
import { affinityOf } from '../channels/cache-affinity.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import type { Config } from '../config.ts'
import type { TokenRow, UserRow } from '../db/store.ts'
import { bodyTooLarge, GatewayError } from '../errors.ts'
import { providerForChannelType } from '../providers/index.ts'
import type { SecretBox } from '../security/crypto.ts'
import type { Endpoint, ParsedRequest, RelayContext, RouteInput } from './endpoint.ts'
import { checkRequestNumbers, reservationAmount } from './request-numbers.ts'
import { estimateTokens } from './token-counter.ts'
import type { PlannedLimits, RelayTraffic, TrafficTicket } from '../traffic/relay-traffic.ts'

let requestCounter = 0
const processTag = Math.random().toString(36).slice(2, 8)
/** Request ids: time + process + counter; unique without a random call per request. */
export const nextRequestId = () => `${Date.now().toString(36)}${processTag}${(requestCounter++ % 1_679_616).toString(36).padStart(4, '0')}`

const REASONING_SUFFIX = /-(high|medium|low|minimal)$/
const fail = (status: number, message: string, code: string): never => { throw new GatewayError(status, message, code) }

/**
 * The conversation hash that routes the request (cache-aware routing), when it is on, the body is long enough for
 * providers to cache and there is a choice to make: more than one channel or key.
 */
function affinityFor(endpoint: Endpoint, parsed: ParsedRequest, model: string, minChars: number | undefined, tiers: Tier[]): number | undefined {
  if (minChars === undefined || !endpoint.conversationRoot || parsed.bodyText.length < minChars) return undefined
  if (tiers.length === 1 && tiers[0]!.channels.length === 1 && tiers[0]!.channels[0]!.keys.length === 1) return undefined
  return affinityOf(endpoint.conversationRoot(parsed.body), model)
}

/**
 * The channels that may serve `model` for this caller: the channel its key pins, or the group's priority tiers
 * with the channels `accept` keeps (memoised per `key`, one per endpoint or session kind). Shared with realtime.
 */
export function channelTiers(caches: Caches, caller: RelayCaller, model: string, key: object, accept: (channel: CachedChannel) => boolean): Tier[] | undefined {
  if (caller.pinnedChannelId !== undefined) {
    const channel = caches.routing.byId.get(caller.pinnedChannelId)!
    return [{ priority: channel.priority, channels: [channel], cumulative: [1], total: 1 }]
  }
  const tiers = findTiers(caches.routing, caller.group, model)
  return tiers && filterTiers(tiers, key, accept)
}

/**
 * The groups an `auto`-group token tries, in order: AutoGroups (new-api's option) or else the user's own group and
 * then the usable groups, keeping only groups this user may use.
 */
export function autoGroupsFor(options: RuntimeOptions, user: UserRow): string[] {
  const usable = (group: string) => group === user.group || options.userUsableGroups[group] !== undefined
  const order = options.autoGroups.length > 0 ? options.autoGroups : [user.group, ...Object.keys(options.userUsableGroups)]
  return [...new Set(order)].filter(usable)
}

/**
 * The channels for `model`, and the caller as it is priced and logged: a token of the `auto` group is served by the
 * first of its groups with a channel for the model (that group's ratio applies); any other caller as it is.
 */
export function routeCaller(caches: Caches, caller: RelayCaller, model: string, key: object, accept: (channel: CachedChannel) => boolean): { caller: RelayCaller; tiers: Tier[] | undefined } {
  if (caller.token.group !== 'auto' || caller.pinnedChannelId !== undefined) return { caller, tiers: channelTiers(caches, caller, model, key, accept) }
  for (const group of autoGroupsFor(caches.options, caller.user)) {
    const routed = group === caller.group ? caller : { ...caller, group }
    const tiers = channelTiers(caches, routed, model, key, accept)
    if (tiers) return { caller: routed, tiers }
  }
  return { caller, tiers: undefined }
}

/** The model's price for this caller (its user's and token's groups); a 400 when none is configured. */
export function modelPrice(caches: Caches, caller: RelayCaller, model: string): Price {
  const options = caches.options
  return priceFor(options, model, groupRatioFor(options, caller.user.group, caller.group))
    ?? fail(400, `Model ${model} has no price configured: an administrator must set ModelRatio or ModelPrice for it`, 'model_price_error')
}

/** Who made a request, as the usage rows name them. */
export const logCallerOf = (holder: RelayCaller, ip: string): LogCaller => ({
  userId: holder.user.id, username: holder.user.username, tokenId: holder.token.id, tokenName: holder.token.name, group: holder.group, ip,
})

/**
 * Admission, the pipeline's first step (relay.ts runs the rest): authenticate the key, read the body, normalise
 * the model, find the channels that may serve it, price it and reserve quota. Everything refused here is refused
 * before anything is reserved or sent.
 */
export function createAdmission(dependencies: { config: Config; caches: Caches; secretBox: SecretBox; ledger: Ledger; health: ChannelHealth; traffic?: RelayTraffic }) {
  const { config, caches, secretBox, ledger, health, traffic } = dependencies
  const lapsedWrites = new Set<number>()
  const tokenAvailable = (token: { id: number; remainQuota: number }) => ledger.availableForToken(token.id, Number(token.remainQuota))

  const authDependencies = {
    caches, secretBox, tokenAvailable,
    onTokenLapsed: (token: { id: number; userId: number }, status: 3 | 4) => {
      if (lapsedWrites.has(token.id)) return
      lapsedWrites.add(token.id)
      health.markTokenLapsed(token.id, token.userId, status).finally(() => lapsedWrites.delete(token.id))
    },
  }
  const authenticate = (request: Request, path: string, clientAddress: string) => authenticateRelay(authDependencies, request, path, clientAddress)
  /** The same checks for a token found otherwise than by its key (a realtime client secret names it). */
  const authenticateToken = (token: TokenRow, clientAddress: string) => admitToken(authDependencies, token, undefined, clientAddress)


  /** Per endpoint, once: whether a channel's provider serves it. */
  const accepts = new Map<Endpoint, (channel: CachedChannel) => boolean>()
  function acceptFor(endpoint: Endpoint) {
    let accept = accepts.get(endpoint)
    if (!accept) {
      accept = (channel) => {
        const provider = providerForChannelType(channel.type)
        return provider !== undefined && endpoint.serves(provider)
      }
      accepts.set(endpoint, accept)
    }
    return accept
  }

  /** Steps 2-5: authenticate, normalise the model, price it and reserve quota. */
  async function admit(request: Request, endpoint: Endpoint, route: RouteInput): Promise<RelayContext> {
    const announced = Number(request.headers.get('content-length'))
    if (announced > config.maxRequestBodyMb * 1048576) throw bodyTooLarge(announced, config.maxRequestBodyMb)
    // The key first: an anonymous caller must not make the gateway read and parse a body of megabytes.
    const holder = authenticate(request, route.path, route.clientAddress)
    const requestId = nextRequestId()
    // Rate limits: with Redis they are checked in the reservation's own script (one round trip for both); in memory
    // here, so a refused request reads no body. Either way a refused request reserves nothing. Limits taken here are
    // given back if a later step refuses the request; otherwise the pipeline frees them when it is over (relay.ts).
    const planned = traffic?.plan(holder, requestId)
    const joined = planned && traffic!.joinsReservation && ledger.reserveWithin ? planned : undefined
    const acquired = planned && !joined ? traffic!.acquire(planned) : undefined
    const ticket = acquired instanceof Promise ? await acquired : acquired
    try {
      return await admitAdmitted(request, endpoint, route, holder, requestId, ticket, joined)
    } catch (error) {
      traffic?.finish(ticket, 0, false)
      throw error
    }
  }

  async function admitAdmitted(request: Request, endpoint: Endpoint, route: RouteInput, holder: RelayCaller, requestId: string, acquired: TrafficTicket | undefined, joined: PlannedLimits | undefined): Promise<RelayContext> {
    const parsed = await endpoint.read(request, route)
    checkRequestNumbers(parsed.body)
    let model = parsed.model
    if (!model) fail(400, 'Model name not specified, model name cannot be empty', 'invalid_request')
    const flagged = caches.options.promptFilter?.findInBody(parsed.body)
    if (flagged !== undefined) fail(400, `The prompt contains a word this gateway does not accept: ${flagged}`, 'sensitive_words_detected')
    let reasoningEffort: string | undefined
    let { caller: routed, tiers } = routeCaller(caches, holder, model, endpoint, acceptFor(endpoint))
    const suffix = tiers ? null : REASONING_SUFFIX.exec(model)
    if (suffix) {
      const base = routeCaller(caches, holder, model.slice(0, suffix.index), endpoint, acceptFor(endpoint))
      if (base.tiers) [model, reasoningEffort, tiers, routed] = [model.slice(0, suffix.index), suffix[1], base.tiers, base.caller]
    }
    holder = routed
    if (holder.modelLimits && !holder.modelLimits.has(model)) fail(403, `This token has no access to model ${model}`, '')
    if (!tiers) fail(503, `No available channel for model ${model} under group ${holder.group}${findTiers(caches.routing, holder.group, model) ? ` that serves ${route.path}` : ''}`, 'model_not_found')
    const options = caches.options
    const price = modelPrice(caches, holder, model)
    const amount = reservationAmount(endpoint.reserve
      ? endpoint.reserve(parsed, price, options.quotaPerUnit)
      : reservationFor(price, estimateTokens(parsed.bodyText.length), endpoint.completionReserve(parsed.body, options.preConsumedQuota), options.quotaPerUnit))
    const reserveRequest = {
      userId: holder.user.id, userQuota: Number(holder.user.quota), tokenId: holder.token.id, tokenQuota: Number(holder.token.remainQuota),
      unlimitedToken: holder.token.unlimitedQuota, amount,
    }
    let reservation: Awaited<ReturnType<Ledger['reserve']>>
    let ticket = acquired
    if (joined) {
      const outcome = await ledger.reserveWithin!(reserveRequest, { checks: joined.checks, leaseId: joined.ticket.leaseId })
      if (typeof outcome === 'object' && 'index' in outcome) throw traffic!.refusal(joined, outcome)
      reservation = outcome
      if (typeof outcome === 'object') ticket = traffic!.adopt(joined)
    } else {
      // The in-memory ledger answers synchronously; only the Redis one needs a round trip.
      const reserved = ledger.reserve(reserveRequest)
      reservation = reserved instanceof Promise ? await reserved : reserved
    }
    if (reservation === 'user') {
      const available = ledger.availableForUser(holder.user.id, Number(holder.user.quota))
      fail(403, available <= 0 ? `User quota is not enough, remaining quota: ${available}` : `Pre-consume failed: user remaining quota ${available} is less than the ${amount} this request may cost`, 'insufficient_user_quota')
    }
    if (reservation === 'token') fail(403, `Token quota is not enough for this request (needs up to ${amount})`, 'pre_consume_token_quota_failed')
    const caller = logCallerOf(holder, route.clientAddress)
    // One literal with every field, so every context has the same shape (a spread of the parsed request would not).
    return {
      body: parsed.body, bodyText: parsed.bodyText, model, stream: parsed.stream, clientWantsUsage: parsed.clientWantsUsage,
      canonical: parsed.canonical && { ...parsed.canonical, model, stream: parsed.stream }, anthropicBeta: parsed.anthropicBeta,
      form: parsed.form, extension: parsed.extension, endpoint, holder, caller, requestId, path: route.path,
      startedAt: performance.now(), reasoningEffort, price, reservation: reservation as Exclude<typeof reservation, string>,
      tiers: tiers!, tried: [], upstreamAbort: undefined, clientGone: false, traffic: ticket,
      affinity: affinityFor(endpoint, parsed, model, options.cacheAffinityMinChars, tiers!),
    }
  }

  /**
   * Cross-group retry (`cross_group_retry` on an `auto`-group token): when the serving group has no channel left to
   * try, move the request to the next of its groups that serves the model, priced and logged in that group. False
   * when there is none.
   */
  function nextGroup(context: RelayContext, clientAddress: string): boolean {
    const { holder } = context
    if (holder.token.group !== 'auto' || !holder.token.crossGroupRetry || holder.pinnedChannelId !== undefined) return false
    const groups = autoGroupsFor(caches.options, holder.user)
    for (const group of groups.slice(groups.indexOf(holder.group) + 1)) {
      const caller = { ...holder, group }
      const tiers = channelTiers(caches, caller, context.model, context.endpoint, acceptFor(context.endpoint))
      if (!tiers) continue
      const price = priceFor(caches.options, context.model, groupRatioFor(caches.options, caller.user.group, group))
      if (!price) continue
      Object.assign(context, { holder: caller, tiers, price, caller: logCallerOf(caller, clientAddress) })
      return true
    }
    return false
  }

  return { admit, authenticate, authenticateToken, tokenAvailable, nextGroup }
}
