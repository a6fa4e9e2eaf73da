import { t } from 'elysia'

/**
 * OpenAPI documentation of the relay routes. The relay reads bodies itself (unknown fields pass through to the
 * upstream untouched), so these schemas document rather than validate.
 */
const Message = t.Object({ role: t.String(), content: t.Optional(t.Unknown()), name: t.Optional(t.String()), tool_calls: t.Optional(t.Array(t.Unknown())), tool_call_id: t.Optional(t.String()) }, { additionalProperties: true })

export const ChatCompletionRequest = t.Object({
  model: t.String({ description: 'Model name; a -high/-medium/-low suffix sets reasoning_effort' }),
  messages: t.Array(Message),
  stream: t.Optional(t.Boolean()),
  stream_options: t.Optional(t.Object({ include_usage: t.Optional(t.Boolean()) })),
  max_tokens: t.Optional(t.Integer()),
  max_completion_tokens: t.Optional(t.Integer()),
  temperature: t.Optional(t.Number()),
  tools: t.Optional(t.Array(t.Unknown())),
  tool_choice: t.Optional(t.Unknown()),
  reasoning_effort: t.Optional(t.String()),
}, { additionalProperties: true })

export const CompletionRequest = t.Object({ model: t.String(), prompt: t.Union([t.String(), t.Array(t.String())]), stream: t.Optional(t.Boolean()), max_tokens: t.Optional(t.Integer()) }, { additionalProperties: true })
export const EmbeddingRequest = t.Object({ model: t.String(), input: t.Union([t.String(), t.Array(t.String()), t.Array(t.Integer()), t.Array(t.Array(t.Integer()))]), dimensions: t.Optional(t.Integer()), encoding_format: t.Optional(t.String()) }, { additionalProperties: true })
export const ModerationRequest = t.Object({ model: t.Optional(t.String()), input: t.Unknown() }, { additionalProperties: true })

const Usage = t.Object({ prompt_tokens: t.Integer(), completion_tokens: t.Optional(t.Integer()), total_tokens: t.Integer() }, { additionalProperties: true })
export const ChatCompletionResponse = t.Object({ id: t.String(), object: t.String(), created: t.Integer(), model: t.String(), choices: t.Array(t.Unknown()), usage: t.Optional(Usage) }, { additionalProperties: true })
export const EmbeddingResponse = t.Object({ object: t.Literal('list'), data: t.Array(t.Object({ object: t.String(), index: t.Integer(), embedding: t.Unknown() })), model: t.String(), usage: Usage }, { additionalProperties: true })
export const OpenAiError = t.Object({ error: t.Object({ message: t.String(), type: t.String(), param: t.Optional(t.Union([t.String(), t.Null()])), code: t.Union([t.String(), t.Null()]) }) })
export const ModelObject = t.Object({ id: t.String(), object: t.Literal('model'), created: t.Integer(), owned_by: t.String() })
export const ModelList = t.Object({ object: t.Literal('list'), data: t.Array(ModelObject) })
export const BillingSubscription = t.Object({ object: t.Literal('billing_subscription'), has_payment_method: t.Boolean(), soft_limit_usd: t.Number(), hard_limit_usd: t.Number(), system_hard_limit_usd: t.Number(), access_until: t.Integer() })
export const BillingUsage = t.Object({ object: t.Literal('list'), total_usage: t.Number() })

export const AnthropicMessagesRequest = t.Object({
  model: t.String(), max_tokens: t.Integer(), messages: t.Array(t.Object({ role: t.String(), content: t.Unknown() })),
  system: t.Optional(t.Unknown()), stream: t.Optional(t.Boolean()), tools: t.Optional(t.Array(t.Unknown())), thinking: t.Optional(t.Unknown()),
}, { additionalProperties: true })
export const AnthropicMessage = t.Object({
  id: t.String(), type: t.Literal('message'), role: t.Literal('assistant'), model: t.String(), content: t.Array(t.Unknown()),
  stop_reason: t.Union([t.String(), t.Null()]), usage: t.Object({ input_tokens: t.Integer(), output_tokens: t.Integer() }, { additionalProperties: true }),
}, { additionalProperties: true })
export const AnthropicCountTokensRequest = t.Object({ model: t.String(), messages: t.Array(t.Unknown()), system: t.Optional(t.Unknown()), tools: t.Optional(t.Array(t.Unknown())) }, { additionalProperties: true })
export const AnthropicCountTokensResponse = t.Object({ input_tokens: t.Integer() })
export const ResponsesRequest = t.Object({ model: t.String(), input: t.Unknown(), instructions: t.Optional(t.String()), stream: t.Optional(t.Boolean()), tools: t.Optional(t.Array(t.Unknown())) }, { additionalProperties: true })
export const ResponsesResponse = t.Object({ id: t.String(), object: t.Literal('response'), model: t.String(), output: t.Array(t.Unknown()), usage: t.Optional(t.Unknown()) }, { additionalProperties: true })
export const GeminiRequest = t.Object({ contents: t.Array(t.Unknown()), systemInstruction: t.Optional(t.Unknown()), tools: t.Optional(t.Array(t.Unknown())), generationConfig: t.Optional(t.Unknown()) }, { additionalProperties: true })
export const GeminiResponse = t.Object({ candidates: t.Array(t.Unknown()), usageMetadata: t.Optional(t.Unknown()), modelVersion: t.Optional(t.String()) }, { additionalProperties: true })
export const RerankRequestSchema = t.Object({
  model: t.String(), query: t.String(), documents: t.Array(t.Union([t.String(), t.Record(t.String(), t.Unknown())])),
  top_n: t.Optional(t.Union([t.Integer(), t.Null()])), return_documents: t.Optional(t.Boolean()),
}, { additionalProperties: true })
export const RerankResponseSchema = t.Object({
  id: t.String(), model: t.String(),
  results: t.Array(t.Object({ index: t.Integer(), relevance_score: t.Number(), document: t.Optional(t.Unknown()) })),
  usage: t.Object({ prompt_tokens: t.Integer(), total_tokens: t.Integer() }),
  meta: t.Optional(t.Object({ billed_units: t.Object({ search_units: t.Number() }) })),
})
export const GeminiModel = t.Object({ name: t.String(), displayName: t.String(), supportedGenerationMethods: t.Array(t.String()) }, { additionalProperties: true })
export const SpeechRequest = t.Object({
  model: t.String({ description: 'tts-1, tts-1-hd, gpt-4o-mini-tts…; billed per character of input, or by usage tokens when the upstream reports them (gpt-4o-mini-tts with stream_format sse)' }),
  input: t.String({ description: 'The text to speak' }),
  voice: t.Union([t.String(), t.Object({ id: t.String() })]),
  instructions: t.Optional(t.String()),
  response_format: t.Optional(t.Union(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'].map((format) => t.Literal(format)))),
  speed: t.Optional(t.Number()),
  stream_format: t.Optional(t.Union([t.Literal('audio'), t.Literal('sse')], { description: 'sse: speech.audio.delta events, then speech.audio.done with usage' })),
}, { additionalProperties: true })
export const TranscriptionRequest = t.Object({
  file: t.String({ format: 'binary', description: 'The audio file (mp3, mp4, mpeg, mpga, m4a, wav, webm, ogg, flac); billed by its duration at 1000 tokens a minute unless the upstream reports token usage' }),
  model: t.String(),
  response_format: t.Optional(t.Union(['json', 'text', 'srt', 'verbose_json', 'vtt'].map((format) => t.Literal(format)))),
  language: t.Optional(t.String()),
  prompt: t.Optional(t.String()),
  temperature: t.Optional(t.Number()),
  stream: t.Optional(t.Boolean({ description: 'gpt-4o-transcribe and gpt-4o-mini-transcribe: transcript.text.delta events, then transcript.text.done with usage' })),
}, { additionalProperties: true })
export const TranscriptionResponse = t.Object({ text: t.String(), usage: t.Optional(t.Unknown()) }, { additionalProperties: true })
export const GeminiModelList = t.Object({ models: t.Array(GeminiModel) })

const ImageData = t.Object({ b64_json: t.Optional(t.String()), url: t.Optional(t.String()), revised_prompt: t.Optional(t.String()) })
const imageFields = {
  model: t.Optional(t.String({ description: 'Defaults to dall-e-2, as at OpenAI' })),
  n: t.Optional(t.Integer({ minimum: 1, maximum: 10, description: 'dall-e-3 and Gemini image models: 1; Imagen: up to 4' })),
  size: t.Optional(t.String({ description: 'dall-e-2: 256x256, 512x512, 1024x1024; dall-e-3: 1024x1024, 1792x1024, 1024x1792; gpt-image-1: auto, 1024x1024, 1536x1024, 1024x1536' })),
  response_format: t.Optional(t.Union([t.Literal('url'), t.Literal('b64_json')])),
}
export const ImageGenerationRequest = t.Object({
  ...imageFields, prompt: t.String(), quality: t.Optional(t.String()),
  stream: t.Optional(t.Boolean({ description: 'gpt-image models on OpenAI-format channels: server-sent image_generation.partial_image / .completed events' })),
  partial_images: t.Optional(t.Integer({ minimum: 0, maximum: 3 })),
}, { additionalProperties: true })
export const ImageEditRequest = t.Object({
  ...imageFields, prompt: t.String(), quality: t.Optional(t.String()), stream: t.Optional(t.Boolean()), partial_images: t.Optional(t.Integer({ minimum: 0, maximum: 3 })),
  image: t.Optional(t.String({ format: 'binary', description: 'The image to edit (or several, as image[])' })),
  'image[]': t.Optional(t.Array(t.String({ format: 'binary' }))),
  mask: t.Optional(t.String({ format: 'binary' })),
}, { additionalProperties: true })
export const ImageVariationRequest = t.Object({ ...imageFields, image: t.String({ format: 'binary' }) }, { additionalProperties: true })
export const ImagesResponse = t.Object({ created: t.Integer(), data: t.Array(ImageData), usage: t.Optional(t.Unknown()) }, { additionalProperties: true })

/** `detail` for a relay route: request body and the answers, documented from the schemas above. */
export function relayDoc(summary: string, request: object | undefined, response: object, options: { stream?: boolean; multipart?: boolean; otherAnswers?: Record<string, object>; answers?: Record<string, object> } = {}) {
  const responses: Record<string, unknown> = {
    200: { description: options.stream ? 'JSON, or text/event-stream when stream is true' : 'Success', content: options.answers ?? { 'application/json': { schema: response }, ...(options.stream ? { 'text/event-stream': { schema: { type: 'string' } } } : {}), ...options.otherAnswers } },
    400: { description: 'Bad request', content: { 'application/json': { schema: OpenAiError } } },
    401: { description: 'Invalid token', content: { 'application/json': { schema: OpenAiError } } },
    403: { description: 'Quota, model limit, IP or group refused', content: { 'application/json': { schema: OpenAiError } } },
    503: { description: 'No channel serves the model', content: { 'application/json': { schema: OpenAiError } } },
  }
  return {
    tags: ['Relay'], summary, security: [{ bearerAuth: [] }],
    ...(request ? { requestBody: { required: true, content: { [options.multipart ? 'multipart/form-data' : 'application/json']: { schema: request } } } } : {}),
    responses,
  } as never
}
