import type { Ledger } from '../billing/ledger.ts'
import { quotaFor } from '../billing/pricing.ts'
import { consumeRecord, failureRecord } from '../billing/usage-log.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'
import type { Caches } from '../cache/index.ts'
import { statusInRanges } from '../cache/options.ts'
import { pickChannel, type CachedChannel } from '../cache/routing.ts'
import { readErrorBody, type ChannelClient } from '../channels/channel-client.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import { hasBaseUrl, pickKey } from '../channels/channel-requests.ts'
import type { Config } from '../config.ts'
import { errorResponse, GatewayError } from '../errors.ts'
import type { UpstreamResponse } from '../net/http1-client.ts'
import { ConversionError } from '../providers/errors.ts'
import { providerForChannelType } from '../providers/index.ts'
import { emptyUsage, type Usage } from '../providers/types.ts'
import type { SecretBox } from '../security/crypto.ts'
import { scrubberFor } from '../security/scrub-secrets.ts'
import { autoGroupsFor, createAdmission } from './admission.ts'
import { REQUEST_ID_HEADER, type Endpoint, type Exchange, type RelayContext, type RelayKit, type RouteInput } from './endpoint.ts'
import { createStreamResponder } from './stream-response.ts'
import { createChannelSlots } from '../channels/concurrency.ts'
import type { RelayMetrics } from '../metrics/metrics.ts'
import type { ConversionRunner, TokenCounter } from './token-counter.ts'
import type { RelayTraffic } from '../traffic/relay-traffic.ts'

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
  /** Rate limits and concurrency caps (src/traffic/); none when absent. */
  traffic?: RelayTraffic
}

type Attempt = { ok: true; exchange: Exchange } | { ok: false; error: GatewayError; channel?: CachedChannel; upstreamBody?: string }

const jsonHeaders = (requestId: string) => ({ 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId })
const sseHeaders = (requestId: string) => ({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', [REQUEST_ID_HEADER]: requestId })

const noChannels: ReadonlySet<number> = new Set()

/**
 * The attempt's channel: one not tried yet and, while another can serve, not cooling down after a 429. When every
 * candidate is cooling the request still goes to one of them: the upstream may be ready again, and if not the
 * client hears its 429 rather than a made-up "no channel".
 */
function pickUsable(context: RelayContext, attemptIndex: number, health: Pick<ChannelHealth, 'cooling'>) {
  const { tiers, tried, affinity } = context
  const cooling = health.cooling
  if (cooling.size === 0) return pickChannel(tiers, attemptIndex, tried.length === 0 ? noChannels : new Set(tried), affinity)
  return pickChannel(tiers, attemptIndex, new Set([...tried, ...cooling]), affinity) ?? pickChannel(tiers, attemptIndex, new Set(tried), affinity)
}
/** Longest a non-stream upstream may take to answer (it sends nothing until done). */
const NON_STREAM_TIMEOUT_MS = 10 * 60_000

/**
 * The relay pipeline every endpoint runs through: admit (auth, model, price, reserve) → attempt loop (routing,
 * retry policy) → respond (the endpoint's) → settle. It knows no particular endpoint or provider: those are
 * `Endpoint` descriptors (endpoints/) and `Provider` capabilities (providers/).
 */
export function createRelay(dependencies: RelayDependencies) {
  const { config, caches, secretBox, ledger, writer, counter, health, channels, conversions, metrics, traffic } = dependencies

  // Console options win over the environment for these (see RuntimeOptions.overrides).
  const streamingTimeoutSeconds = () => caches.options.overrides.streamingTimeoutSeconds ?? config.streamingTimeoutSeconds

  const { admit, authenticate, authenticateToken, tokenAvailable, nextGroup } = createAdmission({ config, caches, secretBox, ledger, health, traffic })

  /** Settlements that finish after the response (counting missing usage, stream ends); shutdown waits for them. */
  const pendingSettlements = new Set<Promise<void>>()
  function track(settlement: Promise<void>, requestId: string) {
    const tracked = settlement.catch((error: Error) => console.error(`[relay] settling ${requestId} failed: ${error.message}`))
      .finally(() => pendingSettlements.delete(tracked))
    pendingSettlements.add(tracked)
  }

  const slots = createChannelSlots()
  /** The request is over for its channel: give its concurrency slot back (idempotent). */
  const releaseSlot = (context: RelayContext) => {
    context.releaseSlot?.()
    context.releaseSlot = undefined
  }

  function recordFailure(context: RelayContext, channel: CachedChannel | undefined, error: GatewayError) {
    releaseSlot(context)
    metrics?.request(context.endpoint.name, context.model, channel?.id ?? 0, error.status, (performance.now() - context.startedAt) / 1000, undefined, error.code)
    ledger.settle(context.reservation, 0)
    traffic?.finish(context.traffic, 0, false)
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
      releaseSlot(context)
      const options = caches.options
      const quota = outcome.quota ?? quotaFor(context.price, usage, options.quotaPerUnit)
      ledger.settle(context.reservation, quota)
      traffic?.finish(context.traffic, usage.inputTokens + usage.outputTokens, true)
      metrics?.request(context.endpoint.name, context.model, channel.id, 200, (performance.now() - context.startedAt) / 1000, outcome.firstTokenMs === undefined ? undefined : outcome.firstTokenMs / 1000)
      writer.record(consumeRecord(context, context.price, quota, usage, { ...outcome, channelId: channel.id, keepRow: options.logConsumeEnabled }))
    },
    settleLater(context, channel, usage, outcome) {
      // The upstream is done: its channel slot is free now, not once the usage is counted. A usage count that fails
      // still ends the request: its rate-limit slots are freed (finish is idempotent).
      releaseSlot(context)
      track(usage.then((counted) => kit.settle(context, channel, counted, outcome())).finally(() => traffic?.finish(context.traffic, 0, false)), context.requestId)
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
    stream(context, source) {
      // A capped channel's slot is held while the stream flows and freed when it ends, before usage is counted.
      const settled = context.releaseSlot ? { ...source, finish: (completed: boolean) => { releaseSlot(context); return source.finish(completed) } } : source
      // A stream that ends early (client gone, error, silence) frees its rate-limit slots at once; its tokens are counted later.
      return new Response(streams.open(settled, () => {
        context.upstreamAbort?.abort()
        traffic?.release(context.traffic)
      }, context.requestId), { status: 200, headers: sseHeaders(context.requestId) })
    },
    json: (context, body) => new Response(body, { status: 200, headers: jsonHeaders(context.requestId) }),
  }

  /**
   * Steps 6-9 for one attempt: select, take a slot of the channel's concurrency cap, adapt, send; classify a failure.
   * The slot of an answering attempt is kept until the request settles; every other outcome gives it back here.
   */
  async function attempt(context: RelayContext, attemptIndex: number): Promise<Attempt> {
    const channel = pickUsable(context, attemptIndex, health)
    if (!channel) return { ok: false, error: new GatewayError(503, `No available channel for model ${context.model} under group ${context.holder.group}`, 'model_not_found') }
    context.tried.push(channel.id)
    if (!channel.maxConcurrency) return send(context, channel)
    let release: () => void
    try {
      const slot = slots.acquire(channel)
      release = typeof slot === 'function' ? slot : await slot
    } catch (error) {
      if (error instanceof GatewayError) return { ok: false, channel, error }
      throw error
    }
    let outcome: Attempt
    try {
      outcome = await send(context, channel)
    } catch (error) {
      release()
      throw error
    }
    if (outcome.ok) context.releaseSlot = release
    else release()
    return outcome
  }

  async function send(context: RelayContext, channel: CachedChannel): Promise<Attempt> {
    const keyIndex = pickKey(channel, health.keyCooling, context.affinity)
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
      response = await channels.send(channel, call.request, { timeoutMs: limitMs, signal: context.upstreamAbort?.signal })
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
    health.reportFailure(channel, keyIndex, response.status, mapped.message, response.status === 429 ? response.headers : undefined)
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
    // Each group gets the attempts; a retryable failure of the last one moves an auto-group token with
    // cross_group_retry on to its next group (priced and logged there), until one answers or none is left.
    for (;;) {
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
          let response: Response
          try {
            response = await endpoint.respond(context, current.exchange, kit)
          } catch (error) {
            releaseSlot(context)
            traffic?.finish(context.traffic, 0, false)
            throw error
          }
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
      // `last` stays: a next group whose channels were all tried already reports this failure, not "no channel".
      if (!last!.error.retryable || !nextGroup(context, route.clientAddress)) break
    }
    recordFailure(context, last!.channel, last!.error)
    return failureResponse(context, last!.error, last!.upstreamBody)
  }

  /** Models this key may use (the group's, minus wildcards, within the token's limits). */
  function models(request: Request, path: string, clientAddress: string): string[] {
    const caller = authenticate(request, path, clientAddress)
    // An auto-group token may use the models of every group it tries.
    const served = caller.token.group === 'auto' && caller.pinnedChannelId === undefined
      ? [...new Set(autoGroupsFor(caches.options, caller.user).flatMap((group) => caches.routing.modelsByGroup.get(group) ?? []))]
      : caches.routing.modelsByGroup.get(caller.group) ?? []
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
