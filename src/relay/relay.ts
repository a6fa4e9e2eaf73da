import { admitToken, authenticateRelay, type RelayCaller } from '../auth/api-key.ts'
import type { TokenRow } from '../db/store.ts'
import type { Ledger } from '../billing/ledger.ts'
import { groupRatioFor, priceFor, quotaFor, reservationFor } from '../billing/pricing.ts'
import { consumeRecord, failureRecord } from '../billing/usage-log.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'
import type { Caches } from '../cache/index.ts'
import { statusInRanges } from '../cache/options.ts'
import { filterTiers, findTiers, pickChannel, type CachedChannel, type Tier } from '../cache/routing.ts'
import { readErrorBody, type ChannelClient } from '../channels/channel-client.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import { hasBaseUrl, pickKey } from '../channels/channel-requests.ts'
import type { Config } from '../config.ts'
import { bodyTooLarge, errorResponse, GatewayError } from '../errors.ts'
import type { UpstreamResponse } from '../net/http1-client.ts'
import { ConversionError } from '../providers/errors.ts'
import { providerForChannelType } from '../providers/index.ts'
import { emptyUsage, type Usage } from '../providers/types.ts'
import type { SecretBox } from '../security/crypto.ts'
import { scrubberFor } from '../security/scrub-secrets.ts'
import { REQUEST_ID_HEADER, type Endpoint, type Exchange, type RelayContext, type RelayKit, type RouteInput } from './endpoint.ts'
import { checkRequestNumbers, reservationAmount } from './request-numbers.ts'
import { createStreamResponder } from './stream-response.ts'
import type { RelayMetrics } from '../metrics/metrics.ts'
import { estimateTokens, type ConversionRunner, type TokenCounter } from './token-counter.ts'

export interface RelayDependencies {
  config: Config
  caches: Caches
  secretBox: SecretBox
  ledger: Ledger
  writer: UsageWriter
  counter: TokenCounter
  health: ChannelHealth
  channels: ChannelClient
  /** Runs conversions in worker threads when config.streamConversion is 'worker'. */
  conversions?: ConversionRunner
  /** Set when METRICS_TOKEN is: every answered, failed and refused request is counted. */
  metrics?: RelayMetrics
}

type Attempt = { ok: true; exchange: Exchange } | { ok: false; error: GatewayError; channel?: CachedChannel; upstreamBody?: string }

const jsonHeaders = (requestId: string) => ({ 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId })
const sseHeaders = (requestId: string) => ({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', [REQUEST_ID_HEADER]: requestId })

let requestCounter = 0
const processTag = Math.random().toString(36).slice(2, 8)
/** Request ids: time + process + counter; unique without a random call per request. */
export const nextRequestId = () => `${Date.now().toString(36)}${processTag}${(requestCounter++ % 1_679_616).toString(36).padStart(4, '0')}`

const REASONING_SUFFIX = /-(high|medium|low|minimal)$/
const noChannels: ReadonlySet<number> = new Set()
/** Longest a non-stream upstream may take to answer (it sends nothing until done). */
const NON_STREAM_TIMEOUT_MS = 10 * 60_000

/**
 * The relay pipeline every endpoint runs through: admit (auth, model, price, reserve) → attempt loop (routing,
 * retry policy) → respond (the endpoint's) → settle. It knows no particular endpoint or provider: those are
 * `Endpoint` descriptors (endpoints/) and `Provider` capabilities (providers/).
 */
export function createRelay(dependencies: RelayDependencies) {
  const { config, caches, secretBox, ledger, writer, counter, health, channels, conversions, metrics } = dependencies
  const lapsedWrites = new Set<number>()

  // Console options win over the environment for these (see RuntimeOptions.overrides).
  const streamingTimeoutSeconds = () => caches.options.overrides.streamingTimeoutSeconds ?? config.streamingTimeoutSeconds
  const tokenAvailable = (token: { id: number; remainQuota: number }) => ledger.availableForToken(token.id, Number(token.remainQuota))
  const fail = (status: number, message: string, code: string): never => { throw new GatewayError(status, message, code) }

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

  /** Channels that may serve `model` for this caller and endpoint: the pinned one, or the group's priority tiers. */
  function tiersFor(caller: RelayCaller, model: string, endpoint: Endpoint): Tier[] | undefined {
    if (caller.pinnedChannelId !== undefined) {
      const channel = caches.routing.byId.get(caller.pinnedChannelId)!
      return [{ priority: channel.priority, channels: [channel], cumulative: [1], total: 1 }]
    }
    const tiers = findTiers(caches.routing, caller.group, model)
    return tiers && filterTiers(tiers, endpoint, acceptFor(endpoint))
  }

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
    const parsed = await endpoint.read(request, route)
    checkRequestNumbers(parsed.body)
    let model = parsed.model
    if (!model) fail(400, 'Model name not specified, model name cannot be empty', 'invalid_request')
    const flagged = caches.options.promptFilter?.findInBody(parsed.body)
    if (flagged !== undefined) fail(400, `The prompt contains a word this gateway does not accept: ${flagged}`, 'sensitive_words_detected')
    let reasoningEffort: string | undefined
    let tiers = tiersFor(holder, model, endpoint)
    const suffix = tiers ? null : REASONING_SUFFIX.exec(model)
    if (suffix) {
      const baseTiers = tiersFor(holder, model.slice(0, suffix.index), endpoint)
      if (baseTiers) [model, reasoningEffort, tiers] = [model.slice(0, suffix.index), suffix[1], baseTiers]
    }
    if (holder.modelLimits && !holder.modelLimits.has(model)) fail(403, `This token has no access to model ${model}`, '')
    if (!tiers) fail(503, `No available channel for model ${model} under group ${holder.group}${findTiers(caches.routing, holder.group, model) ? ` that serves ${route.path}` : ''}`, 'model_not_found')
    const options = caches.options
    const price = priceFor(options, model, groupRatioFor(options, holder.user.group, holder.group))
    if (!price) fail(400, `Model ${model} has no price configured: an administrator must set ModelRatio or ModelPrice for it`, 'model_price_error')
    const amount = reservationAmount(endpoint.reserve
      ? endpoint.reserve(parsed, price!, options.quotaPerUnit)
      : reservationFor(price!, estimateTokens(parsed.bodyText.length), endpoint.completionReserve(parsed.body, options.preConsumedQuota), options.quotaPerUnit))
    const reserved = ledger.reserve({
      userId: holder.user.id, userQuota: Number(holder.user.quota), tokenId: holder.token.id, tokenQuota: Number(holder.token.remainQuota),
      unlimitedToken: holder.token.unlimitedQuota, amount,
    })
    // The in-memory ledger answers synchronously; only the Redis one needs a round trip.
    const reservation = reserved instanceof Promise ? await reserved : reserved
    if (reservation === 'user') {
      const available = ledger.availableForUser(holder.user.id, Number(holder.user.quota))
      fail(403, available <= 0 ? `User quota is not enough, remaining quota: ${available}` : `Pre-consume failed: user remaining quota ${available} is less than the ${amount} this request may cost`, 'insufficient_user_quota')
    }
    if (reservation === 'token') fail(403, `Token quota is not enough for this request (needs up to ${amount})`, 'pre_consume_token_quota_failed')
    const caller = { userId: holder.user.id, username: holder.user.username, tokenId: holder.token.id, tokenName: holder.token.name, group: holder.group, ip: route.clientAddress }
    // One literal with every field, so every context has the same shape (a spread of the parsed request would not).
    return {
      body: parsed.body, bodyText: parsed.bodyText, model, stream: parsed.stream, clientWantsUsage: parsed.clientWantsUsage,
      canonical: parsed.canonical && { ...parsed.canonical, model, stream: parsed.stream }, anthropicBeta: parsed.anthropicBeta,
      form: parsed.form, extension: parsed.extension, endpoint, holder, caller, requestId: nextRequestId(), path: route.path,
      startedAt: performance.now(), reasoningEffort, price: price!, reservation: reservation as Exclude<typeof reservation, string>,
      tiers: tiers!, tried: [], upstreamAbort: undefined, clientGone: false,
    }
  }

  /** Settlements that finish after the response (counting missing usage, stream ends); shutdown waits for them. */
  const pendingSettlements = new Set<Promise<void>>()
  function track(settlement: Promise<void>, requestId: string) {
    const tracked = settlement.catch((error: Error) => console.error(`[relay] settling ${requestId} failed: ${error.message}`))
      .finally(() => pendingSettlements.delete(tracked))
    pendingSettlements.add(tracked)
  }

  function recordFailure(context: RelayContext, channel: CachedChannel | undefined, error: GatewayError) {
    metrics?.request(context.endpoint.name, context.model, channel?.id ?? 0, error.status, (performance.now() - context.startedAt) / 1000, undefined, error.code)
    ledger.settle(context.reservation, 0)
    writer.record(failureRecord(context, error, { channelId: channel?.id ?? 0, refunded: context.reservation.amount }))
  }

  /** Upstream errors: OpenAI-shaped bodies pass through (mapped status); everything else in the client's format. */
  function failureResponse(context: RelayContext, error: GatewayError, upstreamBody?: string): Response {
    if (context.endpoint.format === 'openai-chat' && upstreamBody && /^\s*\{\s*"error"/.test(upstreamBody)) {
      return new Response(upstreamBody, { status: error.status, headers: jsonHeaders(context.requestId) })
    }
    const message = upstreamBody ? error.message : `${error.message} (request id: ${context.requestId})`
    return errorResponse(context.endpoint.format, { status: error.status, message, type: error.type, code: error.code }, { [REQUEST_ID_HEADER]: context.requestId })
  }

  const streams = createStreamResponder({ idleSeconds: streamingTimeoutSeconds, track })
  const kit: RelayKit = {
    config, caches, conversions, requests: channels.requests,
    forceStreamOption: () => caches.options.overrides.forceStreamOption ?? config.forceStreamOption,
    settle(context, channel, usage, outcome) {
      const options = caches.options
      const quota = outcome.quota ?? quotaFor(context.price, usage, options.quotaPerUnit)
      ledger.settle(context.reservation, quota)
      metrics?.request(context.endpoint.name, context.model, channel.id, 200, (performance.now() - context.startedAt) / 1000, outcome.firstTokenMs === undefined ? undefined : outcome.firstTokenMs / 1000)
      writer.record(consumeRecord(context, context.price, quota, usage, { ...outcome, channelId: channel.id, keepRow: options.logConsumeEnabled }))
    },
    settleLater(context, channel, usage, outcome) {
      track(usage.then((counted) => kit.settle(context, channel, counted, outcome())), context.requestId)
    },
    fail(context, channel, error) {
      recordFailure(context, channel, error)
      return failureResponse(context, error)
    },
    async fallbackUsage(context, completionText) {
      const prompt = await context.endpoint.countPrompt(context, counter)
      const completion = completionText ? await counter.countTextTokens(context.model, completionText) : { tokens: 0 }
      return { ...emptyUsage(), inputTokens: prompt, outputTokens: completion.tokens } satisfies Usage
    },
    stream: (context, source) => new Response(streams.open(source, () => context.upstreamAbort?.abort(), context.requestId), { status: 200, headers: sseHeaders(context.requestId) }),
    json: (context, body) => new Response(body, { status: 200, headers: jsonHeaders(context.requestId) }),
  }

  /** Steps 6-9 for one attempt: select, adapt, send; classify a failure. */
  async function attempt(context: RelayContext, attemptIndex: number): Promise<Attempt> {
    const channel = pickChannel(context.tiers, attemptIndex, context.tried.length === 0 ? noChannels : new Set(context.tried))
    if (!channel) return { ok: false, error: new GatewayError(503, `No available channel for model ${context.model} under group ${context.holder.group}`, 'model_not_found') }
    context.tried.push(channel.id)
    const keyIndex = pickKey(channel)
    if (keyIndex < 0) return { ok: false, channel, error: new GatewayError(503, `Channel ${channel.id} has no enabled key`, 'channel:no_available_key', 'new_api_error', true) }
    const provider = providerForChannelType(channel.type)!
    if (!hasBaseUrl(channel, provider)) return { ok: false, channel, error: new GatewayError(500, `Channel ${channel.id} has no base URL`, 'channel:invalid_base_url', 'new_api_error', true) }
    let call
    try {
      call = context.endpoint.prepare(context, channel, provider, keyIndex, kit)
    } catch (error) {
      if (error instanceof ConversionError) return { ok: false, channel, error: new GatewayError(error.status, error.message, error.code) }
      if (error instanceof GatewayError) return { ok: false, channel, error }
      throw error
    }
    // The limit covers the wait for the response head only; once a stream flows, the silence sweep takes over.
    // Only a stream gets a controller (aborted when its client leaves); a non-stream call needs no signal.
    const limitMs = context.stream ? streamingTimeoutSeconds() * 1000 : NON_STREAM_TIMEOUT_MS
    let response: UpstreamResponse
    try {
      if (context.clientGone) throw new GatewayError(499, 'Client closed the request', 'client_gone')
      context.upstreamAbort = context.stream ? new AbortController() : undefined
      response = await channels.send(call.request, { timeoutMs: limitMs, signal: context.upstreamAbort?.signal })
    } catch (error) {
      if (context.clientGone) throw new GatewayError(499, 'Client closed the request', 'client_gone')
      const timedOut = (error as Error).name === 'TimeoutError'
      // A saturated origin (every connection busy, the queue full) is this gateway's limit: another channel may do.
      const saturated = (error as { code?: string }).code === 'upstream_saturated'
      const gatewayError = new GatewayError(timedOut ? 504 : saturated ? 503 : 502, timedOut ? `Upstream did not answer within ${limitMs / 1000} s` : `Upstream request failed: ${scrubberFor(channel.keys)((error as Error).message)}`, saturated ? 'upstream_saturated' : 'do_request_failed', 'new_api_error', !timedOut)
      health.reportFailure(channel, keyIndex, gatewayError.status, gatewayError.message)
      return { ok: false, channel, error: gatewayError }
    }
    if (response.ok) return { ok: true, exchange: { response, channel, call } }
    // Scrubbed before anything reads it: the mapped message, the pass-through body and the log row all come from it.
    const bodyText = scrubberFor(channel.keys)(await readErrorBody(response))
    const mapped = (call.mapError ?? call.adaptor.mapError)(response.status, bodyText)
    const status = Number(channel.statusCodeMapping[String(response.status)] ?? response.status)
    health.reportFailure(channel, keyIndex, response.status, mapped.message)
    const retryable = mapped.retryable && ![400, 408, 504, 524].includes(response.status) && statusInRanges(response.status, caches.options.retryStatusCodes)
    return { ok: false, channel, upstreamBody: bodyText, error: new GatewayError(status, mapped.message, mapped.code, mapped.type, retryable) }
  }

  /** Serve one request of `endpoint` end to end. */
  async function serve(request: Request, endpoint: Endpoint, route: RouteInput): Promise<Response> {
    let context: RelayContext
    try {
      context = await admit(request, endpoint, route)
    } catch (error) {
      if (metrics && error instanceof GatewayError) metrics.request(endpoint.name, '', 0, error.status, 0, undefined, error.code)
      throw error
    }
    // Only a stream must notice a client that leaves while the upstream is thinking (request.signal is not free).
    if (context.stream) {
      request.signal.addEventListener('abort', () => {
        context.clientGone = true
        context.upstreamAbort?.abort()
      }, { once: true })
    }
    const attempts = context.holder.pinnedChannelId !== undefined ? 1 : caches.options.retryTimes + 1
    let last: Extract<Attempt, { ok: false }> | undefined
    for (let index = 0; index < attempts; index++) {
      let current: Attempt
      try {
        current = await attempt(context, index)
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : new GatewayError(500, (error as Error).message, 'internal_error')
        recordFailure(context, undefined, gatewayError)
        throw gatewayError
      }
      if (current.ok) {
        const response = await endpoint.respond(context, current.exchange, kit)
        // A settled answer leaves only once its usage is in the write-ahead log (a kill then loses nothing billed).
        const written = context.stream ? undefined : writer.durable()
        if (written) await written
        return response
      }
      // Out of channels to retry on: the client hears about the last real failure, not "no channel".
      if (!current.channel && last) break
      last = current
      if (!current.error.retryable) break
    }
    recordFailure(context, last!.channel, last!.error)
    return failureResponse(context, last!.error, last!.upstreamBody)
  }

  /** Models this key may use (the group's, minus wildcards, within the token's limits). */
  function models(request: Request, path: string, clientAddress: string): string[] {
    const caller = authenticate(request, path, clientAddress)
    const served = caches.routing.modelsByGroup.get(caller.group) ?? []
    return served.filter((model) => !model.endsWith('*') && (!caller.modelLimits || caller.modelLimits.has(model)))
  }

  /** Resolves when every settlement still running after its response has been written to the usage writer. */
  async function drain() {
    while (pendingSettlements.size > 0) await Promise.all([...pendingSettlements])
  }

  /** Close the silence sweep (shutdown); the upstream client is closed by its owner. */
  const close = () => streams.close()

  return { serve, models, drain, close, authenticate, authenticateToken, tokenAvailable, openStreams: streams.openCount }
}

export type Relay = ReturnType<typeof createRelay>
