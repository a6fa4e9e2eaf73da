import { imagePriceMultipliers, imageTokenQuota, imageTokenReservation, perImageQuota } from '../../billing/image-pricing.ts'
import { imageRatioFor } from '../../billing/pricing.ts'
import type { CachedChannel } from '../../cache/routing.ts'
import type { ChannelRequest } from '../../channels/channel-requests.ts'
import { GatewayError } from '../../errors.ts'
import { createSseDecoder, providerForChannelType } from '../../providers/index.ts'
import { convertOpenAiImageUsage } from '../../providers/openai/convert-openai-image-usage.ts'
import { openAiAdaptor } from '../../providers/openai/openai-chat-adaptor.ts'
import { emptyUsage, type ImageOperation, type ImageRequest, type ImagesResult, type OpenAiImagePath, type SseEvent, type Usage } from '../../providers/types.ts'
import type { Endpoint, Exchange, ParsedRequest, RelayContext, RelayKit, SettleOutcome } from '../endpoint.ts'
import { parseJsonObject } from '../endpoint.ts'
import { estimateTokens } from '../token-counter.ts'
import { createStreamScrubber } from '../../security/scrub-secrets-stream.ts'
import { parseUpstreamJson } from './openai-exchange.ts'
import { checkImageRequest, imageFields, type ImageFields } from './validate-image-request.ts'

/**
 * The images family: OpenAI's `/v1/images/generations` (JSON), `/edits` and `/variations` (multipart). On a
 * channel that serves the route in OpenAI's format the request passes through (the client's bytes when nothing
 * changes, the form rebuilt when the model is mapped or parameters are overridden) and so does the answer, SSE
 * streams included; on a provider with its own image API (`Provider.images`: Gemini) it is converted both ways.
 * Billing is per image (ModelPrice, with new-api's dall-e size and quality ratios) or by the usage tokens
 * gpt-image and Gemini report (billing/image-pricing.ts).
 */

/** A multipart upload as read: its bytes (forwarded untouched when nothing changes) and its files, for rebuilding. */
interface Upload {
  raw: Uint8Array
  contentType: string
  files: { field: string; filename: string; type: string; bytes: Uint8Array }[]
}

/** Uploads by the form they were read into: the context carries the form, the bytes stay here until it is dropped. */
const uploads = new WeakMap<FormData, Upload>()

const encoder = new TextEncoder()
const multipartName = (value: string) => value.replaceAll('"', '%22').replaceAll('\r', '%0D').replaceAll('\n', '%0A')

function encodeMultipart(fields: Record<string, unknown>, files: Upload['files']): { body: Uint8Array; contentType: string } {
  const boundary = `----tollgate${crypto.randomUUID().replaceAll('-', '')}`
  const chunks: Uint8Array[] = []
  for (const name in fields) {
    const value = fields[name]
    if (value === undefined || value === null) continue
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${multipartName(name)}"\r\n\r\n${text}\r\n`))
  }
  for (const file of files) {
    chunks.push(encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${multipartName(file.field)}"; filename="${multipartName(file.filename)}"\r\nContent-Type: ${file.type || 'application/octet-stream'}\r\n\r\n`))
    chunks.push(file.bytes, encoder.encode('\r\n'))
  }
  chunks.push(encoder.encode(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` }
}

async function readJson(request: Request, operation: ImageOperation): Promise<ParsedRequest> {
  const bodyText = await request.text()
  const body = parseJsonObject(bodyText)
  const fields = checkImageRequest(operation, body, 0)
  return { body, bodyText, model: fields.model, stream: fields.stream, clientWantsUsage: false }
}

async function readMultipart(request: Request, operation: ImageOperation): Promise<ParsedRequest> {
  const contentType = request.headers.get('content-type') ?? ''
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new GatewayError(400, `/v1/images/${operation} takes a multipart/form-data body (the "image" file and the fields)`, 'invalid_request', 'invalid_request_error')
  }
  const raw = new Uint8Array(await request.arrayBuffer())
  let form: FormData
  try {
    form = await new Response(raw, { headers: { 'content-type': contentType } }).formData()
  } catch {
    throw new GatewayError(400, 'The multipart/form-data body could not be read', 'invalid_request', 'invalid_request_error')
  }
  const body: Record<string, unknown> = {}
  const files: Upload['files'] = []
  for (const [field, value] of form) {
    if (typeof value === 'string') body[field] = value
    else files.push({ field, filename: value.name || field, type: value.type, bytes: new Uint8Array(await value.arrayBuffer()) })
  }
  const images = files.filter((file) => file.field === 'image' || file.field === 'image[]').length
  const fields = checkImageRequest(operation, body, images)
  uploads.set(form, { raw, contentType, files })
  return { body, bodyText: fields.prompt, model: fields.model, stream: fields.stream, clientWantsUsage: false, form }
}

/** The request in the shape a non-OpenAI provider converts from. */
function imageRequestOf(context: RelayContext, operation: ImageOperation, fields: ImageFields): ImageRequest {
  const files = context.form ? uploads.get(context.form)?.files ?? [] : []
  return {
    operation, prompt: fields.prompt, n: fields.n, size: fields.size, quality: fields.quality,
    responseFormat: context.body.response_format === 'b64_json' || fields.stream ? 'b64_json' : 'url',
    images: files.filter((file) => file.field === 'image' || file.field === 'image[]').map((file) => ({ bytes: file.bytes, mimeType: file.type || 'image/png' })),
  }
}

function isEmpty(object: object): boolean {
  for (const _ in object) return false
  return true
}

/** The OpenAI-format call: the client's body as it came unless the model is mapped or parameters overridden. */
function openAiRequest(context: RelayContext, channel: CachedChannel, plan: { url: string; headers: Readonly<Record<string, string>> }, upstreamModel: string): ChannelRequest {
  if (!context.form) {
    const unchanged = upstreamModel === context.body.model && !channel.bodyOverride
    const mapped = { ...context.body, model: upstreamModel }
    return { method: 'POST', url: plan.url, headers: plan.headers, body: unchanged ? context.bodyText : JSON.stringify(channel.bodyOverride ? channel.bodyOverride(mapped) : mapped) }
  }
  // A multipart upload takes the plain form of param_override (top-level fields); operations apply to JSON bodies.
  const unchanged = upstreamModel === context.body.model && isEmpty(channel.paramOverride)
  const upload = uploads.get(context.form)!
  const encoded = unchanged ? { body: upload.raw, contentType: upload.contentType } : encodeMultipart({ ...context.body, model: upstreamModel, ...channel.paramOverride }, upload.files)
  return { method: 'POST', url: plan.url, headers: { ...plan.headers, 'content-type': encoded.contentType }, body: encoded.body }
}

/** Settle an image request: per image at a ModelPrice, else by the reported tokens, else by the prompt alone. */
function settleImages(context: RelayContext, channel: CachedChannel, kit: RelayKit, usage: Usage | null, delivered: number, outcome: Omit<SettleOutcome, 'quota' | 'billedFor'>) {
  const fields = imageFields(context.body)
  const images = Math.min(delivered, fields.n)
  const billedFor: Record<string, string | number> = { n: images }
  if (fields.size) billedFor.size = fields.size
  if (fields.quality) billedFor.quality = fields.quality
  const price = context.price
  if (price.kind === 'per-call') {
    const multipliers = imagePriceMultipliers(context.model, fields.size, fields.quality)
    billedFor.size_ratio = multipliers.size
    billedFor.quality_ratio = multipliers.quality
    kit.settle(context, channel, usage ?? emptyUsage(), { ...outcome, billedFor, quota: perImageQuota(price, multipliers, images, kit.caches.options.quotaPerUnit) })
  } else if (usage) {
    kit.settle(context, channel, usage, { ...outcome, billedFor, quota: imageTokenQuota(price, usage, imageRatioFor(kit.caches.options, context.model)) })
  } else {
    // A token-priced model whose upstream reports no usage: only the prompt can be counted (set a ModelPrice instead).
    kit.settleLater(context, channel, kit.fallbackUsage(context, ''), () => ({ ...outcome, billedFor }))
  }
}

const addUsage = (left: Usage, right: Usage): Usage => ({
  inputTokens: left.inputTokens + right.inputTokens, cachedInputTokens: left.cachedInputTokens + right.cachedInputTokens,
  cacheWriteInputTokens: left.cacheWriteInputTokens + right.cacheWriteInputTokens, imageInputTokens: left.imageInputTokens + right.imageInputTokens,
  audioInputTokens: left.audioInputTokens + right.audioInputTokens, outputTokens: left.outputTokens + right.outputTokens, reasoningTokens: left.reasoningTokens + right.reasoningTokens,
})

/** An image stream's in-stream error, in the shape OpenAI's image streams use (`event: error`). */
const imageStreamErrorEvent = (message: string) =>
  `event: error\ndata: ${JSON.stringify({ type: 'error', error: { message, type: 'new_api_error', code: 'stream_error' } })}\n\n`

/** The event type without parsing a partial image's megabytes: the `event:` line, else the leading `type` member. */
const eventType = (event: SseEvent) => event.event ?? /"type"\s*:\s*"([^"]+)"/.exec(event.data.slice(0, 256))?.[1]

/** OpenAI's image stream, forwarded byte for byte; each `*.completed` event counts an image and carries its usage. */
function passThroughStream(context: RelayContext, exchange: Exchange, kit: RelayKit): Response {
  const upstream = exchange.response.body!.getReader()
  const decoder = createSseDecoder()
  let usage: Usage | null = null
  let completedImages = 0
  let firstImageAt: number | undefined
  const observe = (events: SseEvent[]) => {
    for (const event of events) {
      const type = eventType(event)
      if (!type?.startsWith('image_')) continue
      firstImageAt ??= performance.now()
      if (!type.endsWith('.completed')) continue
      completedImages++
      try {
        const reported = convertOpenAiImageUsage((JSON.parse(event.data) as { usage?: unknown }).usage)
        if (reported) usage = usage ? addUsage(usage, reported) : reported
      } catch { /* an unreadable event is forwarded all the same; the image still counts */ }
    }
  }
  // An upstream `event: error` may echo the channel's key: scrubbed before the client sees it.
  const scrubber = createStreamScrubber(exchange.channel.keys)
  return kit.stream(context, {
    async next() {
      const { value, done } = await upstream.read()
      if (done) {
        observe(decoder.flush())
        return { done: true, out: scrubber.finish(null) }
      }
      observe(decoder.push(value))
      return { done: false, out: scrubber.push(value) }
    },
    cancel: () => upstream.cancel().catch(() => {}),
    async finish(completed) {
      settleImages(context, exchange.channel, kit, usage, completedImages, {
        upstreamModel: exchange.call.target.model, completed, firstTokenMs: firstImageAt === undefined ? undefined : firstImageAt - context.startedAt,
      })
    },
    errorEvent: imageStreamErrorEvent,
  })
}

/** Usage in the shape OpenAI's image answers give it. */
function openAiImageUsage(usage: Usage) {
  return {
    input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens,
    input_tokens_details: { text_tokens: usage.inputTokens - usage.imageInputTokens, image_tokens: usage.imageInputTokens },
  }
}

/** A stream asked of a provider that has none: one `completed` event per image, as OpenAI ends its own streams. */
function completedEvents(operation: ImageOperation, result: ImagesResult, fields: ImageFields): string {
  const type = operation === 'edits' ? 'image_edit.completed' : 'image_generation.completed'
  const createdAt = Math.floor(Date.now() / 1000)
  return result.data.map((image, index) => `event: ${type}\ndata: ${JSON.stringify({
    type, b64_json: image.b64_json, created_at: createdAt, size: fields.size ?? 'auto', quality: fields.quality ?? 'auto', background: 'auto', output_format: 'png',
    // Usage belongs to the whole request: it rides on the last image, so summing the events counts it once.
    ...(result.usage && index === result.data.length - 1 ? { usage: openAiImageUsage(result.usage) } : {}),
  })}\n\n`).join('')
}

async function respondConverted(context: RelayContext, exchange: Exchange, kit: RelayKit, operation: ImageOperation): Promise<Response> {
  const json = parseUpstreamJson(await exchange.response.text(), context, exchange, kit)
  if (json instanceof Response) return json
  const fields = imageFields(context.body)
  const result = providerForChannelType(exchange.channel.type)!.images!.parse(json, imageRequestOf(context, operation, fields))
  if (result.data.length === 0) {
    return kit.fail(context, exchange.channel, new GatewayError(502, 'Upstream answered without an image (a safety filter may have blocked it)', 'empty_response'))
  }
  settleImages(context, exchange.channel, kit, result.usage, result.data.length, { upstreamModel: exchange.call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt })
  if (context.stream) {
    const events = completedEvents(operation, result, fields)
    let sent = false
    return kit.stream(context, {
      async next() {
        if (sent) return { done: true, out: null }
        sent = true
        return { done: false, out: events }
      },
      cancel() {},
      // Settled above, from the whole answer.
      async finish() {},
      errorEvent: imageStreamErrorEvent,
    })
  }
  return kit.json(context, JSON.stringify({ created: Math.floor(Date.now() / 1000), data: result.data, ...(result.usage ? { usage: openAiImageUsage(result.usage) } : {}) }))
}

/** One image route as an endpoint. */
export function createImagesEndpoint(operation: ImageOperation, path: OpenAiImagePath): Endpoint {
  const multipart = operation !== 'generations'
  return {
    name: `images-${operation}`,
    format: 'openai-chat',
    serves: (provider) => provider.openAiMediaPaths?.has(path) === true || provider.images?.operations.has(operation) === true,
    read: (request) => (multipart ? readMultipart(request, operation) : readJson(request, operation)),
    completionReserve: () => 0,
    reserve(parsed, price, quotaPerUnit) {
      const fields = imageFields(parsed.body)
      if (price.kind === 'per-call') return perImageQuota(price, imagePriceMultipliers(parsed.model, fields.size, fields.quality), fields.n, quotaPerUnit)
      const inputImages = parsed.form ? uploads.get(parsed.form)?.files.length ?? 0 : 0
      return imageTokenReservation(price, estimateTokens(fields.prompt.length), inputImages, fields.n, fields.size, fields.quality)
    },
    prepare(context, channel, provider, keyIndex, kit) {
      const upstreamModel = channel.modelMapping[context.model] ?? context.model
      const adaptor = provider.chat ?? openAiAdaptor
      if (provider.openAiMediaPaths?.has(path)) {
        const plan = kit.requests.openAiPlan(channel, keyIndex, provider, upstreamModel, path, context.stream)
        return { request: openAiRequest(context, channel, plan, upstreamModel), target: plan.target, adaptor, mode: 'openai' }
      }
      const target = kit.requests.target(channel, keyIndex, provider, upstreamModel, false)
      const native = provider.images!.request(imageRequestOf(context, operation, imageFields(context.body)), target)
      const body = channel.bodyOverride ? channel.bodyOverride(native.body) : native.body
      const request = kit.requests.capability(channel, { method: 'POST', url: native.url, headers: native.headers, body: JSON.stringify(body) }, target.key)
      // An asynchronous API (Wanx) follows its task through the channel client's prepared-request hook.
      const read = native.read
      if (read) request.prepare = async (io) => ({ body: request.body!, read: (answer) => read(answer, io) })
      return { request, target, adaptor, mode: 'native' }
    },
    async respond(context, exchange, kit) {
      if (exchange.call.mode === 'native') return respondConverted(context, exchange, kit, operation)
      if (context.stream) return passThroughStream(context, exchange, kit)
      const text = await exchange.response.text()
      const json = parseUpstreamJson(text, context, exchange, kit)
      if (json instanceof Response) return json
      const delivered = Array.isArray(json.data) ? json.data.length : 0
      settleImages(context, exchange.channel, kit, convertOpenAiImageUsage(json.usage), delivered, { upstreamModel: exchange.call.target.model, completed: true, firstTokenMs: performance.now() - context.startedAt })
      return kit.json(context, text)
    },
    countPrompt: async (context, counter) => (await counter.countTextTokens(context.model, imageFields(context.body).prompt)).tokens,
  }
}
