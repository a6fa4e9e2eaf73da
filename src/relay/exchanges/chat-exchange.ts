import type { CachedChannel } from '../../cache/routing.ts'
import { GatewayError } from '../../errors.ts'
import { ConversionError } from '../../providers/errors.ts'
import { chatAdaptorFor, createStreamConversion, createUpstreamDecoder, getInbound } from '../../providers/index.ts'
import { encodeSse } from '../../providers/sse.ts'
import type { ChatRequest, ClientError, Provider, SseEvent, StreamConversion, Usage, WireFormat } from '../../providers/types.ts'
import { maxOutputTokens, type Endpoint, type Exchange, type ParsedRequest, type PreparedCall, type RelayContext, type RelayKit, type RouteInput } from '../endpoint.ts'
import { thinkingToContent } from '../../providers/thinking-to-content.ts'
import { withSystemPrompt } from '../system-prompt.ts'
import { createStreamScrubber } from '../../security/scrub-secrets-stream.ts'
import { scrubberFor } from '../../security/scrub-secrets.ts'
import { parseUpstreamJson, prepareOpenAi, respondOpenAi } from './openai-exchange.ts'
import { createCompletionStreamFilter, findInAnswer, refusedAnswer, usageOfCutStream } from '../completion-filter.ts'
import type { StreamSource } from '../stream-response.ts'

/**
 * The chat family: OpenAI Chat, Anthropic Messages, OpenAI Responses and Gemini clients, to any channel. How one
 * attempt talks to its channel (PreparedCall.mode):
 * - `openai`: OpenAI-format client and channel; the body passes with the model mapped, the answer untouched;
 * - `native`: the same non-OpenAI format on both sides (Claude → Anthropic, Gemini → Gemini, Responses → OpenAI
 *   Responses); the body passes natively, nothing lost that we do not model;
 * - `convert`: through the canonical shape (OpenAI client → Anthropic channel, Claude client → OpenAI channel…).
 */

/** Body of the request in the canonical (OpenAI Chat) shape, converted once when a format other than OpenAI needs it. */
function canonicalBody(context: RelayContext): Record<string, unknown> {
  if (context.endpoint.format === 'openai-chat') return context.body
  context.canonical ??= { ...getInbound(context.endpoint.format).toCanonical(context.body), model: context.model, stream: context.stream }
  return context.canonical
}

/**
 * A native body for a same-format channel: the upstream model name where the format carries it in the body
 * (Gemini carries it in the URL, built by the adaptor from the target).
 */
function nativeBody(context: RelayContext, upstreamModel: string): Record<string, unknown> {
  if (context.endpoint.format === 'gemini') {
    const { model: _model, stream: _stream, ...rest } = context.body
    return rest
  }
  return { ...context.body, model: upstreamModel }
}

function prepareChat(context: RelayContext, channel: CachedChannel, provider: Provider, keyIndex: number, kit: RelayKit): PreparedCall {
  const format = context.endpoint.format
  const upstreamModel = channel.modelMapping[context.model] ?? context.model
  const adaptor = chatAdaptorFor(provider, format, upstreamModel)
  if (adaptor.format === 'openai-chat' && format === 'openai-chat') return prepareOpenAi(context, channel, provider, keyIndex, '/v1/chat/completions', kit)
  const mode = adaptor.format === format ? 'native' : 'convert'
  const target = kit.requests.target(channel, keyIndex, provider, upstreamModel, context.stream)
  target.requestedModel = context.model
  // Per-user upstream state (Dify conversations, Coze's user_id) is scoped to the Tollgate user and token, so two
  // callers never share it whatever `user` they send.
  if (adaptor.needsEndUser) target.endUser = `tollgate-${context.holder.user.id}-${context.holder.token.id}`
  if (context.anthropicBeta) target.anthropicBeta = context.anthropicBeta
  let body: Record<string, unknown>
  if (mode === 'native') body = withSystemPrompt(format, nativeBody(context, upstreamModel), channel)
  else {
    const canonical = canonicalBody(context)
    const effort = context.reasoningEffort && canonical.reasoning_effort === undefined ? { reasoning_effort: context.reasoningEffort } : {}
    body = adaptor.toUpstream(withSystemPrompt('openai-chat', { ...canonical, model: upstreamModel, ...effort }, channel) as ChatRequest, target)
  }
  // Anthropic beta features the client opted into travel with a native body.
  const extraHeaders = mode === 'native' && context.anthropicBeta ? { 'anthropic-beta': context.anthropicBeta } : undefined
  const request = kit.requests.native(channel, adaptor, body, target, extraHeaders)
  // pass_through_body_enabled on a same-format channel: the client's bytes exactly as sent (a conversion cannot).
  if (mode === 'native' && channel.setting.pass_through_body_enabled === true && context.bodyText && !adaptor.reshapesNativeBody) request.body = context.bodyText
  return { request, target, adaptor, mode }
}

/** OpenAI on both sides goes straight to the pass-through (no extra await on the hot path); the rest converts. */
const respondChat = (context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response> =>
  exchange.call.mode === 'openai' ? respondOpenAi(context, exchange, kit) : respondConverted(context, exchange, kit)

async function respondConverted(context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response> {
  const { channel, call } = exchange
  if (context.stream) return convertedStream(context, exchange, kit)
  const text = await exchange.response.text()
  const json = parseUpstreamJson(text, context, exchange, kit)
  if (json instanceof Response) return json
  let usage: Usage | null
  let out: string
  const completionFilter = kit.caches.options.completionFilter
  let flagged: string | undefined
  if (call.mode === 'convert') {
    const converted = call.adaptor.fromUpstream(json, call.target)
    usage = converted.usage
    if (completionFilter) flagged = findInAnswer(completionFilter, converted.response)
    converted.response.model = context.model
    // thinking_to_content: the reasoning a converted answer carries (Claude's thinking, Gemini's thoughts) goes into an OpenAI client's content too.
    out = context.endpoint.format !== 'openai-chat' ? JSON.stringify(getInbound(context.endpoint.format).fromCanonical(converted.response, usage))
      : JSON.stringify(channel.setting.thinking_to_content === true ? thinkingToContent(converted.response) : converted.response)
  } else {
    usage = call.adaptor.readUsage(json)
    out = text
    // A native answer is read in the canonical shape only to be checked.
    if (completionFilter) flagged = findInAnswer(completionFilter, call.adaptor.fromUpstream(json, call.target).response)
  }
  // Billed when refused too: the upstream did the work.
  const outcome = { upstreamModel: call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt, sensitiveWordsDetected: flagged !== undefined }
  if (usage) kit.settle(context, channel, usage, outcome)
  else kit.settleLater(context, channel, kit.fallbackUsage(context, ''), () => outcome)
  return flagged === undefined ? kit.json(context, out) : refusedAnswer(context, flagged)
}

/** A conversion step that runs inline or in a worker thread; the worker one answers asynchronously. */
interface Converter {
  push(events: SseEvent[]): Promise<SseEvent[]> | SseEvent[]
  flush(): Promise<SseEvent[]> | SseEvent[]
  fail(error: ClientError): Promise<SseEvent[]> | SseEvent[]
  cancel(): void
  usage(): Usage | null
}

const streamFailure = (message: string) => ({ status: 502, message, type: 'new_api_error', code: 'stream_error' })

function inlineConverter(conversion: StreamConversion): Converter {
  return {
    push(events) {
      const out: SseEvent[] = []
      for (const event of events) for (const converted of conversion.push(event)) out.push(converted)
      return out
    },
    flush: () => conversion.flush(),
    fail: (error) => conversion.fail(error),
    cancel: () => {},
    usage: () => conversion.usage(),
  }
}

/**
 * Streams that are not OpenAI on both sides. A native pass-through forwards the upstream bytes untouched and runs
 * the conversion only as a usage tap; a conversion re-writes every event into the client's format.
 */
function convertedStream(context: RelayContext, exchange: Exchange, kit: RelayKit): Response {
  const { response, channel, call } = exchange
  const { adaptor, target, mode } = call
  const spec = {
    provider: adaptor.id, inbound: context.endpoint.format, model: context.model, id: `chatcmpl-${context.requestId}`,
    includeUsage: context.endpoint.format !== 'openai-chat' || context.clientWantsUsage, created: Math.floor(Date.now() / 1000),
    target: { baseUrl: target.baseUrl, model: target.model, stream: true, other: target.other, setting: target.setting, channelType: target.channelType },
  }
  const decoder = createUpstreamDecoder(adaptor.id)
  const upstream = response.body!.getReader()
  // Native bytes reach the client untouched only when they are already SSE (Bedrock's eventstream is re-encoded).
  const forwardBytes = mode === 'native' && (adaptor.streamFraming ?? 'sse') === 'sse'
  let firstToken: number | undefined
  const encodeAll = (events: SseEvent[]) => {
    if (events.length === 0) return null
    let out = ''
    for (const event of events) out += encodeSse(event)
    return out
  }
  // The same conversion runs inline or, for real conversions when STREAM_CONVERSION=worker, in a worker thread.
  let converter: Converter
  if (mode === 'convert' && kit.config.streamConversion === 'worker' && kit.conversions) {
    const remote = kit.conversions.runStreamConversion(spec)
    let usage: Usage | null = null
    converter = {
      push: (events) => (events.length ? remote.push(events) : []),
      flush: async () => { const result = await remote.flush(); usage = result.usage; return result.events },
      fail: async (error) => { const result = await remote.fail(error); usage = result.usage; return result.events },
      cancel: () => remote.cancel(),
      usage: () => usage,
    }
  } else converter = inlineConverter(createStreamConversion(spec))
  let failEvents = ''
  // An upstream error event (native bytes or converted) may echo the channel's key: scrubbed before the client sees it.
  const scrubber = createStreamScrubber(channel.keys)
  // CheckSensitiveOnCompletionEnabled: the client-format events are checked before they go; a cut ends the
  // conversion with its own error event.
  const completionFilter = kit.caches.options.completionFilter
  const filter = completionFilter && createCompletionStreamFilter(completionFilter, context.endpoint.format, async (error) => encodeAll(await converter.fail(error)) ?? '')
  const source: StreamSource = {
    async next() {
      const { value, done } = await upstream.read()
      if (done) {
        const tail = [...await converter.push(decoder.flush()), ...await converter.flush()]
        return { done: true, out: scrubber.finish(forwardBytes ? null : encodeAll(tail)) }
      }
      const converted = await converter.push(decoder.push(value))
      if (converted.length > 0) firstToken ??= performance.now()
      return { done: false, out: scrubber.push(forwardBytes ? value : encodeAll(converted)) }
    },
    cancel: () => {
      upstream.cancel().catch(() => {})
      converter.cancel()
    },
    async finish(completed) {
      const cut = filter?.word() !== undefined
      const billed = cut ? await usageOfCutStream(kit, context, converter.usage(), filter!.delivered()) : converter.usage() ?? await kit.fallbackUsage(context, '')
      kit.settle(context, channel, billed, { upstreamModel: target.model, completed, firstTokenMs: firstToken === undefined ? undefined : firstToken - context.startedAt, sensitiveWordsDetected: cut })
    },
    async prepareError(message) { failEvents = encodeAll(await converter.fail(streamFailure(scrubberFor(channel.keys)(message)))) ?? '' },
    errorEvent: () => failEvents,
  }
  return kit.stream(context, filter ? filter.wrap(source) : source)
}

/** A client body of a non-OpenAI format in the canonical shape; a body valid in no format is refused before reserving. */
export function readCanonical(format: WireFormat, body: Record<string, unknown>): Record<string, unknown> {
  try {
    return getInbound(format).toCanonical(body)
  } catch (error) {
    if (error instanceof ConversionError) throw new GatewayError(error.status, error.message, error.code)
    throw error
  }
}

/** A chat-family endpoint of one client format, served by every provider with chat (all but Jina). */
export function createChatEndpoint(definition: Pick<Endpoint, 'name' | 'format' | 'read' | 'conversationRoot'>): Endpoint {
  return {
    name: definition.name,
    format: definition.format,
    serves: (provider) => provider.chat !== undefined,
    read: definition.read,
    completionReserve: maxOutputTokens,
    prepare: prepareChat,
    respond: respondChat,
    countPrompt: async (context, counter) => (await counter.countChatPromptTokens(context.model, canonicalBody(context), { stream: context.stream })).tokens,
    conversationRoot: definition.conversationRoot,
  }
}
