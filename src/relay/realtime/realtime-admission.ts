import { extractKey, type RelayCaller } from '../../auth/api-key.ts'
import type { Ledger, Reservation } from '../../billing/ledger.ts'
import { audioRatiosFor, reservationFor, type Price } from '../../billing/pricing.ts'
import type { LogCaller } from '../../billing/usage-log.ts'
import type { Caches } from '../../cache/index.ts'
import { findTiers, type CachedChannel, type Tier } from '../../cache/routing.ts'
import { GatewayError } from '../../errors.ts'
import { providerForChannelType } from '../../providers/index.ts'
import type { Relay } from '../relay.ts'
import { channelTiers, logCallerOf, modelPrice, nextRequestId } from '../admission.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { CLIENT_SECRET_PREFIX, openClientSecret, type ClientSecret } from './client-secrets.ts'
import type { RelayTraffic, TrafficTicket } from '../../traffic/relay-traffic.ts'

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
  /** The client secret the browser presented (its session configuration goes upstream first). */
  clientSecret?: ClientSecret
  /** The rate limits the session holds: it counts as one request, holds its slot until it closes. */
  traffic?: TrafficTicket
}

/** Whether a channel's provider serves realtime sessions (routing skips the others). */
const servesRealtime = (channel: CachedChannel) => providerForChannelType(channel.type)?.realtime !== undefined
const REALTIME = {}

/** Whether it also issues client secrets (the ephemeral-session routes). */
const issuesSecrets = (channel: CachedChannel) => providerForChannelType(channel.type)?.realtime?.sessionsUrl !== undefined
const SESSIONS = {}

/**
 * The caller: a token key as for every relay request, or a client secret this gateway issued, which names its
 * token (then checked exactly as a key would be: status, expiry, quota, IP allow-list, group) and its model.
 */
function callerOf(dependencies: { relay: Relay; caches: Caches; secretBox: SecretBox }, request: Request, clientAddress: string): { holder: RelayCaller; clientSecret?: ClientSecret } {
  const raw = extractKey(request, '/v1/realtime')
  if (!raw?.startsWith(CLIENT_SECRET_PREFIX)) return { holder: dependencies.relay.authenticate(request, '/v1/realtime', clientAddress) }
  const clientSecret = openClientSecret(dependencies.secretBox, raw)
  const token = clientSecret && clientSecret.expiresAt * 1000 > Date.now() ? dependencies.caches.token(clientSecret.tokenId) : undefined
  if (!token) throw new GatewayError(401, 'Invalid token', '')
  return { holder: dependencies.relay.authenticateToken(token, clientAddress), clientSecret }
}

/** The tiers of channels serving `model` for this caller, keeping those `accept` admits; a 404 when none does. */
export function realtimeTiers(caches: Caches, holder: RelayCaller, model: string, secrets = false): Tier[] {
  const accept = secrets ? issuesSecrets : servesRealtime
  if (holder.pinnedChannelId !== undefined && !accept(caches.routing.byId.get(holder.pinnedChannelId)!)) {
    throw new GatewayError(404, `Channel ${holder.pinnedChannelId} does not serve realtime sessions`, 'model_not_found')
  }
  const tiers = channelTiers(caches, holder, model, secrets ? SESSIONS : REALTIME, accept)
  if (!tiers) throw new GatewayError(404, `No available channel for model ${model} under group ${holder.group}${findTiers(caches.routing, holder.group, model) ? ' that serves realtime sessions' : ''}`, 'model_not_found')
  return tiers
}

/**
 * The same admission as every relay request, once, at the upgrade: the token (any of its places, the browser's
 * `openai-insecure-api-key.` subprotocol included) with its status, expiry, IP allow-list and group; the model,
 * its limits, its price and a channel that serves realtime; then a reservation. Every refusal is a GatewayError,
 * answered over HTTP before any WebSocket exists.
 */
export async function admitRealtime(dependencies: { relay: Relay; caches: Caches; ledger: Ledger; secretBox: SecretBox; traffic?: RelayTraffic }, request: Request, requestedModel: string, clientAddress: string): Promise<RealtimeAdmission> {
  const { caches, ledger, traffic } = dependencies
  const { holder, clientSecret } = callerOf(dependencies, request, clientAddress)
  // A client secret is good for the model it was issued for.
  const model = clientSecret?.model ?? requestedModel
  if (!model) throw new GatewayError(400, 'Model name not specified: connect to /v1/realtime?model=<model>', 'invalid_request')
  if (holder.modelLimits && !holder.modelLimits.has(model)) throw new GatewayError(403, `This token has no access to model ${model}`, '')
  const tiers = realtimeTiers(caches, holder, model)
  const price = modelPrice(caches, holder, model)
  const options = caches.options
  const reserveAmount = reservationFor(price, 0, options.preConsumedQuota, options.quotaPerUnit)
  const requestId = nextRequestId()
  // Limits before the reservation, in a call of their own (once per session, not per frame).
  const planned = traffic?.plan(holder, requestId)
  const ticket = planned && await traffic!.acquire(planned)
  const reserved = await ledger.reserve({
    userId: holder.user.id, userQuota: Number(holder.user.quota), tokenId: holder.token.id, tokenQuota: Number(holder.token.remainQuota),
    unlimitedToken: holder.token.unlimitedQuota, amount: reserveAmount,
  })
  if (typeof reserved === 'string') traffic?.finish(ticket, 0, false)
  if (reserved === 'user') throw new GatewayError(403, `User quota is not enough, remaining quota: ${ledger.availableForUser(holder.user.id, Number(holder.user.quota))}`, 'insufficient_user_quota')
  if (reserved === 'token') throw new GatewayError(403, `Token quota is not enough for a realtime session (needs ${reserveAmount})`, 'pre_consume_token_quota_failed')
  return {
    holder, model, price, tiers, reserveAmount, reservation: reserved, clientSecret,
    audioRatios: audioRatiosFor(options, model),
    caller: logCallerOf(holder, clientAddress),
    requestId, traffic: ticket,
  }
}
