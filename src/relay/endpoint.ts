import type { Caches } from '../cache/index.ts'
import type { CachedChannel, Tier } from '../cache/routing.ts'
import type { Config } from '../config.ts'
import type { RelayCaller } from '../auth/api-key.ts'
import type { Reservation } from '../billing/ledger.ts'
import type { Price } from '../billing/pricing.ts'
import type { LoggedRequest } from '../billing/usage-log.ts'
import type { ConversationRoot } from '../channels/cache-affinity.ts'
import type { ChannelRequest, ChannelRequests } from '../channels/channel-requests.ts'
import { GatewayError } from '../errors.ts'
import type { UpstreamResponse } from '../net/http1-client.ts'
import type { Provider, ProviderAdaptor, UpstreamError, UpstreamTarget, Usage, WireFormat } from '../providers/types.ts'
import type { StreamSource } from './stream-response.ts'
import type { TrafficTicket } from '../traffic/relay-traffic.ts'
import { nestsDeeperThan, RELAY_MAX_DEPTH, tooDeep } from '../security/hostile-body.ts'
import type { ConversionRunner, TokenCounter } from './token-counter.ts'

/**
 * The contract between the relay pipeline (`relay.ts`) and one endpoint (`endpoints/<name>.ts`).
 *
 * Call order for one request:
 *   1. `read(request, route)`: parse and validate the body (JSON or multipart) before anything is reserved;
 *   2. the pipeline authenticates, resolves the model, prices it and reserves `completionReserve` plus the prompt;
 *   3. per attempt: routing picks a channel whose provider `serves` the endpoint; `prepare` builds the call;
 *   4. on a 2xx answer `respond` answers the client (JSON, SSE or binary) and settles through the kit, exactly once;
 *      a failure is classified by the pipeline (retry, auto-disable, error row and refund).
 * `countPrompt` is used only when the upstream reported no usage.
 */
export interface Endpoint {
  name: string
  /** The client's wire format: refusals come back in its error shape. */
  format: WireFormat
  /** Whether a channel of this provider can serve the endpoint (routing skips the others). */
  serves(provider: Provider): boolean
  read(request: Request, route: RouteInput): Promise<ParsedRequest>
  /** Completion tokens to reserve for; `fallback` is the PreConsumedQuota option. 0 for endpoints that produce none. */
  completionReserve(body: Record<string, unknown>, fallback: number): number
  /**
   * The quota to reserve, when the endpoint prices differently from prompt + completion tokens (per image, per
   * second of audio). Without it the pipeline reserves the prompt estimate plus `completionReserve`.
   */
  reserve?(parsed: ParsedRequest, price: Price, quotaPerUnit: number): number
  /** The upstream call for one channel and key; may throw a GatewayError (counted as a failed attempt). */
  prepare(context: RelayContext, channel: CachedChannel, provider: Provider, keyIndex: number, kit: RelayKit): PreparedCall
  respond(context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response>
  countPrompt(context: RelayContext, counter: TokenCounter): Promise<number>
  /**
   * What every turn of the request's conversation repeats (system prompt, first message), for cache-aware routing
   * (channels/cache-affinity.ts); absent for endpoints without conversations.
   */
  conversationRoot?(body: Record<string, unknown>): ConversationRoot
}

/** A POST route that serves an endpoint; `detail` is its OpenAPI description. */
export interface RelayRoute {
  path: string
  endpoint: Endpoint
  detail: object
  /**
   * Gemini names its method after the model (`{model}:embedContent`): the endpoint for each method, by the text after
   * the last `:` of the wildcard; `count-tokens` goes to the (unbilled) token count. Others use `endpoint`.
   */
  actions?: Readonly<Record<string, Endpoint | 'count-tokens'>>
}

/** Where a request arrived: the matched path, the caller's address and the route's parameters. */
export interface RouteInput {
  path: string
  clientAddress: string
  params?: Record<string, string | undefined>
}

/** A request as `read` leaves it: validated, nothing reserved yet. */
export interface ParsedRequest {
  /** The JSON body, or the fields of a multipart form (files stay in `form`). */
  body: Record<string, unknown>
  /** The body as the client sent it (JSON endpoints pass it on untouched when nothing changes). */
  bodyText: string
  model: string
  stream: boolean
  /** The client asked for stream usage itself (so the usage chunk is theirs to see). */
  clientWantsUsage: boolean
  /** The body in the canonical (OpenAI Chat) shape, when reading it already converted it. */
  canonical?: Record<string, unknown>
  /** `anthropic-beta` of a Claude client, forwarded on native Anthropic requests. */
  anthropicBeta?: string
  /** A multipart request's form as Bun parsed it (within MAX_REQUEST_BODY_MB), for endpoints that forward files. */
  form?: FormData
  /** What an endpoint's `read` parsed or measured for its own later steps (an audio upload and its duration). */
  extension?: unknown
}

/** Everything known about one relay request while it is being served. */
export interface RelayContext extends ParsedRequest, LoggedRequest {
  endpoint: Endpoint
  /** The authenticated key holder (`caller` of LoggedRequest is its log view). */
  holder: RelayCaller
  price: Price
  reservation: Reservation
  /** Channels that may serve the model and the endpoint, resolved once at admission. */
  tiers: Tier[]
  tried: number[]
  /** The current attempt's upstream request, to abort when a streaming client leaves. */
  upstreamAbort?: AbortController
  clientGone?: boolean
  /** The channel slot of the answering attempt (channels/concurrency.ts), given back when the request settles. */
  releaseSlot?: () => void
  /** The rate limits this request holds (slots, token windows), freed once when it is over. */
  traffic?: TrafficTicket
  /** The conversation's hash when cache-aware routing applies: it picks the channel and key (channels/cache-affinity.ts). */
  affinity?: number
}

/** One attempt's call: the request to send and what reading its answer needs. */
export interface PreparedCall {
  request: ChannelRequest
  target: UpstreamTarget
  adaptor: ProviderAdaptor
  /** Endpoint-specific: how the answer is to be read (e.g. chat's openai / native / convert). */
  mode: string
  /** How a failed answer is read, when not by `adaptor` (a capability with its own error shape). */
  mapError?(status: number, bodyText: string): UpstreamError
}

/** A 2xx answer from a channel. */
export interface Exchange {
  response: UpstreamResponse
  channel: CachedChannel
  call: PreparedCall
}

/** How a request ended, for its log row. */
export interface SettleOutcome {
  firstTokenMs?: number
  upstreamModel?: string
  completed: boolean
  /** The cost when the endpoint prices it itself (per image, per second); otherwise computed from the usage. */
  quota?: number
  /** What the row was billed for beyond tokens (`n`, `size`, `seconds`, `characters`…), added to its `other`. */
  billedFor?: Record<string, string | number | boolean>
  /** The answer held a sensitive word: refused, or its stream cut (CheckSensitiveOnCompletionEnabled). */
  sensitiveWordsDetected?: boolean
}

/** What the pipeline offers an endpoint while it answers. */
export interface RelayKit {
  config: Config
  caches: Caches
  requests: ChannelRequests
  conversions?: ConversionRunner
  /** Whether FORCE_STREAM_OPTION is on (the console option wins over the environment). */
  forceStreamOption(): boolean
  /** Exact cost, settle the reservation, queue the log row. Call once. */
  settle(context: RelayContext, channel: CachedChannel, usage: Usage, outcome: SettleOutcome): void
  /** Settle after the response, once `usage` is known (shutdown waits for it). */
  settleLater(context: RelayContext, channel: CachedChannel, usage: Promise<Usage>, outcome: () => SettleOutcome): void
  /** Refund, write an error row and answer the client in its error shape. */
  fail(context: RelayContext, channel: CachedChannel, error: GatewayError): Response
  /** Usage when the upstream reported none: the prompt (endpoint's count) and the delivered text. */
  fallbackUsage(context: RelayContext, completionText: string): Promise<Usage>
  /** A client-facing SSE stream that ends silent upstreams and settles exactly once. */
  stream(context: RelayContext, source: StreamSource): Response
  json(context: RelayContext, body: string): Response
}

/**
 * A JSON object body; anything else is the client's mistake. Synchronous: a read costs one await, the body's. The
 * depth is checked first, in one pass: a value nested past RELAY_MAX_DEPTH would overflow the stack of every step
 * that walks it (conversion, re-serialisation).
 */
export function parseJsonObject(bodyText: string): Record<string, unknown> {
  if (nestsDeeperThan(bodyText, RELAY_MAX_DEPTH)) throw tooDeep(RELAY_MAX_DEPTH)
  try {
    const parsed = JSON.parse(bodyText)
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed
  } catch { /* the message below says what is wrong */ }
  throw new GatewayError(400, 'The request body must be a JSON object', 'invalid_request')
}

/** A parsed OpenAI-style JSON body: its model, stream flag and stream-usage wish. */
export function openAiRequest(body: Record<string, unknown>, bodyText: string): ParsedRequest {
  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined
  return { body, bodyText, model: typeof body.model === 'string' ? body.model.trim() : '', stream: body.stream === true, clientWantsUsage: streamOptions?.include_usage === true }
}

/**
 * Completion tokens a request may produce, by whichever name its format gives the limit (Gemini's in
 * generationConfig), times the choices it asks for (`n`, `candidateCount`). The numbers are checked first
 * (request-numbers.ts).
 */
export function maxOutputTokens(body: Record<string, unknown>, fallback: number): number {
  const config = (body.generationConfig ?? body.generation_config) as Record<string, unknown> | undefined
  const tokens = Number(body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens ?? config?.maxOutputTokens ?? config?.max_output_tokens ?? 0) || fallback
  const choices = Number(body.n ?? config?.candidateCount ?? config?.candidate_count ?? 1) || 1
  return tokens * choices
}

export const REQUEST_ID_HEADER = 'X-Oneapi-Request-Id'
