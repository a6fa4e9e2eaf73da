import type { CachedChannel } from '../../cache/routing.ts'
import { audioDurationTokens } from '../../billing/pricing.ts'
import { GatewayError, openAiStreamErrorEvent } from '../../errors.ts'
import { createSseDecoder } from '../../providers/sse.ts'
import { emptyUsage, type OpenAiAudioPath, type Provider, type Usage } from '../../providers/types.ts'
import { openAiAdaptor } from '../../providers/openai/openai-chat-adaptor.ts'
import { REQUEST_ID_HEADER, type Exchange, type PreparedCall, type RelayContext, type RelayKit, type SettleOutcome } from '../endpoint.ts'
import type { StreamSource } from '../stream-response.ts'
import { createStreamScrubber } from '../../security/scrub-secrets-stream.ts'
import { rewriteMultipart, type FormPart, type MultipartForm } from './multipart-form.ts'

/**
 * OpenAI's audio routes on OpenAI-format channels: speech (JSON in; audio bytes or SSE events out, passed on as
 * they arrive) and transcriptions / translations (a multipart upload forwarded from the bytes it came in; the
 * answer in whatever format it was asked for). Billing follows new-api: speech by the input's characters, an upload
 * by its duration at 1000 tokens a minute, and by the upstream's token usage wherever it reports one
 * (gpt-4o-mini-tts SSE, gpt-4o-transcribe).
 */

/** An upload as `read` leaves it: the parsed form, the file part and the seconds it lasts. */
export interface AudioUpload {
  form: MultipartForm
  file: FormPart
  seconds: number
}

/** What an audio request is billed by, known before it is sent. */
export interface AudioBilling {
  /** Tokens new-api's rule gives the request: characters of the speech input, or 1000 a minute of the upload. */
  tokens: number
  billedFor: { characters: number } | { seconds: number }
  upload?: AudioUpload
}

/**
 * The audio part of a request's context. `read` returns it beside the ParsedRequest fields, and the pipeline builds
 * the context by spreading what `read` returned, so it is there for `prepare` and `respond`.
 */
export const audioOf = (context: RelayContext) => context.extension as AudioBilling

type MusicMetadata = typeof import('music-metadata')
let musicMetadata: Promise<MusicMetadata> | undefined

/**
 * Seconds of audio in an uploaded file, read from its headers (or, for a constant-bitrate MP3 without a Xing
 * header, by counting its frames); undefined when the bytes are no audio format music-metadata knows. Loaded on
 * first use: a gateway that never sees an upload does not carry the parser.
 */
export async function audioSeconds(bytes: Uint8Array, mimeType: string | undefined, filename: string | undefined): Promise<number | undefined> {
  const { parseBuffer } = await (musicMetadata ??= import('music-metadata'))
  try {
    const metadata = await parseBuffer(bytes, { mimeType, path: filename }, { duration: true, skipCovers: true })
    const seconds = metadata.format.duration
    return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined
  } catch {
    return undefined
  }
}

/** The upload's body for this channel: its own bytes, unless the model is mapped or parameters are overridden. */
function uploadBody(upload: AudioUpload, model: string, upstreamModel: string, channel: CachedChannel): Uint8Array {
  let overrides: Record<string, string> | undefined
  if (upstreamModel !== model) overrides = { model: upstreamModel }
  for (const name in channel.paramOverride) {
    const value = channel.paramOverride[name]
    ;(overrides ??= {})[name] = typeof value === 'string' ? value : JSON.stringify(value)
  }
  return overrides ? rewriteMultipart(upload.form, overrides) : upload.form.bytes
}

/** The call for one channel: the speech JSON (re-serialised only when something changes) or the multipart upload. */
export function prepareAudio(context: RelayContext, channel: CachedChannel, provider: Provider, keyIndex: number, path: OpenAiAudioPath, kit: RelayKit): PreparedCall {
  const upstreamModel = channel.modelMapping[context.model] ?? context.model
  const plan = kit.requests.openAiPlan(channel, keyIndex, provider, upstreamModel, path, context.stream)
  const upload = audioOf(context).upload
  if (upload) {
    const headers = { ...plan.headers, 'content-type': `multipart/form-data; boundary=${upload.form.boundary}` }
    return { request: { method: 'POST', url: plan.url, headers, body: uploadBody(upload, context.model, upstreamModel, channel) }, target: plan.target, adaptor: openAiAdaptor, mode: 'audio' }
  }
  const unchanged = upstreamModel === context.body.model && !channel.bodyOverride
  const mapped = { ...context.body, model: upstreamModel }
  const body = unchanged ? context.bodyText : JSON.stringify(channel.bodyOverride ? channel.bodyOverride(mapped) : mapped)
  return { request: { method: 'POST', url: plan.url, headers: plan.headers, body }, target: plan.target, adaptor: openAiAdaptor, mode: 'audio' }
}

/** Usage an audio answer reports: OpenAI's `{input_tokens, output_tokens, input_token_details}`; null without tokens. */
export function readAudioUsage(usage: unknown): Usage | null {
  if (!usage || typeof usage !== 'object') return null
  const reported = usage as { type?: string; input_tokens?: number; output_tokens?: number; total_tokens?: number; input_token_details?: { audio_tokens?: number } }
  // Whisper's verbose_json reports `{type: "duration", seconds}`: no tokens, so the duration rule bills it.
  if (reported.type === 'duration' || !(Number(reported.total_tokens) > 0 || Number(reported.input_tokens) > 0)) return null
  return { ...emptyUsage(), inputTokens: Number(reported.input_tokens) || 0, outputTokens: Number(reported.output_tokens) || 0, audioInputTokens: Number(reported.input_token_details?.audio_tokens) || 0 }
}

/**
 * The usage to bill: the upstream's tokens when it reported them, else new-api's characters or seconds. `heardSeconds`
 * is the duration the upstream says it transcribed (whisper's `usage: {type: "duration", seconds}`): when longer than
 * the file's header claims, it is billed instead, so a header that understates its audio is not a discount.
 */
function billedUsage(context: RelayContext, reported: Usage | null, heardSeconds = 0): { usage: Usage; billedFor: SettleOutcome['billedFor'] } {
  const { tokens, billedFor } = audioOf(context)
  if (reported) return { usage: reported, billedFor: { ...billedFor, usage_tokens: true } }
  const seconds = audioOf(context).upload?.seconds ?? 0
  if (heardSeconds > Math.ceil(seconds)) {
    return { usage: { ...emptyUsage(), inputTokens: audioDurationTokens(heardSeconds) }, billedFor: { seconds: Math.ceil(heardSeconds), file_seconds: Math.ceil(seconds) } }
  }
  return { usage: { ...emptyUsage(), inputTokens: tokens }, billedFor }
}

/** Watches SSE bytes on their way to the client for an event carrying `usage` (the last one of an audio stream). */
function createUsageTap() {
  const decoder = createSseDecoder()
  let usage: Usage | null = null
  return {
    push(bytes: Uint8Array) {
      for (const event of decoder.push(bytes)) {
        if (!event.data.includes('"usage"')) continue
        try {
          usage = readAudioUsage((JSON.parse(event.data) as { usage?: unknown }).usage) ?? usage
        } catch { /* not JSON: the client gets it as it came, billing falls back to the request's own measure */ }
      }
    },
    usage: () => usage,
  }
}

/**
 * The upstream's body passed on as it arrives, through the relay's stream responder (silence sweep, settle once).
 * `binary`: an audio body, whose failure mid-way must not look like a complete file, so the response is errored
 * (the connection is cut) instead of ending with an SSE error event.
 */
function passOn(context: RelayContext, exchange: Exchange, kit: RelayKit, binary: boolean): Response {
  const { response, channel, call } = exchange
  const upstream = response.body!.getReader()
  const tap = createUsageTap()
  let failed = false
  let firstByteAt: number | undefined
  // Events (not audio bytes) may carry an upstream error echoing the channel's key: scrubbed before the client sees them.
  const scrubber = binary ? undefined : createStreamScrubber(channel.keys)
  const source: StreamSource = {
    async next() {
      const { value, done } = await upstream.read()
      if (done) return { done: true, out: scrubber ? scrubber.finish(null) : null }
      firstByteAt ??= performance.now()
      if (!scrubber) return { done: false, out: value }
      tap.push(value)
      return { done: false, out: scrubber.push(value) }
    },
    cancel: () => upstream.cancel().catch(() => {}),
    async finish(completed) {
      const { usage, billedFor } = billedUsage(context, tap.usage())
      kit.settle(context, channel, usage, { upstreamModel: call.target.model, completed, billedFor, firstTokenMs: firstByteAt === undefined ? undefined : firstByteAt - context.startedAt })
    },
    errorEvent(message) {
      failed = true
      return binary ? '' : openAiStreamErrorEvent(message)
    },
  }
  const streamed = kit.stream(context, source)
  if (!binary) return streamed
  const body = streamed.body!.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    flush(controller) {
      if (failed) controller.error(new GatewayError(502, 'The upstream audio stream broke off', 'stream_error'))
    },
  }))
  return new Response(body, { status: 200, headers: { 'content-type': response.headers.get('content-type') ?? 'application/octet-stream', [REQUEST_ID_HEADER]: context.requestId } })
}

/** Whether the upstream answered with events: it may ignore a stream request (tts-1 has no SSE, whisper-1 no stream). */
const answersEvents = (exchange: Exchange) => (exchange.response.headers.get('content-type') ?? '').includes('text/event-stream')

/** Speech: audio bytes (or, with `stream_format: "sse"`, events) passed on as they come. */
export function respondSpeech(context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response> {
  return Promise.resolve(passOn(context, exchange, kit, !answersEvents(exchange)))
}

/** Transcriptions and translations: events passed on, or the answer in the format asked for, with its content type. */
export async function respondTranscription(context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response> {
  if (context.stream && answersEvents(exchange)) return passOn(context, exchange, kit, false)
  const { response, channel, call } = exchange
  const text = await response.text()
  const contentType = response.headers.get('content-type') ?? 'application/json'
  let reported: Usage | null = null
  let heardSeconds = 0
  if (contentType.includes('json')) {
    try {
      const answer = (JSON.parse(text) as { usage?: { type?: string; seconds?: unknown } }).usage
      reported = readAudioUsage(answer)
      if (answer?.type === 'duration') heardSeconds = Number(answer.seconds) || 0
    } catch { /* the answer goes to the client as it came; billed by duration */ }
  }
  const { usage, billedFor } = billedUsage(context, reported, heardSeconds)
  kit.settle(context, channel, usage, { upstreamModel: call.target.model, completed: true, billedFor, firstTokenMs: performance.now() - context.startedAt })
  return new Response(text, { status: 200, headers: { 'content-type': contentType, [REQUEST_ID_HEADER]: context.requestId } })
}
