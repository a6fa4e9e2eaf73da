import type { CachedChannel } from '../../cache/routing.ts'
import type { OpenAiPath } from '../../channels/channel-requests.ts'
import { GatewayError, openAiStreamErrorEvent } from '../../errors.ts'
import { chatAdaptorFor } from '../../providers/index.ts'
import { openAiAdaptor } from '../../providers/openai/openai-chat-adaptor.ts'
import { servesOpenAiPath, type Provider } from '../../providers/types.ts'
import { maxOutputTokens, openAiRequest, parseJsonObject, type Endpoint, type Exchange, type ParsedRequest, type PreparedCall, type RelayContext, type RelayKit } from '../endpoint.ts'
import { createStreamTap } from '../stream-tap.ts'
import { createStreamScrubber } from '../../security/scrub-secrets-stream.ts'
import { scrubberFor } from '../../security/scrub-secrets.ts'
import { withSystemPrompt } from '../system-prompt.ts'
import { createChunkRewriter, type ChunkRewrite } from '../chunk-rewriter.ts'
import { forceFormatChunks, forceFormatResponse, type FormatDefaults } from '../force-format.ts'
import { thinkingChunkRewrite, thinkingToContent } from '../../providers/thinking-to-content.ts'
import { createCompletionStreamFilter, findInAnswer, openAiRefusalEvent, refusedAnswer, usageOfCutStream } from '../completion-filter.ts'
import type { StreamSource } from '../stream-response.ts'

const encoder = new TextEncoder()

/**
 * OpenAI format on both sides (chat from an OpenAI client to an OpenAI-format channel, completions, embeddings,
 * moderations): the client's body passes with the model mapped and the answer comes back untouched, usage read
 * from it (or from the stream by a tap that forwards the upstream's bytes).
 */

/**
 * The body to send: mapping, overrides, reasoning effort, forced stream usage. When none applies (the common case)
 * the client's bytes go as they came; when only stream usage is asked for, it is spliced into the text. Only
 * otherwise is the body serialised again.
 */
function openAiBody(context: RelayContext, channel: CachedChannel, provider: Provider, upstreamModel: string, path: OpenAiPath, kit: RelayKit): string {
  // pass_through_body_enabled: the client's bytes exactly as sent (no mapping, overrides, prompt or usage option).
  if (channel.setting.pass_through_body_enabled === true) return context.bodyText
  const askUsage = context.stream && kit.forceStreamOption() && !context.clientWantsUsage && provider.streamUsageOption
  const systemPrompt = path === '/v1/chat/completions' && channel.setting.system_prompt !== undefined
  const vendor = path === '/v1/chat/completions' ? provider.chat?.chatRequest : undefined
  const unchanged = upstreamModel === context.body.model && !context.reasoningEffort && !channel.bodyOverride && !systemPrompt && !vendor?.applies(context.body)
  if (unchanged && !askUsage) return context.bodyText
  if (unchanged && context.body.stream_options === undefined) {
    const open = context.bodyText.indexOf('{')
    return `{"stream_options":{"include_usage":true},${context.bodyText.slice(open + 1)}`
  }
  let body: Record<string, unknown> = { ...context.body, model: upstreamModel }
  if (context.reasoningEffort && body.reasoning_effort === undefined) body.reasoning_effort = context.reasoningEffort
  if (vendor?.applies(body)) vendor.adapt(body)
  if (systemPrompt) body = withSystemPrompt('openai-chat', body, channel)
  if (channel.bodyOverride) body = channel.bodyOverride(body)
  if (askUsage) body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true }
  return JSON.stringify(body)
}

export function prepareOpenAi(context: RelayContext, channel: CachedChannel, provider: Provider, keyIndex: number, path: OpenAiPath, kit: RelayKit): PreparedCall {
  const upstreamModel = channel.modelMapping[context.model] ?? context.model
  const plan = kit.requests.openAiPlan(channel, keyIndex, provider, upstreamModel, path, context.stream)
  return {
    request: { method: 'POST', url: plan.url, headers: plan.headers, body: openAiBody(context, channel, provider, upstreamModel, path, kit), authorize: plan.authorize },
    // OpenAI-format answers read usage and errors the OpenAI way, chat or not (Jina has embeddings but no chat).
    target: plan.target, adaptor: provider.chat ? chatAdaptorFor(provider, 'openai-chat', upstreamModel) : openAiAdaptor, mode: 'openai',
  }
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

/** An upstream's JSON answer; a body that is not JSON fails the request (502) rather than reaching the client. */
export function parseUpstreamJson(text: string, context: RelayContext, exchange: Exchange, kit: RelayKit): Record<string, unknown> | Response {
  try {
    return JSON.parse(text)
  } catch {
    return kit.fail(context, exchange.channel, new GatewayError(502, 'Upstream answered with a body that is not JSON', 'bad_response_body'))
  }
}

export async function respondOpenAi(context: RelayContext, exchange: Exchange, kit: RelayKit): Promise<Response> {
  const { channel, call } = exchange
  if (context.stream) return passThroughStream(context, exchange, kit)
  const text = await exchange.response.text()
  const json = parseUpstreamJson(text, context, exchange, kit)
  if (json instanceof Response) return json
  const usage = call.adaptor.readUsage(json)
  // A refused answer is billed all the same: the upstream did the work (and charged for it).
  const completionFilter = kit.caches.options.completionFilter
  const flagged = completionFilter && findInAnswer(completionFilter, json)
  const outcome = { upstreamModel: call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt, sensitiveWordsDetected: flagged !== undefined }
  // No usage from the upstream: answer now, count in the workers, settle when the count is in.
  if (usage) kit.settle(context, channel, usage, outcome)
  else kit.settleLater(context, channel, kit.fallbackUsage(context, responseText(json)), () => outcome)
  if (flagged !== undefined) return refusedAnswer(context, flagged)
  const forced = forceFormatFor(context, channel)
  if (!forced && channel.setting.thinking_to_content !== true) return kit.json(context, text)
  const formatted = forced ? forceFormatResponse(json, forced) : json
  return kit.json(context, JSON.stringify(channel.setting.thinking_to_content === true ? thinkingToContent(formatted) : formatted))
}

/** What `force_format` falls back to, when the channel asks for it on a chat answer; undefined otherwise. */
function forceFormatFor(context: RelayContext, channel: Exchange['channel']): FormatDefaults | undefined {
  if (channel.setting.force_format !== true || context.endpoint.format !== 'openai-chat') return undefined
  return { id: `chatcmpl-${context.requestId}`, model: context.model, created: Math.floor(Date.now() / 1000) }
}

/** The channel's chunk rewrites (force_format, then thinking_to_content), or undefined when its bytes pass untouched. */
function chunkRewriterFor(context: RelayContext, channel: Exchange['channel']) {
  const rewrites: ChunkRewrite[] = []
  const forced = forceFormatFor(context, channel)
  if (forced) rewrites.push(forceFormatChunks(forced))
  if (channel.setting.thinking_to_content === true) rewrites.push(thinkingChunkRewrite())
  return rewrites.length === 0 ? undefined : createChunkRewriter(rewrites)
}

function passThroughStream(context: RelayContext, exchange: Exchange, kit: RelayKit): Response {
  const { response, channel, call } = exchange
  const upstream = response.body!.getReader()
  const tap = createStreamTap({ withholdUsageChunk: kit.forceStreamOption() && !context.clientWantsUsage })
  // force_format and thinking_to_content rewrite what the tap lets through; other channels' bytes pass untouched.
  const rewriter = chunkRewriterFor(context, channel)
  const rewrite = (out: Uint8Array | string | null) => (out === null ? '' : rewriter!.push(typeof out === 'string' ? encoder.encode(out) : out))
  // An in-stream error event may echo the channel's key: scrubbed before the client sees it.
  const scrubber = createStreamScrubber(channel.keys)
  // CheckSensitiveOnCompletionEnabled: what goes to the client (after the rewrites) is checked before it goes.
  const completionFilter = kit.caches.options.completionFilter
  const filter = completionFilter && createCompletionStreamFilter(completionFilter, context.endpoint.format, openAiRefusalEvent)
  const source: StreamSource = {
    async next() {
      const { value, done } = await upstream.read()
      if (done) return { done: true, out: scrubber.finish(rewriter ? rewrite(tap.finish()) + rewriter.finish() : tap.finish()) }
      return { done: false, out: scrubber.push(rewriter ? rewrite(tap.push(value)) : tap.push(value)) }
    },
    cancel: () => upstream.cancel().catch(() => {}),
    async finish(completed) {
      const firstToken = tap.firstTokenAt()
      const cut = filter?.word() !== undefined
      const usage = cut ? await usageOfCutStream(kit, context, tap.usage(), filter!.delivered()) : tap.usage() ?? await kit.fallbackUsage(context, tap.deliveredText())
      kit.settle(context, channel, usage, { upstreamModel: call.target.model, completed, firstTokenMs: firstToken === undefined ? undefined : firstToken - context.startedAt, sensitiveWordsDetected: cut })
    },
    errorEvent: (message) => openAiStreamErrorEvent(scrubberFor(channel.keys)(message)),
  }
  return kit.stream(context, filter ? filter.wrap(source) : source)
}

/** Text of a prompt for counting: completions `prompt`, embeddings/moderations `input`. */
function promptText(body: Record<string, unknown>): string | string[] {
  const value = body.prompt ?? body.input ?? ''
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return value.map((entry) => (typeof entry === 'string' ? entry : JSON.stringify(entry)))
  return JSON.stringify(value)
}

/**
 * An OpenAI-format endpoint other than chat: served by every provider with OpenAI-format endpoints, body passed
 * through. `validate` refuses a body the upstream would refuse anyway, before anything is reserved.
 */
export function createOpenAiEndpoint(definition: {
  name: string
  path: Exclude<OpenAiPath, '/v1/chat/completions'>
  /** Whether the endpoint produces completion tokens (embeddings and moderations do not). */
  completes: boolean
  defaultModel?: string
  validate(body: Record<string, unknown>): void
}): Endpoint {
  return {
    name: definition.name,
    format: 'openai-chat',
    serves: (provider) => servesOpenAiPath(provider, definition.path),
    async read(request) {
      const bodyText = await request.text()
      const body = parseJsonObject(bodyText)
      definition.validate(body)
      const parsed = openAiRequest(body, bodyText)
      if (!parsed.model && definition.defaultModel) parsed.model = definition.defaultModel
      return parsed
    },
    completionReserve: (body, fallback) => (definition.completes ? maxOutputTokens(body, fallback) : 0),
    prepare: (context, channel, provider, keyIndex, kit) => prepareOpenAi(context, channel, provider, keyIndex, definition.path, kit),
    respond: respondOpenAi,
    countPrompt: async (context, counter) => (await counter.countTextTokens(context.model, promptText(context.body))).tokens,
  }
}
