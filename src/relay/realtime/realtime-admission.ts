import type { RelayCaller } from '../../auth/api-key.ts'
import type { Ledger, Reservation } from '../../billing/ledger.ts'
import { audioRatiosFor, groupRatioFor, priceFor, reservationFor, type Price } from '../../billing/pricing.ts'
import type { LogCaller } from '../../billing/usage-log.ts'
import type { Caches } from '../../cache/index.ts'
import { filterTiers, findTiers, type CachedChannel, type Tier } from '../../cache/routing.ts'
import { GatewayError } from '../../errors.ts'
import { providerForChannelType } from '../../providers/index.ts'
import type { Relay } from '../relay.ts'
import { nextRequestId } from '../relay.ts'

/** A realtime session as admitted at the upgrade: who, which model at which price, which channels, what is reserved. */
export interface RealtimeAdmission {
  holder: RelayCaller
  caller: LogCaller
  model: string
  price: Price
  audioRatios: { audioRatio: number; audioCompletionRatio: number }
  tiers: Tier[]
  requestId: string
  /** What the session holds reserved while a response may be running (re-reserved after every response). */
  reserveAmount: number
  reservation: Reservation
}

/** Whether a channel's provider serves realtime sessions (routing skips the others). */
const servesRealtime = (channel: CachedChannel) => providerForChannelType(channel.type)?.realtime !== undefined
const REALTIME = {}

/**
 * The same admission as every relay request, once, at the upgrade: the token (any of its places, the browser's
 * `openai-insecure-api-key.` subprotocol included) with its status, expiry, IP allow-list and group; the model,
 * its limits, its price and a channel that serves realtime; then a reservation. Every refusal is a GatewayError,
 * answered over HTTP before any WebSocket exists.
 */
export async function admitRealtime(dependencies: { relay: Relay; caches: Caches; ledger: Ledger }, request: Request, model: string, clientAddress: string): Promise<RealtimeAdmission> {
  const { relay, caches, ledger } = dependencies
  const holder = relay.authenticate(request, '/v1/realtime', clientAddress)
  if (!model) throw new GatewayError(400, 'Model name not specified: connect to /v1/realtime?model=<model>', 'invalid_request')
  if (holder.modelLimits && !holder.modelLimits.has(model)) throw new GatewayError(403, `This token has no access to model ${model}`, '')
  let tiers: Tier[] | undefined
  if (holder.pinnedChannelId !== undefined) {
    const channel = caches.routing.byId.get(holder.pinnedChannelId)!
    tiers = servesRealtime(channel) ? [{ priority: channel.priority, channels: [channel], cumulative: [1], total: 1 }] : undefined
  } else {
    const all = findTiers(caches.routing, holder.group, model)
    tiers = all && filterTiers(all, REALTIME, servesRealtime)
    if (!tiers) throw new GatewayError(404, `No available channel for model ${model} under group ${holder.group}${all ? ' that serves realtime sessions' : ''}`, 'model_not_found')
  }
  if (!tiers) throw new GatewayError(404, `Channel ${holder.pinnedChannelId} does not serve realtime sessions`, 'model_not_found')
  const options = caches.options
  const price = priceFor(options, model, groupRatioFor(options, holder.user.group, holder.group))
  if (!price) throw new GatewayError(400, `Model ${model} has no price configured: an administrator must set ModelRatio or ModelPrice for it`, 'model_price_error')
  const reserveAmount = reservationFor(price, 0, options.preConsumedQuota, options.quotaPerUnit)
  const reserved = await ledger.reserve({
    userId: holder.user.id, userQuota: Number(holder.user.quota), tokenId: holder.token.id, tokenQuota: Number(holder.token.remainQuota),
    unlimitedToken: holder.token.unlimitedQuota, amount: reserveAmount,
  })
  if (reserved === 'user') throw new GatewayError(403, `User quota is not enough, remaining quota: ${ledger.availableForUser(holder.user.id, Number(holder.user.quota))}`, 'insufficient_user_quota')
  if (reserved === 'token') throw new GatewayError(403, `Token quota is not enough for a realtime session (needs ${reserveAmount})`, 'pre_consume_token_quota_failed')
  return {
    holder, model, price, tiers, reserveAmount, reservation: reserved,
    audioRatios: audioRatiosFor(options, model),
    caller: { userId: holder.user.id, username: holder.user.username, tokenId: holder.token.id, tokenName: holder.token.name, group: holder.group, ip: clientAddress },
    requestId: nextRequestId(),
  }
}
