import type { Caches } from '../cache/index.ts'
import { statusInRanges } from '../cache/options.ts'
import { findTiers, pickChannel, type CachedChannel, type Tier } from '../cache/routing.ts'
import type { Config } from '../config.ts'
import type { NewLog } from '../db/store.ts'
import { GatewayError } from '../errors.ts'
import { adaptorIdForChannel, createStreamConversion, createUpstreamDecoder, defaultBaseUrl, getAdaptor, getInbound } from '../providers/index.ts'
import { ConversionError } from '../providers/errors.ts'
import { encodeSse } from '../providers/sse.ts'
import type { ChatRequest, ProviderAdaptor, SseEvent, StreamConversion, UpstreamError, UpstreamTarget, Usage, WireFormat } from '../providers/types.ts'
import { emptyUsage } from '../providers/types.ts'
import type { SecretBox } from '../security/crypto.ts'
import type { ChannelHealth } from './channel-health.ts'
import type { Ledger, Reservation } from '../billing/ledger.ts'
import { groupRatioFor, priceFor, quotaFor, reservationFor, type Price } from '../billing/pricing.ts'
import { createStreamTap } from './stream-tap.ts'
import { estimateTokens, type ConversionRunner, type TokenCounter } from './token-counter.ts'
import { authenticateRelay, type RelayCaller } from '../auth/api-key.ts'
import { createHttp1Client, type UpstreamResponse } from '../net/http1-client.ts'
import { authHeaders, buildTarget, endpointUrl, pickKey, type Endpoint } from './upstream.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'

export interface RelayDependencies {
  config: Config
  caches: Caches
  secretBox: SecretBox
  ledger: Ledger
  writer: UsageWriter
  counter: TokenCounter
  health: ChannelHealth
  /** Runs conversions in worker threads when config.streamConversion is 'worker'. */
  conversions?: ConversionRunner
}

/** Everything known about one relay request while it is being served. */
interface RelayContext {
  requestId: string
  startedAt: number
  endpoint: Endpoint
  inbound: WireFormat
  path: string
  caller: RelayCaller
  clientAddress: string
  body: Record<string, unknown>
  bodyText: string
  model: string
  stream: boolean
  /** The client asked for stream usage itself (so the usage chunk is theirs to see). */
  clientWantsUsage: boolean
  price: Price
  reservation: Reservation
  /** Channels that may serve the model, resolved once at admission. */
  tiers: Tier[]
  tried: number[]
  reasoningEffort?: string
  /** The body in the canonical shape, converted on first need. */
  canonical?: Record<string, unknown>
  /** `anthropic-beta` header of a Claude client, forwarded on native Anthropic requests. */
  anthropicBeta?: string
  /** The current attempt's upstream request, to abort when a streaming client leaves. */
  upstreamAbort?: AbortController
  clientGone?: boolean
}

const REQUEST_ID_HEADER = 'X-Oneapi-Request-Id'
const jsonHeaders = (requestId: string) => ({ 'content-type': 'application/json', [REQUEST_ID_HEADER]: requestId })
const sseHeaders = (requestId: string) => ({ 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no', [REQUEST_ID_HEADER]: requestId })

let requestCounter = 0
const processTag = Math.random().toString(36).slice(2, 8)
/** Request ids: time + process + counter; unique without a random call per request. */
const nextRequestId = () => `${Date.now().toString(36)}${processTag}${(requestCounter++ % 1_679_616).toString(36).padStart(4, '0')}`

const REASONING_SUFFIX = /-(high|medium|low|minimal)$/

/** OpenAI-format vendors that refuse `stream_options` (they send usage on the finish chunk anyway). */
const vendorsWithoutStreamUsage = new Set(['mistral', 'perplexity', 'zhipu-v4'])

const noChannels: ReadonlySet<number> = new Set()

/** The channel's header overrides on top of the built headers; `{api_key}` stands for the key in use. */
function withHeaderOverrides(headers: Record<string, string>, channel: CachedChannel, key: string): Record<string, string> {
  for (const name in channel.headerOverride) headers[name] = channel.headerOverride[name]!.replaceAll('{api_key}', key)
  return headers
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false
  return true
}

/** Longest a non-stream upstream may take to answer (it sends nothing until done). */
const NON_STREAM_TIMEOUT_MS = 10 * 60_000
const MAX_ERROR_BODY = 64 * 1024
/** How often open streams are checked for upstream silence (STREAMING_TIMEOUT's precision). */
const SILENCE_SWEEP_MS = 500

/** One open stream as the silence sweep sees it. */
interface SilenceWatch {
  idleMs: number
  /** When the pending upstream read started (ms since epoch); 0 while none is pending. */
  waitingSince: number
  timedOut: boolean
  expire(): void
}

async function readLimited(response: UpstreamResponse, limit: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (text.length < limit) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  reader.cancel().catch(() => {})
  return text.slice(0, limit)
}


/** One relay pipeline shared by every OpenAI-format endpoint and the native formats' routes. */
export function createRelay(dependencies: RelayDependencies) {
  const { config, caches, secretBox, ledger, writer, counter, health, conversions } = dependencies
  const lapsedWrites = new Set<number>()

  // Console options win over the environment for these (see RuntimeOptions.overrides).
  const streamingTimeoutSeconds = () => caches.options.overrides.streamingTimeoutSeconds ?? config.streamingTimeoutSeconds
  const forceStreamOption = () => caches.options.overrides.forceStreamOption ?? config.forceStreamOption

  // Upstream calls: the event-loop HTTP/1.1 client (default) or Bun's fetch. Neither follows redirects.
  const http1 = config.upstreamClient === 'http1' ? createHttp1Client() : undefined

  const tokenAvailable = (token: { id: number; remainQuota: number }) => ledger.availableForToken(token.id, Number(token.remainQuota))

  function fail(status: number, message: string, code: string): never {
    throw new GatewayError(status, message, code)
  }

  const authDependencies = {
    caches, secretBox, tokenAvailable,
    onTokenLapsed: (token: { id: number; userId: number }, status: 3 | 4) => {
      if (lapsedWrites.has(token.id)) return
      lapsedWrites.add(token.id)
      health.markTokenLapsed(token.id, token.userId, status).finally(() => lapsedWrites.delete(token.id))
    },
  }

  /** Steps 2-5: authenticate, normalise the model, price it and reserve quota. */
  async function admit(request: Request, path: string, clientAddress: string, endpoint: Endpoint, inbound: WireFormat, body: Record<string, unknown>, bodyText: string, modelOverride?: string): Promise<RelayContext> {
    const caller = authenticateRelay(authDependencies, request, path, clientAddress)
    let model = modelOverride ?? (typeof body.model === 'string' ? body.model.trim() : '')
    if (!model && endpoint === 'moderations') model = 'omni-moderation-latest'
    if (!model) fail(400, 'Model name not specified, model name cannot be empty', 'invalid_request')
    let reasoningEffort: string | undefined
    let tiers = tiersFor(caller, model)
    if (!tiers) {
      const suffix = REASONING_SUFFIX.exec(model)
      const base = suffix ? model.slice(0, suffix.index) : ''
      const baseTiers = suffix ? tiersFor(caller, base) : undefined
      if (baseTiers) {
        model = base
        reasoningEffort = suffix![1]
        tiers = baseTiers
      }
    }
    if (caller.modelLimits && !caller.modelLimits.has(model)) fail(403, `This token has no access to model ${model}`, '')
    if (!tiers) fail(503, `No available channel for model ${model} under group ${caller.group}`, 'model_not_found')
    const options = caches.options
    const price = priceFor(options, model, groupRatioFor(options, caller.user.group, caller.group))
    if (!price) fail(400, `Model ${model} has no price configured: an administrator must set ModelRatio or ModelPrice for it`, 'model_price_error')
    const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens ?? 0) || options.preConsumedQuota
    const amount = reservationFor(price, estimateTokens(bodyText.length), endpoint === 'embeddings' || endpoint === 'moderations' ? 0 : maxTokens, options.quotaPerUnit)
    const reserved = ledger.reserve({
      userId: caller.user.id, userQuota: Number(caller.user.quota), tokenId: caller.token.id, tokenQuota: Number(caller.token.remainQuota),
      unlimitedToken: caller.token.unlimitedQuota, amount,
    })
    // The in-memory ledger answers synchronously; only the Redis one needs a round trip.
    const reservation = reserved instanceof Promise ? await reserved : reserved
    if (reservation === 'user') {
      const available = ledger.availableForUser(caller.user.id, Number(caller.user.quota))
      fail(403, available <= 0 ? `User quota is not enough, remaining quota: ${available}` : `Pre-consume failed: user remaining quota ${available} is less than the ${amount} this request may cost`, 'insufficient_user_quota')
    }
    if (reservation === 'token') fail(403, `Token quota is not enough for this request (needs up to ${amount})`, 'pre_consume_token_quota_failed')
    const stream = body.stream === true
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined
    return {
      requestId: '', startedAt: performance.now(), endpoint, inbound, path, caller, clientAddress, body, bodyText, model,
      stream, clientWantsUsage: streamOptions?.include_usage === true, price, reservation, tiers, tried: [], reasoningEffort,
      anthropicBeta: inbound === 'anthropic' ? request.headers.get('anthropic-beta') ?? undefined : undefined,
    }
  }

  /** The channels that may serve `model` for this caller: the pinned one, or the group's priority tiers. */
  function tiersFor(caller: RelayCaller, model: string): Tier[] | undefined {
    if (caller.pinnedChannelId !== undefined) {
      const channel = caches.routing.byId.get(caller.pinnedChannelId)!
      return [{ priority: channel.priority, channels: [channel], cumulative: [1], total: 1 }]
    }
    return findTiers(caches.routing, caller.group, model)
  }

  /**
   * The body to send to an OpenAI-format channel: mapping, overrides, reasoning effort, forced stream usage.
   * When none applies (the common case) the client's bytes go as they came; when only stream usage is asked
   * for, it is spliced into the text. Only otherwise is the body serialised again.
   */
  function openAiBody(context: RelayContext, channel: CachedChannel, upstreamModel: string, adaptorId: string): string {
    const askUsage = context.stream && forceStreamOption() && !context.clientWantsUsage && !vendorsWithoutStreamUsage.has(adaptorId)
    const unchanged = upstreamModel === context.body.model && !context.reasoningEffort && isEmpty(channel.paramOverride)
    if (unchanged && !askUsage) return context.bodyText
    if (unchanged && context.body.stream_options === undefined) {
      const open = context.bodyText.indexOf('{')
      return `{"stream_options":{"include_usage":true},${context.bodyText.slice(open + 1)}`
    }
    const body: Record<string, unknown> = { ...context.body, model: upstreamModel, ...channel.paramOverride }
    if (context.reasoningEffort && body.reasoning_effort === undefined) body.reasoning_effort = context.reasoningEffort
    if (askUsage) body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true }
    return JSON.stringify(body)
  }

  /** Step 11: exact cost, settle the reservation, queue the log row. */
  function settle(context: RelayContext, channel: CachedChannel | undefined, usage: Usage, extra: { firstTokenMs?: number; upstreamModel?: string; completed: boolean }) {
    const options = caches.options
    const quota = quotaFor(context.price, usage, options.quotaPerUnit)
    ledger.settle(context.reservation, quota)
    const now = Math.floor(Date.now() / 1000)
    // `other` is written as text: the ratio part is serialised once per price, the rest is numbers and a few strings.
    let other = `{${context.price.detailsJson},"cache_tokens":${usage.cachedInputTokens},"cache_write_tokens":${usage.cacheWriteInputTokens},"reasoning_tokens":${usage.reasoningTokens},"frt":${extra.firstTokenMs === undefined ? -1 : Math.round(extra.firstTokenMs)},"request_path":${JSON.stringify(context.path)}`
    if (context.reasoningEffort) other += `,"reasoning_effort":${JSON.stringify(context.reasoningEffort)}`
    if (extra.upstreamModel && extra.upstreamModel !== context.model) other += `,"is_model_mapped":true,"upstream_model_name":${JSON.stringify(extra.upstreamModel)}`
    if (!extra.completed) other += ',"client_disconnected":true'
    other += `,"admin_info":{"use_channel":[${context.tried.join(',')}]}}`
    const row: NewLog = {
      userId: context.caller.user.id, username: context.caller.user.username, createdAt: now, type: 2, content: '',
      tokenName: context.caller.token.name, tokenId: context.caller.token.id, modelName: context.model, quota,
      promptTokens: usage.inputTokens, completionTokens: usage.outputTokens, useTime: Math.round((performance.now() - context.startedAt) / 1000),
      isStream: context.stream, channelId: channel?.id ?? 0, group: context.caller.group, ip: context.clientAddress,
      requestId: context.requestId, other,
    }
    // LogConsumeEnabled=false keeps the books (quota deltas, hourly aggregates) but writes no row.
    writer.record({ log: row, keepRow: options.logConsumeEnabled, spent: quota, countRequest: true, tokensUsed: usage.inputTokens + usage.outputTokens })
  }

  function recordFailure(context: RelayContext, channel: CachedChannel | undefined, error: GatewayError) {
    ledger.settle(context.reservation, 0)
    writer.record({
      log: {
        userId: context.caller.user.id, username: context.caller.user.username, createdAt: Math.floor(Date.now() / 1000), type: 5,
        content: error.message.slice(0, 2000), tokenName: context.caller.token.name, tokenId: context.caller.token.id, modelName: context.model,
        useTime: Math.round((performance.now() - context.startedAt) / 1000), isStream: context.stream, channelId: channel?.id ?? 0,
        group: context.caller.group, ip: context.clientAddress, requestId: context.requestId,
        other: JSON.stringify({ error_code: error.code, status_code: error.status, refunded_reservation: context.reservation.amount, request_path: context.path, admin_info: { use_channel: context.tried } }),
      },
      spent: 0, countRequest: false, tokensUsed: 0,
    })
  }

  /** Settlements that finish after the response (counting missing usage, stream ends); shutdown waits for them. */
  const pendingSettlements = new Set<Promise<void>>()
  function track(settlement: Promise<void>, context: RelayContext) {
    const tracked = settlement.catch((error: Error) => console.error(`[relay] settling ${context.requestId} failed: ${error.message}`))
      .finally(() => pendingSettlements.delete(tracked))
    pendingSettlements.add(tracked)
  }

  /** Usage for billing when the upstream reported none: count the prompt (worker pool) and what was delivered. */
  async function fallbackUsage(context: RelayContext, completionText: string): Promise<Usage> {
    const prompt = context.endpoint === 'chat'
      ? await counter.countChatPromptTokens(context.model, canonicalBody(context), { stream: context.stream })
      : await counter.countTextTokens(context.model, promptText(context.body))
    const completion = completionText ? await counter.countTextTokens(context.model, completionText) : { tokens: 0 }
    return { ...emptyUsage(), inputTokens: prompt.tokens, outputTokens: completion.tokens }
  }

  /** Body of the request in the canonical (OpenAI Chat) shape, converted once when a format other than OpenAI needs it. */
  function canonicalBody(context: RelayContext): Record<string, unknown> {
    if (context.inbound === 'openai-chat') return context.body
    context.canonical ??= { ...getInbound(context.inbound).toCanonical(context.body), model: context.model, stream: context.stream }
    return context.canonical
  }

  /**
   * How one attempt talks to its channel:
   * - `openai`: OpenAI-format client and channel; the body passes with the model mapped, the answer untouched;
   * - `native`: same non-OpenAI format on both sides (Claude → Anthropic, Gemini → Gemini, Responses → OpenAI
   *   Responses); the body passes natively, nothing lost that we do not model;
   * - `convert`: through the canonical shape (OpenAI client → Anthropic channel, Claude client → OpenAI channel…).
   */
  type Mode = 'openai' | 'native' | 'convert'

  type Attempt =
    | { ok: true; response: UpstreamResponse; channel: CachedChannel; adaptor: ProviderAdaptor; target: UpstreamTarget; mode: Mode }
    | { ok: false; error: GatewayError; channel?: CachedChannel; upstreamBody?: string }

  /**
   * URL, headers and target of an OpenAI-format request to one key of a channel. They depend only on the channel
   * row, the key, the endpoint, the model and the stream flag, so they are built once and reused until the channel
   * changes (a changed channel is a new object, which drops its plans with it). Bounded: wildcard channels accept
   * any model name.
   */
  const plans = new WeakMap<CachedChannel, Map<string, { target: UpstreamTarget; url: string; headers: Readonly<Record<string, string>> }>>()
  function openAiPlan(channel: CachedChannel, keyIndex: number, upstreamModel: string, endpoint: Endpoint, stream: boolean, adaptor: ProviderAdaptor) {
    let memo = plans.get(channel)
    if (!memo) plans.set(channel, memo = new Map())
    const key = `${endpoint}|${keyIndex}|${stream ? 1 : 0}|${upstreamModel}`
    let plan = memo.get(key)
    if (!plan) {
      const target = buildTarget(channel, keyIndex, upstreamModel, stream, defaultBaseUrl(channel.type), config)
      const built = endpoint === 'chat'
        ? adaptor.buildRequest({}, target)
        : { url: endpointUrl(endpoint, target), headers: { 'content-type': 'application/json', ...authHeaders(target) } }
      // Frozen: the HTTP/1.1 client then serialises these header lines once, not per request.
      plan = { target, url: built.url, headers: Object.freeze(withHeaderOverrides(built.headers, channel, target.key)) }
      if (memo.size >= 256) memo.clear()
      memo.set(key, plan)
    }
    return plan
  }

  /** Steps 6-9 for one attempt: select, adapt, send; classify a failure. */
  async function attempt(context: RelayContext, tiers: Tier[], attemptIndex: number): Promise<Attempt> {
    const channel = pickChannel(tiers, attemptIndex, context.tried.length === 0 ? noChannels : new Set(context.tried))
    if (!channel) return { ok: false, error: new GatewayError(503, `No available channel for model ${context.model} under group ${context.caller.group}`, 'model_not_found') }
    context.tried.push(channel.id)
    const keyIndex = pickKey(channel)
    if (keyIndex < 0) return { ok: false, channel, error: new GatewayError(503, `Channel ${channel.id} has no enabled key`, 'channel:no_available_key', 'new_api_error', true) }
    const adaptorId = adaptorIdForChannel(channel.type, context.inbound)
    const adaptor = getAdaptor(adaptorId)
    const upstreamModel = channel.modelMapping[context.model] ?? context.model
    if (!channel.baseUrl && !defaultBaseUrl(channel.type)) return { ok: false, channel, error: new GatewayError(500, `Channel ${channel.id} has no base URL`, 'channel:invalid_base_url', 'new_api_error', true) }
    const mode: Mode = context.endpoint !== 'chat' || (adaptor.format === 'openai-chat' && context.inbound === 'openai-chat') ? 'openai'
      : adaptor.format === context.inbound ? 'native' : 'convert'
    let target: UpstreamTarget
    let url: string
    let headers: Record<string, string>
    let payload: string
    try {
      if (mode === 'openai') {
        if (adaptor.format !== 'openai-chat') return { ok: false, channel, error: new GatewayError(400, `Channel ${channel.id} (${adaptorId}) does not serve ${context.path}`, 'convert_request_failed', 'new_api_error', true) }
        const plan = openAiPlan(channel, keyIndex, upstreamModel, context.endpoint, context.stream, adaptor)
        target = plan.target
        url = plan.url
        headers = plan.headers
        payload = openAiBody(context, channel, upstreamModel, adaptorId)
      } else {
        target = buildTarget(channel, keyIndex, upstreamModel, context.stream, defaultBaseUrl(channel.type), config)
        const native = mode === 'native'
          ? nativeBody(context, upstreamModel)
          : adaptor.toUpstream({ ...canonicalBody(context), model: upstreamModel, ...(context.reasoningEffort && canonicalBody(context).reasoning_effort === undefined ? { reasoning_effort: context.reasoningEffort } : {}) } as ChatRequest, target)
        const built = adaptor.buildRequest({ ...native, ...channel.paramOverride }, target)
        url = built.url
        headers = withHeaderOverrides(built.headers, channel, target.key)
        payload = built.body
        // Anthropic beta features the client opted into travel with a native body.
        if (mode === 'native' && context.anthropicBeta) headers['anthropic-beta'] = context.anthropicBeta
      }
    } catch (error) {
      if (error instanceof ConversionError) return { ok: false, channel, error: new GatewayError(error.status, error.message, error.code) }
      throw error
    }
    let response: UpstreamResponse
    // The limit covers the wait for the response head only; once a stream flows, the silence sweep of
    // streamWithSettlement takes over (a timeout on the whole call would also cut a long, healthy stream).
    // Streams get a controller, aborted by the head timer or by the client leaving; a non-stream call on the
    // HTTP/1.1 client needs neither (its pool checks deadlines once a second, no timer per request).
    const limitMs = context.stream ? streamingTimeoutSeconds() * 1000 : NON_STREAM_TIMEOUT_MS
    let timedOut = false
    let headTimer: ReturnType<typeof setTimeout> | undefined
    try {
      if (context.clientGone) throw new GatewayError(499, 'Client closed the request', 'client_gone')
      if (http1 && !context.stream) {
        context.upstreamAbort = undefined
        response = await http1.request(url, { method: 'POST', headers, body: payload, timeoutMs: limitMs })
      } else {
        const upstreamAbort = new AbortController()
        context.upstreamAbort = upstreamAbort
        headTimer = setTimeout(() => { timedOut = true; upstreamAbort.abort() }, limitMs)
        response = await (http1
          ? http1.request(url, { method: 'POST', headers, body: payload, signal: upstreamAbort.signal })
          : fetch(url, { method: 'POST', headers, body: payload, signal: upstreamAbort.signal, decompress: true, redirect: 'manual' } as RequestInit))
      }
    } catch (error) {
      if (context.clientGone) throw new GatewayError(499, 'Client closed the request', 'client_gone')
      timedOut ||= (error as Error).name === 'TimeoutError'
      const gatewayError = new GatewayError(timedOut ? 504 : 502, timedOut ? `Upstream did not answer within ${limitMs / 1000} s` : `Upstream request failed: ${(error as Error).message}`, 'do_request_failed', 'new_api_error', !timedOut)
      health.reportFailure(channel, keyIndex, gatewayError.status, gatewayError.message)
      return { ok: false, channel, error: gatewayError }
    } finally {
      clearTimeout(headTimer)
    }
    if (response.ok) {
      return { ok: true, response, channel, adaptor, target, mode }
    }
    const bodyText = await readLimited(response, MAX_ERROR_BODY)
    const mapped: UpstreamError = adaptor.mapError(response.status, bodyText)
    const status = Number(channel.statusCodeMapping[String(response.status)] ?? response.status)
    health.reportFailure(channel, keyIndex, response.status, mapped.message)
    const options = caches.options
    const retryable = mapped.retryable && ![400, 408, 504, 524].includes(response.status) && statusInRanges(response.status, options.retryStatusCodes)
    return { ok: false, channel, upstreamBody: bodyText, error: new GatewayError(status, mapped.message, mapped.code, mapped.type, retryable) }
  }

  /** Serve one request end to end. `format` is the client's wire format; non-OpenAI formats convert through the hub. */
  async function serve(request: Request, path: string, clientAddress: string, endpoint: Endpoint, format: WireFormat, options: { modelOverride?: string; streamOverride?: boolean } = {}): Promise<Response> {
    const bodyText = await request.text()
    let body: Record<string, unknown>
    try {
      const parsed = JSON.parse(bodyText)
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
      body = parsed
    } catch {
      throw new GatewayError(400, 'The request body must be a JSON object', 'invalid_request')
    }
    if (options.streamOverride !== undefined) body.stream = options.streamOverride
    const canonical = validateBody(endpoint, format, body)
    const context = await admit(request, path, clientAddress, endpoint, format, body, bodyText, options.modelOverride)
    if (canonical) context.canonical = { ...canonical, model: context.model, stream: context.stream }
    context.requestId = nextRequestId()
    // Only a stream must notice a client that leaves while the upstream is thinking (request.signal is not free).
    if (context.stream) {
      request.signal.addEventListener('abort', () => {
        context.clientGone = true
        context.upstreamAbort?.abort()
      }, { once: true })
    }
    const attempts = context.caller.pinnedChannelId !== undefined ? 1 : caches.options.retryTimes + 1
    let last: Attempt | undefined
    for (let index = 0; index < attempts; index++) {
      let current: Attempt
      try {
        current = await attempt(context, context.tiers, index)
      } catch (error) {
        const gatewayError = error instanceof GatewayError ? error : new GatewayError(500, (error as Error).message, 'internal_error')
        recordFailure(context, undefined, gatewayError)
        throw gatewayError
      }
      if (current.ok) return respond(context, current)
      // Out of channels to retry on: the client hears about the last real failure, not "no channel".
      if (!current.channel && last) break
      last = current
      if (!current.error.retryable) break
    }
    const failure = last as Extract<Attempt, { ok: false }>
    recordFailure(context, failure.channel, failure.error)
    return errorResponse(context, failure.error, failure.upstreamBody)
  }

  /** Upstream errors: OpenAI-shaped bodies pass through (mapped status); everything else in the client's format. */
  function errorResponse(context: RelayContext, error: GatewayError, upstreamBody?: string): Response {
    if (context.inbound === 'openai-chat' && upstreamBody && /^\s*\{\s*"error"/.test(upstreamBody)) {
      return new Response(upstreamBody, { status: error.status, headers: jsonHeaders(context.requestId) })
    }
    const message = upstreamBody ? error.message : `${error.message} (request id: ${context.requestId})`
    const body = context.inbound === 'openai-chat'
      ? { error: { message, type: error.type, param: '', code: error.code } }
      : getInbound(context.inbound).errorBody({ status: error.status, message, type: error.type, code: error.code })
    return new Response(JSON.stringify(body), { status: error.status, headers: jsonHeaders(context.requestId) })
  }

  /** Step 10: answer the client, and settle when the answer is complete (or the client leaves). */
  async function respond(context: RelayContext, success: Extract<Attempt, { ok: true }>): Promise<Response> {
    const { response, channel, adaptor, target, mode } = success
    if (!context.stream) {
      const text = await response.text()
      let json: Record<string, unknown>
      try { json = JSON.parse(text) } catch {
        const error = new GatewayError(502, 'Upstream answered with a body that is not JSON', 'bad_response_body')
        recordFailure(context, channel, error)
        return errorResponse(context, error)
      }
      let usage: Usage | null
      let out: string
      if (mode === 'convert') {
        const { response: canonical, usage: parsedUsage } = adaptor.fromUpstream(json, target)
        usage = parsedUsage
        canonical.model = context.model
        out = context.inbound === 'openai-chat' ? JSON.stringify(canonical) : JSON.stringify(getInbound(context.inbound).fromCanonical(canonical, usage))
      } else {
        usage = adaptor.readUsage(json)
        out = text
      }
      const firstTokenMs = performance.now() - context.startedAt
      if (usage) settle(context, channel, usage, { upstreamModel: target.model, completed: true, firstTokenMs })
      else {
        // No usage from the upstream: answer now, count in the workers, settle when the count is in.
        const completion = responseText(json)
        track(fallbackUsage(context, completion).then((counted) => settle(context, channel, counted, { upstreamModel: target.model, completed: true, firstTokenMs })), context)
      }
      return new Response(out, { status: 200, headers: jsonHeaders(context.requestId) })
    }
    return mode === 'openai' ? passThroughStream(context, channel, target, response) : convertedStream(context, success)
  }

  function passThroughStream(context: RelayContext, channel: CachedChannel, target: UpstreamTarget, response: UpstreamResponse): Response {
    const upstream = response.body!.getReader()
    const tap = createStreamTap({ withholdUsageChunk: forceStreamOption() && !context.clientWantsUsage })
    return new Response(streamWithSettlement(context, {
      async next() {
        const { value, done } = await upstream.read()
        if (done) return { done: true, out: tap.finish() }
        return { done: false, out: tap.push(value) }
      },
      cancel: () => upstream.cancel().catch(() => {}),
      async finish(completed) {
        const firstToken = tap.firstTokenAt()
        const usage = tap.usage() ?? await fallbackUsage(context, tap.deliveredText())
        settle(context, channel, usage, { upstreamModel: target.model, completed, firstTokenMs: firstToken === undefined ? undefined : firstToken - context.startedAt })
      },
      errorEvent: (message) => `data: ${JSON.stringify({ error: { message, type: 'new_api_error', code: 'stream_error' } })}\n\ndata: [DONE]\n\n`,
    }), { status: 200, headers: sseHeaders(context.requestId) })
  }

  /**
   * Streams that are not OpenAI on both sides. A native pass-through forwards the upstream bytes untouched and
   * runs the conversion only as a usage tap; a conversion re-writes every event into the client's format.
   */
  function convertedStream(context: RelayContext, success: Extract<Attempt, { ok: true }>): Response {
    const { response, channel, adaptor, target, mode } = success
    const spec = {
      provider: adaptor.id, inbound: context.inbound, model: context.model, id: `chatcmpl-${context.requestId}`,
      includeUsage: context.inbound !== 'openai-chat' || context.clientWantsUsage, created: Math.floor(Date.now() / 1000),
      target: { baseUrl: target.baseUrl, model: target.model, stream: true, other: target.other, setting: target.setting, channelType: target.channelType },
    }
    const decoder = createUpstreamDecoder(adaptor.id)
    const upstream = response.body!.getReader()
    const forwardBytes = mode === 'native'
    let firstToken: number | undefined
    let usage: Usage | null = null
    const encodeAll = (events: SseEvent[]) => {
      if (events.length === 0) return null
      let out = ''
      for (const event of events) out += encodeSse(event)
      return out
    }
    // The same conversion runs inline or, for real conversions when STREAM_CONVERSION=worker, in a worker thread.
    const inWorker = mode === 'convert' && config.streamConversion === 'worker' && conversions !== undefined
    const converter: { push(events: SseEvent[]): Promise<SseEvent[]> | SseEvent[]; flush(): Promise<SseEvent[]> | SseEvent[]; fail(message: string): Promise<SseEvent[]> | SseEvent[]; cancel(): void } = inWorker
      ? (() => {
          const remote = conversions!.runStreamConversion(spec)
          return {
            push: (events) => (events.length ? remote.push(events) : []),
            flush: async () => { const result = await remote.flush(); usage = result.usage; return result.events },
            fail: async (message) => { const result = await remote.fail({ status: 502, message, type: 'new_api_error', code: 'stream_error' }); usage = result.usage; return result.events },
            cancel: () => remote.cancel(),
          }
        })()
      : (() => {
          const local: StreamConversion = createStreamConversion(spec)
          return {
            push: (events) => {
              const out: SseEvent[] = []
              for (const event of events) for (const converted of local.push(event)) out.push(converted)
              usage = local.usage()
              return out
            },
            flush: () => { const out = local.flush(); usage = local.usage(); return out },
            fail: (message) => { const out = local.fail({ status: 502, message, type: 'new_api_error', code: 'stream_error' }); usage = local.usage(); return out },
            cancel: () => {},
          }
        })()
    let failEvents = ''
    return new Response(streamWithSettlement(context, {
      async next() {
        const { value, done } = await upstream.read()
        if (done) {
          const tail = [...await converter.push(decoder.flush()), ...await converter.flush()]
          return { done: true, out: forwardBytes ? null : encodeAll(tail) }
        }
        const converted = await converter.push(decoder.push(value))
        if (converted.length > 0) firstToken ??= performance.now()
        return { done: false, out: forwardBytes ? value : encodeAll(converted) }
      },
      cancel: () => {
        upstream.cancel().catch(() => {})
        converter.cancel()
      },
      async finish(completed) {
        const billed = usage ?? await fallbackUsage(context, '')
        settle(context, channel, billed, { upstreamModel: target.model, completed, firstTokenMs: firstToken === undefined ? undefined : firstToken - context.startedAt })
      },
      async prepareError(message) { failEvents = encodeAll(await converter.fail(message)) ?? '' },
      errorEvent: () => failEvents,
    }), { status: 200, headers: sseHeaders(context.requestId) })
  }

  interface StreamSource {
    next(): Promise<{ done: boolean; out: Uint8Array | string | null }>
    cancel(): void
    finish(completed: boolean): Promise<void>
    /** Builds the closing error events before errorEvent() is read (a worker conversion answers asynchronously). */
    prepareError?(message: string): Promise<void>
    errorEvent(message: string): string
  }

  /**
   * The client-facing stream: pulls from the source (so a slow client applies backpressure upstream), ends a
   * stream that stays silent for STREAMING_TIMEOUT, and settles exactly once: at the end, on an upstream error
   * (after a final error event) or when the client disconnects (billing what was delivered).
   */
  function streamWithSettlement(context: RelayContext, source: StreamSource): ReadableStream<Uint8Array> {
    let settled = false
    const settleOnce = (completed: boolean) => {
      if (settled) return
      settled = true
      track(source.finish(completed), context)
    }
    const encoder = new TextEncoder()
    const idleSeconds = streamingTimeoutSeconds()
    const watch: SilenceWatch = {
      idleMs: idleSeconds * 1000, waitingSince: 0, timedOut: false,
      expire() {
        watch.timedOut = true
        source.cancel()
        context.upstreamAbort?.abort()
      },
    }
    const timeout = () => new GatewayError(504, `Upstream was silent for ${idleSeconds} s`, 'stream_timeout')
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        watched.add(watch)
        startSilenceSweep()
        try {
          for (;;) {
            watch.waitingSince = Date.now()
            const step = await source.next()
            watch.waitingSince = 0
            if (watch.timedOut) throw timeout()
            if (step.out) controller.enqueue(typeof step.out === 'string' ? encoder.encode(step.out) : step.out)
            if (step.done) {
              watched.delete(watch)
              controller.close()
              settleOnce(true)
              return
            }
            if (step.out) return
          }
        } catch (caught) {
          watched.delete(watch)
          const error = watch.timedOut ? timeout() : caught
          source.cancel()
          context.upstreamAbort?.abort()
          const message = error instanceof GatewayError ? error.message : `Upstream stream failed: ${(error as Error).message}`
          await source.prepareError?.(message).catch(() => undefined)
          controller.enqueue(encoder.encode(source.errorEvent(message)))
          controller.close()
          settleOnce(false)
        }
      },
      cancel() {
        watched.delete(watch)
        source.cancel()
        context.upstreamAbort?.abort()
        settleOnce(false)
      },
    }, { highWaterMark: 0 })
  }

  /**
   * STREAMING_TIMEOUT without a timer per read: every open stream is in `watched`, and one sweep twice a second
   * ends those whose upstream read has waited longer than the limit (so the limit holds to within half a second).
   * Time a slow client takes to read does not count: only a pending upstream read is timed.
   */
  const watched = new Set<SilenceWatch>()
  let silenceSweep: ReturnType<typeof setInterval> | undefined
  function startSilenceSweep() {
    if (silenceSweep) return
    silenceSweep = setInterval(() => {
      if (watched.size === 0) {
        clearInterval(silenceSweep)
        silenceSweep = undefined
        return
      }
      const now = Date.now()
      for (const watch of watched) {
        if (watch.waitingSince !== 0 && now - watch.waitingSince >= watch.idleMs) {
          watched.delete(watch)
          watch.expire()
        }
      }
    }, SILENCE_SWEEP_MS)
    silenceSweep.unref?.()
  }

  function handleModels(request: Request, path: string, clientAddress: string): string[] {
    const caller = authenticateRelay(authDependencies, request, path, clientAddress)
    const served = caches.routing.modelsByGroup.get(caller.group) ?? []
    return served.filter((model) => !model.endsWith('*') && (!caller.modelLimits || caller.modelLimits.has(model)))
  }

  /** Resolves when every settlement still running after its response has been written to the usage writer. */
  async function drain() {
    while (pendingSettlements.size > 0) await Promise.all([...pendingSettlements])
  }

  /** Close idle upstream connections and the silence sweep (shutdown). */
  const close = () => {
    http1?.close()
    if (silenceSweep) clearInterval(silenceSweep)
    silenceSweep = undefined
  }

  return { serve, handleModels, drain, close, authenticate: (request: Request, path: string, clientAddress: string) => authenticateRelay(authDependencies, request, path, clientAddress), tokenAvailable }
}

export type Relay = ReturnType<typeof createRelay>

/** Text of a prompt for counting: completions `prompt`, embeddings/moderations `input`. */
function promptText(body: Record<string, unknown>): string | string[] {
  const value = body.prompt ?? body.input ?? ''
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)))
  return JSON.stringify(value)
}

/** Completion text of a non-stream OpenAI body, for counting when usage is missing. */
function responseText(body: Record<string, unknown>): string {
  const choices = Array.isArray(body.choices) ? body.choices as { message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: unknown }; text?: unknown }[] : []
  return choices.map((choice) => {
    const message = choice.message
    if (!message) return typeof choice.text === 'string' ? choice.text : ''
    return [message.content, message.reasoning_content, message.tool_calls ? JSON.stringify(message.tool_calls) : ''].filter((part) => typeof part === 'string').join('')
  }).join('')
}

/**
 * Refuse a body that is valid in no format before anything is reserved, in the caller's error shape. Bodies of
 * other formats are converted to the canonical shape here once (conversion and prompt counting reuse it).
 */
function validateBody(endpoint: Endpoint, format: WireFormat, body: Record<string, unknown>): ChatRequest | undefined {
  if (format === 'openai-chat') {
    if (endpoint === 'chat' && !Array.isArray(body.messages)) throw new GatewayError(400, 'body is not a chat completion request: "messages" must be an array', 'invalid_request')
    if (endpoint === 'completions' && body.prompt === undefined) throw new GatewayError(400, '"prompt" is required', 'invalid_request')
    if (endpoint === 'embeddings' && body.input === undefined) throw new GatewayError(400, '"input" is required', 'invalid_request')
    return undefined
  }
  try {
    return getInbound(format).toCanonical(body)
  } catch (error) {
    if (error instanceof ConversionError) throw new GatewayError(error.status, error.message, error.code)
    throw error
  }
}

/**
 * A native body for a same-format channel: the upstream model name where the format carries it in the body
 * (Gemini carries it in the URL, built by the adaptor from the target).
 */
function nativeBody(context: { inbound: WireFormat; body: Record<string, unknown>; stream: boolean }, upstreamModel: string): Record<string, unknown> {
  if (context.inbound === 'gemini') {
    const { model: _model, stream: _stream, ...rest } = context.body
    return rest
  }
  return { ...context.body, model: upstreamModel }
}
