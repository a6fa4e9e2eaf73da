/**
 * A local upstream that speaks OpenAI, Anthropic and Gemini on a real port, for the bench suite and for the
 * relay's integration tests. It either generates responses (size, chunk count, pacing, latency, failures and
 * missing usage are all options) or replays a recorded provider response from the recorded fixtures (src/testing/fixtures/upstream/),
 * framed the way the real provider frames it on the wire.
 *
 * Standalone: `bun bench/mock-upstream.ts --port 9100 --latency 0` prints one JSON line `{"url","port"}`.
 * Options can be changed at run time with `POST /__mock/options` (JSON, same fields as MockUpstreamOptions
 * minus the hook); `GET /__mock/stats` answers `{requests}`. Bench child processes are steered that way.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** What a test hook sees of one request. `path` includes the query string (Gemini's `?alt=sse`). */
export interface MockRequest {
  path: string
  method: string
  headers: Record<string, string>
  /** Parsed JSON body; the raw text when it is not JSON; undefined when there is no body. */
  body: unknown
}

/** How a recorded `*.chunks.txt` file is put on the wire (see the fixtures README). */
export type ReplayFraming =
  /** `data: <line>` events, then `data: [DONE]` (OpenAI Chat/Completions and OpenAI-compatible vendors). */
  | 'openai'
  /** `event: <json.type>` + `data: <line>`, no terminator (Anthropic Messages, OpenAI Responses). */
  | 'typed-events'
  /** `data: <line>` only, no terminator (Gemini, Cohere). */
  | 'data-only'
  /** Binary application/vnd.amazon.eventstream messages (Bedrock ConverseStream). */
  | 'eventstream'

export interface MockUpstreamOptions {
  /** 0 (default) picks any free port. The server always binds 127.0.0.1. */
  port?: number
  /** Delay before the response headers, in ms. */
  latencyMs?: number
  /** A uniform random 0..jitterMs is added to latencyMs. */
  jitterMs?: number
  /** Length of the generated assistant text, in bytes (ASCII). */
  responseBytes?: number
  /** Number of content chunks in a generated stream (the framing adds start/finish/usage events around them). */
  chunkCount?: number
  /** Pause between two stream events, in ms (0: everything is written at once). Also paces replays. */
  chunkIntervalMs?: number
  /** Leave every usage field out of generated responses (the gateway must count tokens itself). */
  omitUsage?: boolean
  /** Probability 0..1 that a request is answered with failureStatus and a provider-shaped error body. */
  failureRate?: number
  failureStatus?: number
  /** Serve this recorded file (relative to the fixtures folder) for every relay request instead of generating. */
  replay?: string
  /** HTTP status of a replayed response (error fixtures record only the body). Default 200. */
  replayStatus?: number
  /** Overrides the framing inferred from the fixture's folder. */
  replayFraming?: ReplayFraming
  /** Fixtures folder; default FIXTURES_DIR or the repository's src/testing/fixtures/upstream/. */
  fixturesDir?: string
  /** Model ids listed by GET /v1/models. */
  models?: string[]
  /**
   * OpenAI Chat answers report prompt-cache hits as OpenAI's cache does, per key (the Authorization header): the
   * longest run of leading messages this key was sent before counts as `prompt_tokens_details.cached_tokens`, from
   * 1024 tokens in 128-token steps. For the cache-aware routing bench.
   */
  promptCache?: boolean
  /** Runs before everything else; a returned Response is sent as is, undefined falls through to the mock. */
  onRequest?: (request: MockRequest) => Response | undefined | Promise<Response | undefined>
}

export interface MockUpstream {
  url: string
  port: number
  stop(): Promise<void>
  /** Relay requests served so far (control routes are not counted). */
  readonly requests: number
  setOptions(partial: Partial<MockUpstreamOptions>): void
  readonly lastRequest?: MockRequest
}

const defaultOptions = {
  port: 0,
  latencyMs: 0,
  jitterMs: 0,
  responseBytes: 200,
  chunkCount: 8,
  chunkIntervalMs: 0,
  omitUsage: false,
  failureRate: 0,
  failureStatus: 500,
  replayStatus: 200,
  models: ['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5', 'gemini-2.5-flash', 'text-embedding-3-small'],
} satisfies MockUpstreamOptions

type ResolvedOptions = MockUpstreamOptions & typeof defaultOptions

/** Merges a partial update; `undefined` clears an optional field (replay, hook) and restores a defaulted one. */
function resolveOptions(current: ResolvedOptions, partial: Partial<MockUpstreamOptions>): ResolvedOptions {
  const merged: Record<string, unknown> = { ...current, ...partial }
  for (const [key, value] of Object.entries(defaultOptions)) {
    if (merged[key] === undefined) merged[key] = value
  }
  return merged as unknown as ResolvedOptions
}

const encoder = new TextEncoder()

/** The recorded fixtures: FIXTURES_DIR, else the copy in the repository (src/testing/fixtures/upstream/). */
export function fixturesDirectory(): string {
  const fromEnvironment = process.env.FIXTURES_DIR
  if (fromEnvironment) return fromEnvironment.endsWith('/') ? fromEnvironment : `${fromEnvironment}/`
  return fileURLToPath(new URL('../src/testing/fixtures/upstream/', import.meta.url))
}

/** Framing a fixture gets from its top folder name (the README's provider folders). */
export function inferFraming(relativePath: string): ReplayFraming {
  const folder = relativePath.split('/')[0]
  switch (folder) {
    case 'anthropic':
    case 'openai-responses':
      return 'typed-events'
    case 'google':
    case 'cohere':
      return 'data-only'
    case 'bedrock':
      return 'eventstream'
    default:
      return 'openai'
  }
}

/**
 * One AWS eventstream message: prelude (total length, headers length, prelude CRC32), string headers,
 * payload, message CRC32. Only header type 7 (string) is needed for Bedrock's event headers.
 */
export function encodeEventStreamMessage(headers: Record<string, string>, payload: Uint8Array): Uint8Array {
  const headerParts: Uint8Array[] = []
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = encoder.encode(name)
    const valueBytes = encoder.encode(value)
    const part = new Uint8Array(1 + nameBytes.length + 1 + 2 + valueBytes.length)
    const view = new DataView(part.buffer)
    part[0] = nameBytes.length
    part.set(nameBytes, 1)
    part[1 + nameBytes.length] = 7
    view.setUint16(2 + nameBytes.length, valueBytes.length)
    part.set(valueBytes, 4 + nameBytes.length)
    headerParts.push(part)
  }
  const headersLength = headerParts.reduce((sum, part) => sum + part.length, 0)
  const totalLength = 12 + headersLength + payload.length + 4
  const message = new Uint8Array(totalLength)
  const view = new DataView(message.buffer)
  view.setUint32(0, totalLength)
  view.setUint32(4, headersLength)
  view.setUint32(8, Bun.hash.crc32(message.subarray(0, 8)))
  let offset = 12
  for (const part of headerParts) {
    message.set(part, offset)
    offset += part.length
  }
  message.set(payload, offset)
  view.setUint32(totalLength - 4, Bun.hash.crc32(message.subarray(0, totalLength - 4)))
  return message
}

/** Puts recorded chunk lines on the wire; one Uint8Array per event so pacing can sit between them. */
export function frameChunkLines(lines: string[], framing: ReplayFraming): Uint8Array[] {
  const events: Uint8Array[] = []
  for (const line of lines) {
    switch (framing) {
      case 'openai':
      case 'data-only':
        events.push(encoder.encode(`data: ${line}\n\n`))
        break
      case 'typed-events': {
        const type = (JSON.parse(line) as { type?: string }).type
        events.push(encoder.encode(type ? `event: ${type}\ndata: ${line}\n\n` : `data: ${line}\n\n`))
        break
      }
      case 'eventstream': {
        const decoded = JSON.parse(line) as Record<string, unknown>
        const [eventType] = Object.keys(decoded)
        if (!eventType) throw new Error(`bedrock chunk line without an event key: ${line.slice(0, 80)}`)
        events.push(encodeEventStreamMessage(
          { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
          encoder.encode(JSON.stringify(decoded[eventType])),
        ))
        break
      }
    }
  }
  if (framing === 'openai') events.push(encoder.encode('data: [DONE]\n\n'))
  return events
}

const replayCache = new Map<string, { events: Uint8Array[] | null; body: string | null; contentType: string }>()

async function loadReplay(relativePath: string, framing: ReplayFraming | undefined, fixturesDir: string) {
  const cacheKey = `${fixturesDir}\0${relativePath}\0${framing ?? ''}`
  const cached = replayCache.get(cacheKey)
  if (cached) return cached
  const text = await readFile(`${fixturesDir}${relativePath}`, 'utf8')
  let loaded
  if (relativePath.endsWith('.chunks.txt')) {
    const resolvedFraming = framing ?? inferFraming(relativePath)
    const lines = text.split('\n').filter((line) => line.trim() !== '')
    loaded = {
      events: frameChunkLines(lines, resolvedFraming),
      body: null,
      contentType: resolvedFraming === 'eventstream' ? 'application/vnd.amazon.eventstream' : 'text/event-stream',
    }
  } else {
    loaded = { events: null, body: text, contentType: 'application/json' }
  }
  replayCache.set(cacheKey, loaded)
  return loaded
}

/**
 * A Response that replays a fixture file; usable from an `onRequest` hook to give different channels
 * different recordings.
 */
export async function createReplayResponse(
  relativePath: string,
  settings: { status?: number; chunkIntervalMs?: number; framing?: ReplayFraming; fixturesDir?: string } = {},
): Promise<Response> {
  const replay = await loadReplay(relativePath, settings.framing, settings.fixturesDir ?? fixturesDirectory())
  const status = settings.status ?? 200
  if (replay.events) return streamResponse(replay.events, settings.chunkIntervalMs ?? 0, replay.contentType, status)
  return new Response(replay.body, { status, headers: { 'content-type': replay.contentType } })
}

function streamResponse(events: Uint8Array[], intervalMs: number, contentType: string, status = 200): Response {
  const headers = { 'content-type': contentType, 'cache-control': 'no-cache' }
  if (intervalMs <= 0) {
    return new Response(new ReadableStream<Uint8Array>({
      start(controller) {
        for (const event of events) controller.enqueue(event)
        controller.close()
      },
    }), { status, headers })
  }
  let index = 0
  // pull() is only called while the client still reads, so a disconnect stops the pacing loop by itself.
  return new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index > 0) await Bun.sleep(intervalMs)
      const event = events[index++]
      if (event) controller.enqueue(event)
      if (index >= events.length) controller.close()
    },
  }, { highWaterMark: 0 }), { status, headers })
}

const sse = (payload: unknown) => encoder.encode(`data: ${JSON.stringify(payload)}\n\n`)
const typedSse = (payload: { type: string; [field: string]: unknown }) => encoder.encode(`event: ${payload.type}\ndata: ${JSON.stringify(payload)}\n\n`)
const doneEvent = encoder.encode('data: [DONE]\n\n')

const filler = 'The quick brown fox jumps over the lazy dog. '
const contentCache = new Map<number, string>()
function generatedText(bytes: number): string {
  let text = contentCache.get(bytes)
  if (text === undefined) {
    text = filler.repeat(Math.ceil(bytes / filler.length)).slice(0, bytes)
    contentCache.set(bytes, text)
  }
  return text
}

/** Splits text into `count` pieces of near-equal size (all of them non-empty when the text is long enough). */
export function splitText(text: string, count: number): string[] {
  const pieces: string[] = []
  const pieceCount = Math.max(1, count)
  const size = Math.floor(text.length / pieceCount)
  const remainder = text.length % pieceCount
  let offset = 0
  for (let index = 0; index < pieceCount; index++) {
    const length = size + (index < remainder ? 1 : 0)
    pieces.push(text.slice(offset, offset + length))
    offset += length
  }
  return pieces
}

/** Rough token count (4 bytes a token): the mock only needs plausible, size-proportional numbers. */
const estimateTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4))

let responseSerial = 0
const nextId = (prefix: string) => `${prefix}${(++responseSerial).toString(36).padStart(8, '0')}`

type Family = 'openai' | 'anthropic' | 'gemini'

function errorResponse(family: Family, status: number, message: string): Response {
  let body: unknown
  if (family === 'anthropic') body = { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'api_error', message } }
  else if (family === 'gemini') body = { error: { code: status, message, status: status === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL' } }
  else body = { error: { message, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: null } }
  return Response.json(body, { status })
}

interface GenerateContext {
  options: ResolvedOptions
  body: Record<string, unknown>
  bodyText: string
  /** The Authorization header: prompt caches are per key. */
  key: string
  cache: PromptCache
}

/** Message prefixes each key has been sent (hashes of the leading 1..n messages), bounded like a real cache. */
type PromptCache = Map<string, Set<number>>
const PROMPT_CACHE_ENTRIES = 100_000

/** Cached prompt tokens of a chat request for its key, then remember its prefixes. */
function promptCacheHit(cache: PromptCache, key: string, messages: unknown): number {
  if (!Array.isArray(messages)) return 0
  let seen = cache.get(key)
  if (!seen) cache.set(key, seen = new Set())
  if (seen.size > PROMPT_CACHE_ENTRIES) seen.clear()
  let hash = 0
  let characters = 0
  let cachedCharacters = 0
  for (const message of messages) {
    const text = JSON.stringify(message)
    hash = Bun.hash.xxHash32(text, hash)
    characters += text.length
    if (seen.has(hash)) cachedCharacters = characters
    else seen.add(hash)
  }
  const tokens = Math.ceil(cachedCharacters / 4)
  return tokens < 1024 ? 0 : 1024 + Math.floor((tokens - 1024) / 128) * 128
}

function openaiChat({ options, body, bodyText, key, cache }: GenerateContext): Response {
  const model = typeof body.model === 'string' ? body.model : 'gpt-4o-mini'
  const text = generatedText(options.responseBytes)
  const promptTokens = estimateTokens(bodyText)
  const completionTokens = estimateTokens(text)
  const cached = options.promptCache ? Math.min(promptTokens, promptCacheHit(cache, key, body.messages)) : undefined
  const usage = {
    prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens,
    ...(cached === undefined ? {} : { prompt_tokens_details: { cached_tokens: cached } }),
  }
  const id = nextId('chatcmpl-mock')
  const created = Math.floor(Date.now() / 1000)
  if (body.stream !== true) {
    return Response.json({
      id, object: 'chat.completion', created, model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
      ...(options.omitUsage ? {} : { usage }),
    })
  }
  const base = { id, object: 'chat.completion.chunk', created, model }
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
  const events: Uint8Array[] = [sse({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], ...(includeUsage ? { usage: null } : {}) })]
  for (const piece of splitText(text, options.chunkCount)) {
    events.push(sse({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }], ...(includeUsage ? { usage: null } : {}) }))
  }
  events.push(sse({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], ...(includeUsage ? { usage: null } : {}) }))
  // Like the real API: the usage chunk exists only when the client asked for it with stream_options.include_usage.
  if (includeUsage && !options.omitUsage) events.push(sse({ ...base, choices: [], usage }))
  events.push(doneEvent)
  return streamResponse(events, options.chunkIntervalMs, 'text/event-stream')
}

function openaiCompletion({ options, body, bodyText }: GenerateContext): Response {
  const model = typeof body.model === 'string' ? body.model : 'gpt-3.5-turbo-instruct'
  const text = generatedText(options.responseBytes)
  const promptTokens = estimateTokens(bodyText)
  const completionTokens = estimateTokens(text)
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
  const id = nextId('cmpl-mock')
  const created = Math.floor(Date.now() / 1000)
  if (body.stream !== true) {
    return Response.json({
      id, object: 'text_completion', created, model,
      choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
      ...(options.omitUsage ? {} : { usage }),
    })
  }
  const base = { id, object: 'text_completion', created, model }
  const events = splitText(text, options.chunkCount).map((piece) => sse({ ...base, choices: [{ text: piece, index: 0, logprobs: null, finish_reason: null }] }))
  events.push(sse({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] }))
  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true
  if (includeUsage && !options.omitUsage) events.push(sse({ ...base, choices: [], usage }))
  events.push(doneEvent)
  return streamResponse(events, options.chunkIntervalMs, 'text/event-stream')
}

function openaiEmbeddings({ options, body, bodyText }: GenerateContext): Response {
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? '']
  const dimensions = typeof body.dimensions === 'number' ? Math.min(body.dimensions, 4096) : 16
  const data = inputs.map((_, index) => ({
    object: 'embedding', index,
    embedding: Array.from({ length: dimensions }, (_unused, position) => Math.sin(index + position) / 10),
  }))
  const promptTokens = estimateTokens(bodyText)
  return Response.json({
    object: 'list', data, model: typeof body.model === 'string' ? body.model : 'text-embedding-3-small',
    ...(options.omitUsage ? {} : { usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }),
  })
}

function anthropicMessages({ options, body, bodyText }: GenerateContext): Response {
  const model = typeof body.model === 'string' ? body.model : 'claude-sonnet-4-5'
  const text = generatedText(options.responseBytes)
  const inputTokens = estimateTokens(bodyText)
  const outputTokens = estimateTokens(text)
  const id = nextId('msg_mock')
  const withUsage = <T extends object>(value: T, usage: Record<string, number>) => (options.omitUsage ? value : { ...value, usage })
  if (body.stream !== true) {
    return Response.json(withUsage({
      id, type: 'message', role: 'assistant', model,
      content: [{ type: 'text', text }], stop_reason: 'end_turn', stop_sequence: null,
    }, { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }))
  }
  const events: Uint8Array[] = [
    typedSse({
      type: 'message_start',
      message: withUsage({ id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null },
        { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 }),
    }),
    typedSse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    typedSse({ type: 'ping' }),
  ]
  for (const piece of splitText(text, options.chunkCount)) {
    events.push(typedSse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }))
  }
  events.push(typedSse({ type: 'content_block_stop', index: 0 }))
  events.push(typedSse(withUsage({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null } }, { output_tokens: outputTokens })))
  events.push(typedSse({ type: 'message_stop' }))
  return streamResponse(events, options.chunkIntervalMs, 'text/event-stream')
}

function geminiGenerate(context: GenerateContext, model: string, stream: boolean, sseMode: boolean): Response {
  const { options, bodyText } = context
  const text = generatedText(options.responseBytes)
  const promptTokens = estimateTokens(bodyText)
  const candidateTokens = estimateTokens(text)
  const responseId = nextId('mock')
  const usageMetadata = { promptTokenCount: promptTokens, candidatesTokenCount: candidateTokens, totalTokenCount: promptTokens + candidateTokens }
  if (!stream) {
    return Response.json({
      candidates: [{ content: { parts: [{ text }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      ...(options.omitUsage ? {} : { usageMetadata }),
      modelVersion: model, responseId,
    })
  }
  const pieces = splitText(text, options.chunkCount)
  const chunks = pieces.map((piece, index) => {
    const last = index === pieces.length - 1
    return {
      candidates: [{ content: { parts: [{ text: piece }], role: 'model' }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
      // Gemini repeats usageMetadata in every chunk; candidatesTokenCount is final only on the last one.
      ...(options.omitUsage ? {} : { usageMetadata: last ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens } }),
      modelVersion: model, responseId,
    }
  })
  if (!sseMode) return Response.json(chunks)
  return streamResponse(chunks.map((chunk) => sse(chunk)), options.chunkIntervalMs, 'text/event-stream')
}

/**
 * OpenAI's audio routes. Their bodies are multipart uploads or binary audio, so they are read here rather than as
 * text. Built from OpenAI's API reference where no recording exists (speech bytes and events, json / srt / vtt
 * transcripts, transcription events and their token usage); verbose_json and text replay the recordings in
 * openai-audio/. A hook sees the upload's fields with `file` as `{ filename, type, size }`.
 */
async function openaiAudio(request: Request, pathname: string, options: ResolvedOptions, record: (body: unknown) => void): Promise<Response> {
  let body: Record<string, unknown>
  let fileSize = 0
  if (pathname === '/v1/audio/speech') {
    body = (await request.json()) as Record<string, unknown>
  } else {
    const form = await request.formData()
    body = {}
    for (const [name, value] of form) body[name] = typeof value === 'string' ? value : { filename: value.name, type: value.type, size: value.size }
    fileSize = (body.file as { size?: number } | undefined)?.size ?? 0
  }
  record(body)
  if (options.onRequest) {
    const hooked = await options.onRequest({ path: pathname, method: 'POST', headers: headersToRecord(request.headers), body })
    if (hooked) return hooked
  }
  if (options.latencyMs > 0) await Bun.sleep(options.latencyMs)
  if (pathname === '/v1/audio/speech') return openaiSpeech(body, options)
  if (pathname === '/v1/audio/transcriptions' || pathname === '/v1/audio/translations') return openaiTranscription(body, fileSize, options)
  return errorResponse('openai', 404, `mock upstream: no route for POST ${pathname}`)
}

const speechTypes: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' }

/** Audio bytes the mock "speaks": `responseBytes` of a fixed pattern, in `chunkCount` pieces paced by chunkIntervalMs. */
export function mockSpeechBytes(total: number): Uint8Array {
  const bytes = new Uint8Array(total)
  for (let index = 0; index < total; index++) bytes[index] = (index * 7 + 3) & 255
  return bytes
}

/** Speech: the audio body, or with `stream_format: "sse"` speech.audio.delta events and speech.audio.done with usage. */
function openaiSpeech(body: Record<string, unknown>, options: ResolvedOptions): Response {
  const audio = mockSpeechBytes(options.responseBytes)
  const size = Math.ceil(audio.length / Math.max(1, options.chunkCount))
  const pieces: Uint8Array[] = []
  for (let offset = 0; offset < audio.length; offset += size) pieces.push(audio.subarray(offset, offset + size))
  if (body.stream_format === 'sse') {
    const input = String(body.input ?? '')
    const usage = { input_tokens: Math.ceil(input.length / 4), output_tokens: 25 * pieces.length, total_tokens: Math.ceil(input.length / 4) + 25 * pieces.length }
    const events = pieces.map((piece) => sse({ type: 'speech.audio.delta', audio: Buffer.from(piece).toString('base64') }))
    events.push(sse({ type: 'speech.audio.done', usage }))
    return streamResponse(events, options.chunkIntervalMs, 'text/event-stream')
  }
  return streamResponse(pieces, options.chunkIntervalMs, speechTypes[String(body.response_format ?? 'mp3')] ?? 'audio/mpeg')
}

const transcriptText = 'Galileo was an American robotic space program that studied the planet Jupiter and its moons.'

/** Token usage as gpt-4o-transcribe reports it: audio tokens by upload size (1 per kB here), text out by words. */
export function mockTranscriptionUsage(fileSize: number, prompt: string) {
  const audioTokens = Math.ceil(fileSize / 1000)
  const textTokens = prompt ? prompt.split(/\s+/).length : 0
  const outputTokens = transcriptText.split(' ').length
  return { type: 'tokens', input_tokens: audioTokens + textTokens, input_token_details: { text_tokens: textTokens, audio_tokens: audioTokens }, output_tokens: outputTokens, total_tokens: audioTokens + textTokens + outputTokens }
}

async function openaiTranscription(body: Record<string, unknown>, fileSize: number, options: ResolvedOptions): Promise<Response> {
  const model = String(body.model ?? '')
  const reportsTokens = model.startsWith('gpt-4o')
  const usage = mockTranscriptionUsage(fileSize, String(body.prompt ?? ''))
  // OpenAI ignores `stream` for whisper-1 and answers as without it.
  if (body.stream === 'true' && reportsTokens) {
    const words = transcriptText.split(' ')
    const events = words.map((word, index) => sse({ type: 'transcript.text.delta', delta: index === 0 ? word : ` ${word}` }))
    events.push(sse({ type: 'transcript.text.done', text: transcriptText, usage }))
    return streamResponse(events, options.chunkIntervalMs, 'text/event-stream')
  }
  const format = String(body.response_format ?? 'json')
  if (format === 'verbose_json') return createReplayResponse('openai-audio/openai-transcription.json', { fixturesDir: options.fixturesDir })
  if (format === 'text') {
    const recorded = JSON.parse(await readFile(`${options.fixturesDir ?? fixturesDirectory()}openai-audio/groq-transcription-text.json`, 'utf8')) as { status: number; headers: Record<string, string>; body: string }
    return new Response(recorded.body, { status: recorded.status, headers: recorded.headers })
  }
  if (format === 'srt') return new Response(`1\n00:00:00,000 --> 00:00:04,000\n${transcriptText}\n\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  if (format === 'vtt') return new Response(`WEBVTT\n\n00:00:00.000 --> 00:00:04.000\n${transcriptText}\n\n`, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  return Response.json(reportsTokens ? { text: transcriptText, usage } : { text: transcriptText })
}

function familyOf(pathname: string): Family {
  if (pathname.startsWith('/v1/messages')) return 'anthropic'
  if (pathname.startsWith('/v1beta/')) return 'gemini'
  return 'openai'
}

const geminiPath = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

export async function startMockUpstream(initial: MockUpstreamOptions = {}): Promise<MockUpstream> {
  let options = resolveOptions(defaultOptions, initial)
  let requestCount = 0
  const promptCache: PromptCache = new Map()
  let lastRaw: { path: string; method: string; headers: Headers; body: unknown } | undefined

  const setOptions = (partial: Partial<MockUpstreamOptions>) => {
    options = resolveOptions(options, partial)
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const pathname = url.pathname
    if (pathname.startsWith('/__mock/')) return control(request, pathname)

    requestCount++
    if (request.method === 'POST' && pathname.startsWith('/v1/audio/')) return openaiAudio(request, pathname, options, (body) => { lastRaw = { path: pathname, method: 'POST', headers: request.headers, body } })
    const bodyText = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    let body: unknown = undefined
    if (bodyText !== '') {
      try {
        body = JSON.parse(bodyText)
      } catch {
        body = bodyText
      }
    }
    const path = pathname + url.search
    lastRaw = { path, method: request.method, headers: request.headers, body }
    const current = options

    if (current.onRequest) {
      const hooked = await current.onRequest({ path, method: request.method, headers: headersToRecord(request.headers), body })
      if (hooked) return hooked
    }

    const delay = current.latencyMs + (current.jitterMs > 0 ? Math.random() * current.jitterMs : 0)
    if (delay > 0) await Bun.sleep(delay)

    const family = familyOf(pathname)
    if (current.failureRate > 0 && Math.random() < current.failureRate) {
      return errorResponse(family, current.failureStatus, `mock upstream failure (status ${current.failureStatus})`)
    }

    if (current.replay) {
      return createReplayResponse(current.replay, {
        status: current.replayStatus, chunkIntervalMs: current.chunkIntervalMs,
        framing: current.replayFraming, fixturesDir: current.fixturesDir,
      })
    }

    const context: GenerateContext = {
      options: current,
      body: body !== null && typeof body === 'object' ? (body as Record<string, unknown>) : {},
      bodyText,
      key: request.headers.get('authorization') ?? '',
      cache: promptCache,
    }
    if (request.method === 'POST') {
      if (pathname === '/v1/chat/completions') return openaiChat(context)
      if (pathname === '/v1/completions') return openaiCompletion(context)
      if (pathname === '/v1/embeddings') return openaiEmbeddings(context)
      if (pathname === '/v1/messages') return anthropicMessages(context)
      const gemini = geminiPath.exec(pathname)
      if (gemini) {
        const stream = gemini[2] === 'streamGenerateContent'
        return geminiGenerate(context, decodeURIComponent(gemini[1] ?? ''), stream, url.searchParams.get('alt') === 'sse')
      }
    }
    if (request.method === 'GET') {
      if (pathname === '/v1/models') {
        return Response.json({ object: 'list', data: current.models.map((id) => ({ id, object: 'model', created: 1700000000, owned_by: 'mock' })) })
      }
      if (pathname === '/v1/dashboard/billing/subscription' || pathname === '/dashboard/billing/subscription') {
        return Response.json({ object: 'billing_subscription', has_payment_method: true, soft_limit_usd: 100, hard_limit_usd: 100, system_hard_limit_usd: 100, access_until: 0 })
      }
      if (pathname === '/v1/dashboard/billing/usage' || pathname === '/dashboard/billing/usage') {
        return Response.json({ object: 'list', total_usage: 1234.5 })
      }
    }
    return errorResponse(family, 404, `mock upstream: no route for ${request.method} ${pathname}`)
  }

  async function control(request: Request, pathname: string): Promise<Response> {
    if (pathname === '/__mock/options' && request.method === 'POST') {
      const partial = (await request.json()) as Partial<MockUpstreamOptions>
      delete partial.onRequest
      delete partial.port
      setOptions(partial)
      const { onRequest: _hook, ...visible } = options
      return Response.json(visible)
    }
    if (pathname === '/__mock/stats') return Response.json({ requests: requestCount })
    return new Response('not found', { status: 404 })
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: options.port,
    // Slow streams and long latencies must not be cut by the default 10 s idle timeout.
    idleTimeout: 0,
    development: false,
    fetch: handle,
    // A broken mock (missing fixture, bad option) must say so plainly, not answer with an HTML error page.
    error(error) {
      return Response.json({ error: { message: `mock upstream error: ${error.message}`, type: 'mock_upstream_error', param: null, code: null } }, { status: 500 })
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    port: server.port as number,
    async stop() {
      await server.stop(true)
    },
    get requests() {
      return requestCount
    },
    setOptions,
    get lastRequest() {
      return lastRaw && { ...lastRaw, headers: headersToRecord(lastRaw.headers) }
    },
  }
}

function headersToRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  headers.forEach((value, name) => {
    record[name] = value
  })
  return record
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: {
      port: { type: 'string', default: '0' },
      latency: { type: 'string', default: '0' },
      jitter: { type: 'string', default: '0' },
      bytes: { type: 'string' },
      chunks: { type: 'string' },
      interval: { type: 'string', default: '0' },
      'omit-usage': { type: 'boolean', default: false },
      'failure-rate': { type: 'string', default: '0' },
      'failure-status': { type: 'string', default: '500' },
      replay: { type: 'string' },
    },
  })
  const mock = await startMockUpstream({
    port: Number(values.port),
    latencyMs: Number(values.latency),
    jitterMs: Number(values.jitter),
    ...(values.bytes ? { responseBytes: Number(values.bytes) } : {}),
    ...(values.chunks ? { chunkCount: Number(values.chunks) } : {}),
    chunkIntervalMs: Number(values.interval),
    omitUsage: values['omit-usage'],
    failureRate: Number(values['failure-rate']),
    failureStatus: Number(values['failure-status']),
    ...(values.replay ? { replay: values.replay } : {}),
  })
  console.log(JSON.stringify({ url: mock.url, port: mock.port, pid: process.pid }))
  const shutdown = () => {
    void mock.stop().then(() => process.exit(0))
  }
  process.on('SIGTERM', shutdown)
  process.on('SIGINT', shutdown)
}
