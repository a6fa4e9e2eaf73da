import { anthropicAdaptor } from './anthropic/anthropic-adaptor.ts'
import { createEventStreamDecoder } from './bedrock/aws-eventstream.ts'
import { bedrockAdaptor } from './bedrock/bedrock-adaptor.ts'
import { bedrockInvokeAdaptor } from './bedrock/bedrock-invoke-adaptor.ts'
import { createBedrockInvokeStreamDecoder } from './bedrock/bedrock-invoke-stream.ts'
import { isBedrockClaude } from './bedrock/bedrock-model-id.ts'
import { bedrockEmbeddings } from './bedrock/bedrock-embeddings.ts'
import { bedrockRerank } from './bedrock/bedrock-rerank.ts'
import { cohereAdaptor } from './cohere/cohere-adaptor.ts'
import { cozeAdaptor } from './coze/coze-adaptor.ts'
import { difyAdaptor } from './dify/dify-adaptor.ts'
import { geminiAdaptor } from './gemini/gemini-adaptor.ts'
import { anthropicInbound } from './inbound/anthropic/anthropic-inbound.ts'
import { geminiInbound } from './inbound/gemini/gemini-inbound.ts'
import { openAiChatInbound } from './inbound/openai-chat.ts'
import { openAiResponsesInbound } from './inbound/openai-responses/responses-inbound.ts'
import { azureAdaptor, azureEndpoints, azureImagePaths, azureModelList, azureRealtime } from './openai/azure.ts'
import { openAiRealtime } from './openai/openai-realtime.ts'
import { mediaPaths, openAiAudioPaths, openAiDashboardBalance, openAiEndpoints, openAiImagePaths, openAiModelList } from './openai/openai-capabilities.ts'
import { anthropicCountTokens } from './anthropic/anthropic-count-tokens.ts'
import { anthropicModelList } from './anthropic/anthropic-model-list.ts'
import { geminiImages } from './gemini/gemini-images.ts'
import { geminiModelList } from './gemini/gemini-model-list.ts'
import { cohereModelList } from './cohere/cohere-model-list.ts'
import { cohereEmbeddings } from './cohere/cohere-embeddings.ts'
import { cohereRerank } from './cohere/cohere-rerank.ts'
import { geminiCountTokens } from './gemini/gemini-count-tokens.ts'
import { geminiEmbeddings } from './gemini/gemini-embeddings.ts'
import { jinaRerank } from './jina/jina-rerank.ts'
import { ollamaAdaptor } from './ollama/ollama-adaptor.ts'
import { ollamaCompletions, ollamaEmbeddings, ollamaModelList } from './ollama/ollama-capabilities.ts'
import { createNdjsonDecoder } from './ollama/ndjson-decoder.ts'
import { xunfeiAdaptor } from './xunfei/xunfei-adaptor.ts'
import { replicateAdaptor } from './replicate/replicate-adaptor.ts'
import { replicateImages } from './replicate/replicate-images.ts'
import { openAiAdaptor } from './openai/openai-chat-adaptor.ts'
import { azureResponsesAdaptor, openAiResponsesAdaptor } from './openai/openai-responses-adaptor.ts'
import { createOpenAiCompatibleProvider, openAiCompatibleVendors } from './openai-compatible/vendors.ts'
import { createSseDecoder } from './sse.ts'
import { baiduAdaptor } from './baidu/baidu-adaptor.ts'
import { baiduKeyProblem } from './baidu/baidu-key.ts'
import { zhipuAdaptor } from './zhipu/zhipu-adaptor.ts'
import { zhipuKeyProblem } from './zhipu/zhipu-token.ts'
import { tencentAdaptor } from './tencent/tencent-adaptor.ts'
import { tencentKeyProblem } from './tencent/tencent-key.ts'
import { vertexAdaptorFor, vertexAnthropicAdaptor, vertexGeminiAdaptor, vertexOpenAiAdaptor } from './vertex/vertex-adaptor.ts'
import { createConvertingStream, createPassThroughStream } from './stream-conversion.ts'
import type { InboundFormat, Provider, ProviderAdaptor, SseEvent, StreamConversion, StreamConversionSpec, WireFormat } from './types.ts'

export { ConversionError, UpstreamStreamError } from './errors.ts'
export { createSseDecoder, encodeSse, SseDecodeError } from './sse.ts'
export { EventStreamDecodeError } from './bedrock/aws-eventstream.ts'
export type * from './types.ts'

/**
 * The provider hub's front door (see types.ts for the call order). Everything here is pure and synchronous:
 * no I/O at import, no global state besides the adaptor tables built once.
 */

/** Every provider, once: channel types, default base URL, chat adaptor and optional capabilities (types.ts). */
const providers: Provider[] = [
  {
    id: 'openai', channelTypes: [1], defaultBaseUrl: 'https://api.openai.com', chat: openAiAdaptor, responses: openAiResponsesAdaptor,
    openAiEndpoints, openAiMediaPaths: mediaPaths(openAiImagePaths, openAiAudioPaths), streamUsageOption: true, listModels: openAiModelList, balance: openAiDashboardBalance,
    realtime: openAiRealtime,
  },
  {
    id: 'azure', channelTypes: [3], defaultBaseUrl: '', chat: azureAdaptor, responses: azureResponsesAdaptor,
    openAiEndpoints: azureEndpoints, openAiMediaPaths: mediaPaths(azureImagePaths, openAiAudioPaths), streamUsageOption: true, listModels: azureModelList,
    realtime: azureRealtime,
  },
  { id: 'anthropic', channelTypes: [14], defaultBaseUrl: 'https://api.anthropic.com', chat: anthropicAdaptor, streamUsageOption: false, listModels: anthropicModelList, countTokens: anthropicCountTokens },
  { id: 'gemini', channelTypes: [24], defaultBaseUrl: 'https://generativelanguage.googleapis.com', chat: geminiAdaptor, streamUsageOption: false, listModels: geminiModelList, embeddings: geminiEmbeddings, countTokens: geminiCountTokens, images: geminiImages },
  { id: 'cohere', channelTypes: [34], defaultBaseUrl: 'https://api.cohere.ai', chat: cohereAdaptor, streamUsageOption: false, listModels: cohereModelList, rerank: cohereRerank, embeddings: cohereEmbeddings },
  // Jina serves embeddings (OpenAI's shape) and rerank, and no chat.
  {
    id: 'jina', channelTypes: [38], defaultBaseUrl: 'https://api.jina.ai', streamUsageOption: false, rerank: jinaRerank,
    openAiEndpoints: { ...openAiEndpoints, paths: new Set(['/v1/embeddings']) },
  },
  // Bedrock's URL comes from the region in the key when the channel gives no base URL. Claude models go through
  // InvokeModel in Anthropic's own format, every other model through Converse.
  {
    id: 'bedrock', channelTypes: [33], defaultBaseUrl: '', baseUrlOptional: true, chat: bedrockAdaptor, streamUsageOption: false, embeddings: bedrockEmbeddings, rerank: bedrockRerank,
    chatByModel: { adaptors: [bedrockAdaptor, bedrockInvokeAdaptor], pick: (model) => (isBedrockClaude(model) ? bedrockInvokeAdaptor : bedrockAdaptor) },
  },
  // Vertex AI: Gemini and Claude models in their own wire formats, open models in OpenAI's; the URL comes from the key's project and the
  // model's region when the channel gives no base URL.
  {
    id: 'vertex', channelTypes: [41], defaultBaseUrl: '', baseUrlOptional: true, chat: vertexGeminiAdaptor,
    chatByModel: { adaptors: [vertexGeminiAdaptor, vertexAnthropicAdaptor, vertexOpenAiAdaptor], pick: vertexAdaptorFor }, streamUsageOption: false,
  },
  // Dify apps and Coze bots: one app or bot per channel, chat only (dify/, coze/).
  { id: 'dify', channelTypes: [37], defaultBaseUrl: 'https://api.dify.ai', chat: difyAdaptor, streamUsageOption: false },
  { id: 'coze', channelTypes: [49], defaultBaseUrl: 'https://api.coze.com', chat: cozeAdaptor, streamUsageOption: false },
  // Zhipu GLM legacy (v3 model API): a JWT signed locally with the key's secret; v4 (type 26) is OpenAI-compatible configuration.
  { id: 'zhipu', channelTypes: [16], defaultBaseUrl: 'https://open.bigmodel.cn', chat: zhipuAdaptor, streamUsageOption: false, keyProblem: zhipuKeyProblem },
  // Baidu ERNIE (Qianfan v1): an access token from the key's client-credentials exchange, an endpoint per model.
  { id: 'baidu', channelTypes: [15], defaultBaseUrl: 'https://aip.baidubce.com', chat: baiduAdaptor, streamUsageOption: false, keyProblem: baiduKeyProblem },
  // Tencent Hunyuan: the Cloud API 3.0 action ChatCompletions, each request TC3-signed with the key's SecretId/SecretKey.
  { id: 'tencent', channelTypes: [23], defaultBaseUrl: 'https://hunyuan.tencentcloudapi.com', chat: tencentAdaptor, streamUsageOption: false, keyProblem: tencentKeyProblem },
  // Ollama's native API: chat on /api/chat (NDJSON streams), embeddings on /api/embed, models from /api/tags; legacy
  // completions through its OpenAI-compatible /v1/completions, which takes stream_options.include_usage.
  {
    id: 'ollama', channelTypes: [4], defaultBaseUrl: 'http://localhost:11434', chat: ollamaAdaptor, streamUsageOption: true,
    listModels: ollamaModelList, embeddings: ollamaEmbeddings, openAiEndpoints: ollamaCompletions,
  },
  // Xunfei Spark: chat over a signed WebSocket (src/channels/websocket-upstream.ts carries it).
  { id: 'xunfei', channelTypes: [18], defaultBaseUrl: 'https://spark-api.xf-yun.com', chat: xunfeiAdaptor, streamUsageOption: false },
  // Replicate: language and image models run as predictions (waited for, polled, or streamed from their stream URL).
  { id: 'replicate', channelTypes: [56], defaultBaseUrl: 'https://api.replicate.com', chat: replicateAdaptor, images: replicateImages, streamUsageOption: false },
  ...openAiCompatibleVendors.map(createOpenAiCompatibleProvider),
  // Task families: submit → upstream task id → polled (src/tasks/). The proxy's address is the operator's.
  { id: 'midjourney', channelTypes: [2, 5], defaultBaseUrl: '', streamUsageOption: false, taskPlatform: 'mj' },
  { id: 'suno', channelTypes: [36], defaultBaseUrl: '', streamUsageOption: false, taskPlatform: 'suno' },
]

const providerByChannelType = new Map<number, Provider>()
/** Adaptors by id, for stream conversions rebuilt from plain data (worker threads name the adaptor). */
const adaptors = new Map<string, ProviderAdaptor>()
for (const provider of providers) {
  for (const type of provider.channelTypes) providerByChannelType.set(type, provider)
  if (provider.chat) adaptors.set(provider.chat.id, provider.chat)
  for (const adaptor of provider.chatByModel?.adaptors ?? []) adaptors.set(adaptor.id, adaptor)
  if (provider.responses) adaptors.set(provider.responses.id, provider.responses)
}

const inboundFormats = new Map<WireFormat, InboundFormat>([
  ['openai-chat', openAiChatInbound],
  ['anthropic', anthropicInbound],
  ['gemini', geminiInbound],
  ['openai-responses', openAiResponsesInbound],
])

/** The adaptor with this id; throws for an unknown id (a programming or configuration error, not a client one). */
export function getAdaptor(id: string): ProviderAdaptor {
  const adaptor = adaptors.get(id)
  if (adaptor === undefined) throw new Error(`no provider adaptor "${id}"`)
  return adaptor
}

/** Every chat adaptor a channel type can reach (each provider's chat and per-model adaptors), once: the contract suite's roll call. */
export function chatAdaptors(): ProviderAdaptor[] {
  return [...new Set([...providerByChannelType.values()].flatMap((provider) => [
    ...(provider.chat ? [provider.chat] : []), ...(provider.chatByModel?.adaptors ?? []),
  ]))]
}

/** The provider serving a channel type; undefined for types this gateway does not relay to. */
export function providerForChannelType(type: number): Provider | undefined {
  return providerByChannelType.get(type)
}

export function isChannelTypeSupported(type: number): boolean {
  return providerByChannelType.has(type)
}

/** new-api's default base URL for a channel type ('' when the channel must provide one). */
export function defaultBaseUrl(type: number): string {
  return providerByChannelType.get(type)?.defaultBaseUrl ?? ''
}

/**
 * The adaptor for a chat client of `inbound` format: a provider with a native Responses endpoint (OpenAI, Azure)
 * serves Responses clients there (a pass-through) instead of via Chat. `model` (the upstream name) picks among a
 * provider's per-model adaptors (Vertex AI).
 */
export function chatAdaptorFor(provider: Provider, inbound: WireFormat, model = ''): ProviderAdaptor {
  if (inbound === 'openai-responses' && provider.responses) return provider.responses
  if (!provider.chat) throw new Error(`provider ${provider.id} has no chat (routing should have skipped it)`)
  return provider.chatByModel ? provider.chatByModel.pick(model) : provider.chat
}

export function getInbound(format: WireFormat): InboundFormat {
  const inbound = inboundFormats.get(format)
  if (inbound === undefined) throw new Error(`no inbound format "${format}"`)
  return inbound
}

/**
 * Whether the client's body can be sent natively (no canonical round trip) and the upstream answer returned
 * as is. Legacy completions and embeddings are OpenAI-family endpoints: native on every OpenAI-speaking channel.
 */
export function isPassThrough(inbound: WireFormat, providerId: string): boolean {
  const format = getAdaptor(providerId).format
  if (format === inbound) return true
  return (inbound === 'openai-completions' || inbound === 'openai-embeddings') && format === 'openai-chat'
}

/**
 * One stream conversion from plain data (so a worker thread can rebuild it from a posted message).
 * Pass-through pairs get the lean tap (events untouched, usage found lazily); others parse and re-write.
 */
export function createStreamConversion(spec: StreamConversionSpec): StreamConversion {
  const adaptor = getAdaptor(spec.provider)
  if (isPassThrough(spec.inbound, spec.provider)) {
    // Completions clients are OpenAI-family: their in-stream error event has the OpenAI Chat shape.
    return createPassThroughStream(adaptor.format, spec, inboundFormats.get(spec.inbound) ?? openAiChatInbound)
  }
  return createConvertingStream(adaptor, getInbound(spec.inbound), spec)
}

/**
 * Bytes → events decoder for an upstream's stream: SSE for everyone (keeping the `meta:` lines for Zhipu v3) except
 * Bedrock (AWS eventstream; Claude's InvokeModel chunks unwrapped into Anthropic events) and Ollama (NDJSON). All
 * throw a typed error (SseDecodeError / EventStreamDecodeError) on a frame beyond their bounds or a corrupt frame.
 */
export function createUpstreamDecoder(providerId: string): { push(chunk: Uint8Array): SseEvent[]; flush(): SseEvent[] } {
  switch (getAdaptor(providerId).streamFraming) {
    case 'aws-eventstream': return createEventStreamDecoder()
    case 'bedrock-invoke': return createBedrockInvokeStreamDecoder()
    case 'sse-meta': return createSseDecoder({ keepMeta: true })
    case 'ndjson': return createNdjsonDecoder()
    default: return createSseDecoder()
  }
}
