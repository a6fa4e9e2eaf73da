/**
 * Provider hub contracts.
 *
 * Every upstream adaptor converts between its own wire format and ONE canonical shape, the OpenAI
 * Chat Completions request / response / chunk. Every inbound format other than OpenAI Chat converts
 * to and from that canonical shape too. Usage always leaves an adaptor as one `Usage` record: billing
 * reads nothing else.
 *
 * Call order for one request (relay):
 *   1. inbound = inboundFormats[format]; canonical = inbound.toCanonical(body)        (skipped when pass-through)
 *   2. adaptor = adaptors[channelProvider]; native = adaptor.toUpstream(canonical, target)
 *   3. request = adaptor.buildRequest(native, target)  -> fetch
 *   4a. non-stream: { response, usage } = adaptor.fromUpstream(json, target); inbound.fromCanonical(response)
 *   4b. stream: parser = adaptor.createStreamParser(target); writer = inbound.createStreamWriter(ctx)
 *       for each upstream SSE event: writer.push(parser.push(event)) -> client; at end flush both;
 *       parser.usage() is the usage to bill (null when the upstream reported none).
 * When inbound format === adaptor.format, steps 1/2/4 are identity and the body passes through natively.
 */

/**
 * Wire formats Tollgate understands, inbound and outbound ('cohere', 'bedrock-converse', 'dify', 'coze', 'baidu-ernie',
 * 'zhipu-v3', 'tencent-hunyuan', 'ollama', 'xunfei' and 'replicate' are outbound only).
 */
export type WireFormat = 'openai-chat' | 'openai-responses' | 'anthropic' | 'gemini' | 'openai-completions' | 'openai-embeddings' | 'cohere' | 'bedrock-converse'
  | 'dify' | 'coze' | 'baidu-ernie' | 'zhipu-v3' | 'tencent-hunyuan' | 'ollama' | 'xunfei' | 'replicate'

/** The one usage record. All counts are tokens; absent details are 0. */
export interface Usage {
  /** Every prompt token, including cached reads and cache writes. */
  inputTokens: number
  /** Prompt tokens served from the provider's prompt cache (billed with CacheRatio). */
  cachedInputTokens: number
  /** Prompt tokens written to the provider's prompt cache (billed with CreateCacheRatio). */
  cacheWriteInputTokens: number
  imageInputTokens: number
  audioInputTokens: number
  /** Every completion token, including reasoning. */
  outputTokens: number
  reasoningTokens: number
  /** Completion tokens that are audio (realtime, audio chat), billed with AudioRatio × AudioCompletionRatio. */
  audioOutputTokens?: number
  /** Cached prompt tokens that are audio (part of cachedInputTokens and audioInputTokens). */
  cachedAudioInputTokens?: number
}

export const emptyUsage = (): Usage => ({
  inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
  outputTokens: 0, reasoningTokens: 0,
})

/** One decoded server-sent event. `event` is the `event:` line when the wire has one. */
export interface SseEvent {
  event?: string
  data: string
  /** Zhipu v3's non-standard `meta:` line (JSON with the usage), kept only by the 'sse-meta' decoder. */
  meta?: string
}

/** Canonical request/response types: OpenAI Chat Completions objects. Unknown fields pass through. */
export type ChatRequest = { model: string; messages: ChatMessage[]; stream?: boolean; [field: string]: unknown }
export type ChatMessage = { role: string; content?: unknown; [field: string]: unknown }
export type ChatResponse = { id: string; object: 'chat.completion'; model: string; choices: unknown[]; usage?: Record<string, unknown>; [field: string]: unknown }
export type ChatChunk = { id: string; object: 'chat.completion.chunk'; model: string; choices: unknown[]; usage?: Record<string, unknown> | null; [field: string]: unknown }

/** What an adaptor needs to know about the channel it is sending to. */
export interface UpstreamTarget {
  /** Base URL without trailing slash, e.g. https://api.openai.com. */
  baseUrl: string
  /** One key (multi-key channels already picked one). */
  key: string
  /** Upstream model name after model_mapping. */
  model: string
  /** The model name the client asked for, before model_mapping, when the relay knows it (Vertex regions are keyed by it, as in new-api). */
  requestedModel?: string
  stream: boolean
  /** Channel `other` field (e.g. Azure api-version). */
  other: string
  /** Parsed channel `setting` JSON. */
  setting: Record<string, unknown>
  /** Channel type number (new-api enum) for vendor quirks. */
  channelType: number
  /**
   * A stable id of who is asking (the Tollgate user and token), set only for adaptors with `needsEndUser`: providers
   * that keep state per end user (Dify conversations, Coze's user_id) need one; the OpenAI `user` field refines it.
   */
  endUser?: string
  /** A Claude client's `anthropic-beta` header, for adaptors that carry it in the body (Bedrock InvokeModel). */
  anthropicBeta?: string
}

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  body: string
  /** Auth that needs an asynchronous step first (Vertex AI's OAuth2 access token, Baidu's access_token); see RequestAuthorizer. */
  authorize?: RequestAuthorizer
  /** A body that needs an asynchronous step first (Dify: image uploads, the conversation to continue); see RequestPreparer. */
  prepare?: RequestPreparer
  /**
   * Providers that answer failures with HTTP 200 and the error in a JSON body (Baidu ERNIE, Tencent Cloud, Zhipu
   * v3): the failure such a body stands for, or null when it is an answer. The channel client reads a 2xx answer
   * that is not an event stream whole, asks this, and hands a failure on with its status, so the relay classifies,
   * retries and maps it (with the adaptor's mapError, from the same body) like any other failed answer.
   */
  okBodyFailure?: (bodyText: string) => OkBodyFailure | null
  /** Sent over a WebSocket instead of HTTP (Xunfei Spark); see WebSocketExchange. */
  websocket?: WebSocketExchange
}

/**
 * A chat call whose upstream is a WebSocket (Xunfei Spark): `url` (ws:// or wss://) is opened with `headers`, `body`
 * is sent as one text frame, and the upstream's text frames are the answer. The channel client turns them into the
 * HTTP-shaped answer the relay already reads: the first frame's `status` decides success (an error frame becomes a
 * failed answer whose body is that frame, read by the adaptor's mapError); on success each frame is one SSE event
 * (`data: <frame>`) for the stream parser, or, when `aggregate`, all frames up to the last become one JSON body
 * `{"frames": [...]}` for fromUpstream.
 */
export interface WebSocketExchange {
  /** Non-stream: collect the frames into one body instead of streaming them. */
  aggregate: boolean
  /** The HTTP status a frame stands for: 200 for an answer frame, an error status for an error frame. */
  status(frame: string): number
  /** Whether a frame is the answer's last (the upstream closes after it). */
  isLast(frame: string): boolean
}

/** A failure found in an HTTP 200 body: the status it stands for; `renewAuth`: the credential expired, get a fresh one and send once more. */
export interface OkBodyFailure {
  status: number
  renewAuth?: boolean
}

/** A bare POST (a token exchange, a file upload) made through the gateway's one upstream client. */
export type AuthPost = (url: string, headers: Record<string, string>, body: string | Uint8Array) => Promise<{ status: number; text(): Promise<string> }>

/**
 * Small shared state an adaptor keeps between requests (Dify's conversation ids): in this process, or in Redis when
 * the gateway has one so every node sees it. Values are short strings; entries expire.
 */
export interface StateStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttlSeconds: number): Promise<void>
}

/**
 * A bare GET the way the channel sends (its proxy; stopped when the client leaves): Replicate polls a prediction and
 * opens its stream, Wanx polls its task.
 */
export type UpstreamGet = (url: string, headers: Record<string, string>) => Promise<UpstreamAnswer>

/**
 * A file an upstream made and links to (a generated image), fetched under the SSRF guard with a size cap; rejects
 * when it cannot be. `allowPrivateHosts`: hosts trusted to be private (the channel's own base URL host).
 */
export type ResultDownload = (url: string, options: { maxBytes: number; allowPrivateHosts: readonly string[] }) => Promise<Uint8Array>

/** What a RequestPreparer may use: the upstream client for side calls, result downloads and the shared state. */
export interface PrepareIo {
  post: AuthPost
  get: UpstreamGet
  download: ResultDownload
  state: StateStore
}

/** An upstream answer as a preparer may see or replace it (the channel client's response satisfies it). */
export interface UpstreamAnswer {
  readonly status: number
  readonly statusText: string
  readonly ok: boolean
  readonly headers: Headers
  readonly body: ReadableStream<Uint8Array> | null
  text(): Promise<string>
  json(): Promise<unknown>
}

/** A prepared body: what to send, and how its answer is to be read. */
export interface PreparedBody {
  body: string
  /** An answer to use instead of sending (a side call failed: its error is the request's error). */
  answer?: UpstreamAnswer
  /**
   * Sees the answer before the relay reads it and may stand in for it: Dify remembers the conversation id, Coze
   * turns its HTTP 200 `{code, msg}` refusals into failures and a stream into a non-stream body.
   */
  read?(answer: UpstreamAnswer): Promise<UpstreamAnswer>
}

/**
 * The body's asynchronous step, run by the channel client just before sending. Building a request stays synchronous;
 * only requests that carry one (Dify, Coze channels) pay the extra await.
 */
export type RequestPreparer = (io: PrepareIo) => Promise<PreparedBody>

/** What an authorizer adds to a request: headers (a bearer token) and URL query parameters (Baidu's `access_token`). */
export interface RequestAuth {
  headers?: Record<string, string>
  query?: Record<string, string>
}

/**
 * Auth to add just before sending, obtained asynchronously (usually from a cache). Building a request stays
 * synchronous; the channel client awaits this only for requests that carry one. `renew`: the upstream refused the
 * cached credential (see OkBodyFailure.renewAuth), so fetch a new one instead of answering from the cache.
 */
export type RequestAuthorizer = (post: AuthPost, options?: { renew?: boolean }) => Promise<RequestAuth>

/** Error classes an upstream failure maps to; the relay's retry policy reads `retryable`. */
export interface UpstreamError {
  status: number
  message: string
  type: string
  code: string
  /** Whether trying another channel may help (false for 400-class request problems and quota errors). */
  retryable: boolean
}

/** Incremental stream step: a pure object whose state lives in its closure; runs inline or in a worker. */
export interface StreamStep<In, Out> {
  push(input: In): Out[]
  flush(): Out[]
}

/** Upstream events -> canonical chunks. `usage()` is valid after flush (null: upstream reported none). */
export interface StreamParser extends StreamStep<SseEvent, ChatChunk> {
  usage(): Usage | null
  finishReason(): string | null
}

/**
 * A vendor's own spelling of OpenAI Chat request fields (OpenRouter's `reasoning` object for `reasoning_effort`).
 * `applies` is asked first so an OpenAI client's body that needs nothing passes as the bytes it sent.
 */
export interface ChatRequestAdapter {
  applies(body: Record<string, unknown>): boolean
  /** Rewrites the body in place (a copy the caller owns). */
  adapt(body: Record<string, unknown>): void
}

/** One upstream provider. */
export interface ProviderAdaptor {
  id: string
  /** Native wire format of this provider's chat endpoint. */
  format: WireFormat
  /** OpenAI-format vendors whose chat requests spell some fields their own way; applied to OpenAI clients' bodies too. */
  chatRequest?: ChatRequestAdapter
  /**
   * buildRequest reshapes even a body in this adaptor's own format (Bedrock's Claude: the model into the URL, the
   * version into the body, a signature over the result), so a client's bytes can never be sent as they came and
   * `pass_through_body_enabled` does not apply.
   */
  reshapesNativeBody?: boolean
  /**
   * How the upstream frames its stream: SSE (default), SSE whose events also carry a `meta:` line (Zhipu v3: the
   * usage of the finish event), AWS eventstream (Bedrock Converse), or eventstream `chunk`s wrapping the provider's
   * own SSE events (Bedrock InvokeModel for Claude: decoded into Anthropic events), or newline-delimited JSON (Ollama). `createUpstreamDecoder(id)` in
   * index.ts gives the matching bytes → SseEvent decoder. Only SSE bytes can be forwarded to a client of the same
   * format untouched.
   */
  streamFraming?: 'sse' | 'sse-meta' | 'aws-eventstream' | 'bedrock-invoke' | 'ndjson'
  /** The relay fills `target.endUser` (providers keeping per-user state: Dify, Coze). */
  needsEndUser?: boolean
  toUpstream(request: ChatRequest, target: UpstreamTarget): Record<string, unknown>
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget): { response: ChatResponse; usage: Usage | null }
  createStreamParser(target: UpstreamTarget): StreamParser
  /** Usage from a native non-stream body without converting it (pass-through path). */
  readUsage(body: Record<string, unknown>): Usage | null
  mapError(status: number, bodyText: string): UpstreamError
}

/** What an inbound stream writer needs besides the chunks. */
export interface StreamWriterContext {
  /** Model name to show the client. */
  model: string
  /** Response id to show the client. */
  id: string
  /** Unix seconds for `created` fields; defaults to now. */
  created?: number
  /** OpenAI Chat only: send the usage-only chunk before [DONE] (the client's stream_options.include_usage). Default true. */
  includeUsage?: boolean
}

/** An error as every inbound format can show it. */
export interface ClientError {
  status: number
  message: string
  type: string
  code: string
}

/**
 * Canonical chunks -> this format's SSE events. Call order: push(chunk)* then exactly one of finish(usage) (normal
 * end; emits the closing events with the usage) or fail(error) (the upstream broke mid-stream; emits the format's
 * in-stream error event). Events returned are complete and can be encoded with encodeSse as they come.
 */
export interface InboundStreamWriter extends StreamStep<ChatChunk, SseEvent> {
  finish(usage: Usage | null): SseEvent[]
  fail(error: ClientError): SseEvent[]
}

/** One inbound (client-facing) format. */
export interface InboundFormat {
  id: WireFormat
  /** Client body -> canonical request; throws ConversionError (status 400) for a body this format cannot read. */
  toCanonical(body: Record<string, unknown>): ChatRequest
  fromCanonical(response: ChatResponse, usage: Usage | null): Record<string, unknown>
  createStreamWriter(context: StreamWriterContext): InboundStreamWriter
  /** Error body in this format's shape. */
  errorBody(error: ClientError): Record<string, unknown>
}

/**
 * A whole stream conversion (upstream provider events -> inbound format events), described by plain data so
 * it can be rebuilt inside a worker thread. Built by `createStreamConversion(spec)` in `src/providers/index.ts`.
 */
export interface StreamConversionSpec {
  /** Adaptor id of the upstream provider (e.g. 'anthropic'). */
  provider: string
  /** Format the client speaks. */
  inbound: WireFormat
  /** Target without the secret key: conversions never need it. */
  target: Omit<UpstreamTarget, 'key'>
  /** Model name to show the client (the name it asked for). */
  model: string
  /** Response id to show the client. */
  id: string
  /** OpenAI Chat clients: whether to send the usage-only chunk (see StreamWriterContext.includeUsage). Default true. */
  includeUsage?: boolean
  /** Unix seconds shown as `created`/`created_at`; defaults to when the conversion is built. */
  created?: number
}

/**
 * A running conversion: SSE events in, SSE events out; `usage()` is final after flush().
 * `push` never throws for an upstream error event: it returns the inbound format's error event instead and
 * `upstreamError()` reports what happened (the stream is over; bill `usage()` as delivered). Once the relay
 * itself fails the stream (timeout, connection reset), `fail(error)` gives the error event to send last.
 */
export interface StreamConversion extends StreamStep<SseEvent, SseEvent> {
  usage(): Usage | null
  /** The upstream's in-stream error, if one ended the stream. */
  upstreamError(): UpstreamError | null
  fail(error: ClientError): SseEvent[]
}

/** The OpenAI-format endpoints besides chat that an OpenAI-speaking provider serves at its own URL. */
export type OpenAiEndpointPath = '/v1/completions' | '/v1/embeddings' | '/v1/moderations'

/** OpenAI's image routes. */
export type OpenAiImagePath = '/v1/images/generations' | '/v1/images/edits' | '/v1/images/variations'

/** OpenAI's audio routes: speech (JSON in, audio or SSE out) and the two multipart uploads. */
export type OpenAiAudioPath = '/v1/audio/speech' | '/v1/audio/transcriptions' | '/v1/audio/translations'

/**
 * OpenAI-format media paths (images, audio): unlike completions and embeddings, not every
 * OpenAI-speaking provider serves them, so each provider declares the ones it does in `openAiMediaPaths`.
 */
export type OpenAiMediaPath = OpenAiImagePath | OpenAiAudioPath

/** One HTTP call a capability describes; `src/channels/` sends it (with the channel's header overrides). */
export interface CapabilityRequest {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  headers: Record<string, string>
  body?: string
  /** The body is covered by a signature (AWS SigV4): parameter overrides cannot be merged into it afterwards. */
  signed?: boolean
}

/** Model discovery: one request, then the model ids read from its JSON answer. */
export interface ModelListCapability {
  request(target: UpstreamTarget): CapabilityRequest
  parse(body: Record<string, unknown>): string[]
}

/** Account balance in USD: the requests to make (in order), then the balance read from their JSON answers. */
export interface BalanceCapability {
  requests(target: UpstreamTarget): CapabilityRequest[]
  parse(bodies: Record<string, unknown>[]): number
}

/** OpenAI-format non-chat endpoints (completions, embeddings, moderations…): where they are and how to sign in. */
export interface OpenAiEndpointsCapability {
  /** The paths this provider serves; absent: every OpenAI-format path. */
  paths?: ReadonlySet<OpenAiEndpointPath>
  url(path: OpenAiEndpointPath | OpenAiMediaPath, target: UpstreamTarget): string
  authHeaders(target: UpstreamTarget): Record<string, string>
}

/** Whether the provider serves an OpenAI-format path (completions, embeddings…) natively. */
export const servesOpenAiPath = (provider: Provider, path: OpenAiEndpointPath): boolean =>
  provider.openAiEndpoints !== undefined && (provider.openAiEndpoints.paths === undefined || provider.openAiEndpoints.paths.has(path))

/** A rerank request in the Jina/Cohere shape clients send (Dify, LangChain, the Cohere SDK). */
export interface RerankRequest {
  model: string
  query: string
  /** Strings, or objects (Jina's `{text}`, or any record a client ranks as its JSON text). */
  documents: (string | Record<string, unknown>)[]
  top_n?: number
  return_documents?: boolean
}

/** One ranked document: its position in the request and its score; the document itself when asked for. */
export interface RerankResult {
  index: number
  relevance_score: number
  document?: { text: string } | Record<string, unknown>
}

/** Ranking documents: the request to make and the ranking read from the answer. */
export interface RerankCapability {
  request(rerank: RerankRequest, target: UpstreamTarget): CapabilityRequest
  /** `usage` null when the upstream reports no tokens; `searchUnits` when it bills in Cohere's search units. */
  parse(body: Record<string, unknown>): { results: RerankResult[]; usage: Usage | null; searchUnits?: number }
  mapError(status: number, bodyText: string): UpstreamError
}

/** One image operation, named after its OpenAI route. */
export type ImageOperation = 'generations' | 'edits' | 'variations'

/** An input image of an edit or variation, as the client uploaded it. */
export interface InputImage {
  bytes: Uint8Array
  mimeType: string
}

/** An OpenAI-shaped image request as a non-OpenAI provider needs it (fields the client did not send are absent). */
export interface ImageRequest {
  operation: ImageOperation
  prompt: string
  n: number
  size?: string
  quality?: string
  /**
   * How the client wants the images: `b64_json` when it asked so or streams (a stream's events carry base64), else
   * `url`. Providers answering only one way may ignore it (Gemini has no URL, SiliconFlow no base64).
   */
  responseFormat: 'url' | 'b64_json'
  /** Edits: the images to edit, in order. */
  images: InputImage[]
}

/** The OpenAI images answer: `data[]` with `b64_json` or `url`, plus usage when the upstream reported it. */
export interface ImagesResult {
  data: { b64_json?: string; url?: string; revised_prompt?: string }[]
  usage: Usage | null
}

/**
 * Images from a provider whose image API is not OpenAI's (Gemini's Imagen `:predict` and image-output
 * generateContent). Call order: routing skips the provider for an operation not in `operations`; `request` builds
 * the call (throwing ConversionError for a model that cannot do the operation); `parse` reads its 2xx JSON answer.
 * Failures are read by the provider's chat adaptor `mapError` (the same error body as its chat endpoint).
 */
export interface ImagesCapability {
  operations: ReadonlySet<ImageOperation>
  /**
   * The native request; its JSON body gets the channel's parameter overrides merged in before it is sent. `read`
   * sees the answer before `parse` and may stand in for it, through `io`: Replicate polls a prediction not finished
   * yet; Wanx (an asynchronous API answering a task id) follows the task to its end (a failure as an error answer
   * `mapError` reads), so `parse` sees the result.
   */
  request(image: ImageRequest, target: UpstreamTarget): {
    url: string; headers: Record<string, string>; body: Record<string, unknown>
    read?: (answer: UpstreamAnswer, io: PrepareIo) => Promise<UpstreamAnswer>
  }
  parse(body: Record<string, unknown>, image: ImageRequest): ImagesResult
}

/** An embeddings request in OpenAI's shape, the canonical one (`input`: a string or a list of strings). */
export interface EmbeddingsRequest {
  model: string
  input: string[]
  dimensions?: number
  /** OpenAI's `float` (default) or `base64`; providers without base64 answer floats, encoded by the endpoint. */
  encoding_format?: string
  /** Cohere's and Gemini's hint of what the text is for (OpenAI has none). */
  input_type?: string
}

/** Embeddings from a provider whose API is not OpenAI's: the request to make, then the vectors in input order. */
export interface EmbeddingsCapability {
  request(embeddings: EmbeddingsRequest, target: UpstreamTarget): CapabilityRequest
  /** `usage` null when the upstream reports no tokens (Gemini): the endpoint counts them. */
  parse(body: Record<string, unknown>): { vectors: number[][]; usage: Usage | null }
  mapError(status: number, bodyText: string): UpstreamError
}

/** Counting a prompt's tokens upstream (never billed): the request, then the count read from the answer. */
export interface CountTokensCapability {
  /** The wire format of the body it counts (a client of that format is asked of it natively). */
  format: WireFormat
  request(body: Record<string, unknown>, target: UpstreamTarget): CapabilityRequest
  /** undefined when the answer holds no count (the caller then counts locally). */
  parse(body: Record<string, unknown>): number | undefined
}

/**
 * The Realtime API over WebSocket (OpenAI's `/v1/realtime`, Azure's realtime deployments). Call order: the
 * realtime runner (src/relay/realtime/) picks a channel, then opens `url(target)` as a WebSocket with
 * `headers(target)` (the channel's header overrides on top) and relays frames both ways untouched. `sessionsUrl`
 * is where the ephemeral-session routes (`/v1/realtime/sessions`, `/v1/realtime/client_secrets`) are, for
 * providers that issue client secrets.
 */
export interface RealtimeCapability {
  /** `ws://` or `wss://` URL of a session for `target.model` (after model_mapping). */
  url(target: UpstreamTarget): string
  headers(target: UpstreamTarget): Record<string, string>
  sessionsUrl?(path: RealtimeSessionPath, target: UpstreamTarget): string
}

/** The ephemeral-session routes a browser client calls (through the gateway) for a client secret. */
export type RealtimeSessionPath = '/v1/realtime/sessions' | '/v1/realtime/client_secrets'

/**
 * One upstream provider and what it can do, in the spirit of vercel/ai's ProviderV4: every capability optional
 * (nearly all have `chat`). Routing skips channels whose provider lacks the capability an endpoint needs, so an
 * endpoint a provider cannot serve is never attempted. A new capability (images, speech, transcription, rerank,
 * realtime…) is a new optional field here, filled by the providers that have it.
 *
 * Registered once in `src/providers/index.ts`; `providerForChannelType(type)` finds it for a channel.
 */
export interface Provider {
  id: string
  /** new-api channel type numbers this provider serves. */
  channelTypes: readonly number[]
  /** Used when a channel leaves base_url empty; '' when the channel must give one (unless `baseUrlOptional`). */
  defaultBaseUrl: string
  /** The adaptor builds its URL without a base URL (Bedrock: from the key's region). */
  baseUrlOptional?: boolean
  /**
   * What is wrong with one key of a channel of this provider (a composite key missing a part), or null when it is
   * usable: saving a channel refuses such a key with a 400 that says so.
   */
  keyProblem?(key: string): string | null
  /** Chat in the provider's own wire format, converted through the canonical shape; absent for rerank/embedding-only providers (Jina). */
  chat?: ProviderAdaptor
  /**
   * A provider whose chat wire format depends on the model (Vertex AI: Gemini models speak Gemini, Claude models
   * Anthropic): every adaptor it may pick, and the pick. `chat` is then the default one.
   */
  chatByModel?: { adaptors: readonly ProviderAdaptor[]; pick(model: string): ProviderAdaptor }
  /** A native OpenAI Responses endpoint, used for Responses clients instead of converting through Chat. */
  responses?: ProviderAdaptor
  /** OpenAI-format completions / embeddings / moderations. */
  openAiEndpoints?: OpenAiEndpointsCapability
  /** The media paths (`/v1/images/*`…) `openAiEndpoints` also serves, passed through in OpenAI's format. */
  openAiMediaPaths?: ReadonlySet<OpenAiMediaPath>
  /** Images in the provider's own format, converted to and from OpenAI's. */
  images?: ImagesCapability
  /** Accepts `stream_options.include_usage` (OpenAI-format vendors that refuse it send usage on the finish chunk). */
  streamUsageOption: boolean
  listModels?: ModelListCapability
  balance?: BalanceCapability
  rerank?: RerankCapability
  /** Embeddings through the provider's own API (OpenAI-format providers serve `/v1/embeddings` via openAiEndpoints). */
  embeddings?: EmbeddingsCapability
  /** Anthropic's count_tokens and Gemini's countTokens, for clients asking before they send. */
  countTokens?: CountTokensCapability
  /** Realtime sessions over WebSocket. */
  realtime?: RealtimeCapability
  /**
   * An asynchronous task family (`src/tasks/<family>/`, a TaskAdaptor in the task registry) instead of request /
   * response capabilities: the `platform` its tasks are stored under ('mj', 'suno').
   */
  taskPlatform?: 'mj' | 'suno'
}
