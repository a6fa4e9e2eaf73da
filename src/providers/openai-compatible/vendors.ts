import { createOpenAiChatAdaptor } from '../openai/openai-chat-adaptor.ts'
import { imageGenerationPath, mediaPaths, openAiAudioPaths, openAiDashboardBalance, openAiEndpoints, openAiImagePaths, openAiModelList } from '../openai/openai-capabilities.ts'
import { jinaRerank } from '../jina/jina-rerank.ts'
import { openAiRealtime } from '../openai/openai-realtime.ts'
import type { BalanceCapability, OpenAiEndpointPath, ChatRequestAdapter, ImagesCapability, OpenAiEndpointsCapability, OpenAiMediaPath, Provider, ProviderAdaptor, RerankCapability, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { openRouterRequest } from './openrouter-request.ts'
import { siliconFlowImages } from './siliconflow-images.ts'
import { wanxImages } from '../ali/wanx-images.ts'

/**
 * OpenAI-compatible vendors are configuration, not code: a default base URL, the path of the chat endpoint
 * under it, and whether the vendor accepts `stream_options.include_usage` (the ones that do not send usage on
 * their finish chunk anyway). Channel type numbers are new-api's enum (new-api-compat.md §4).
 */
export interface OpenAiCompatibleVendor {
  /** Adaptor id. */
  id: string
  /** new-api channel types served by this vendor entry. */
  channelTypes: number[]
  /** Base URL used when the channel leaves base_url empty ('' = the channel must give one). */
  defaultBaseUrl: string
  chatPath: string
  streamUsageOption: boolean
  /** Builds the URL from the channel when a path alone is not enough. */
  buildUrl?: (target: UpstreamTarget) => string
  /** Where completions / embeddings / moderations are, when not at OpenAI's paths under the base URL. */
  endpoints?: OpenAiEndpointsCapability
  /**
   * Which of OpenAI's completions / embeddings / moderations the vendor serves at those paths, from its API reference;
   * absent: all of them (OpenAI resellers and relays, which forward everything). Routing skips the vendor for the rest,
   * so a request never goes where it can only fail.
   */
  openAiPaths?: readonly OpenAiEndpointPath[]
  balance?: BalanceCapability
  /** The OpenAI media routes (images…) the vendor serves in OpenAI's format, at `endpoints`; none when absent. */
  mediaPaths?: ReadonlySet<OpenAiMediaPath>
  /** Images in the vendor's own dialect, when its image API is not OpenAI's. */
  images?: ImagesCapability
  /** Vendors hosting rerank models behind Jina's API. */
  rerank?: RerankCapability
  /** Serves OpenAI's Realtime API (`/v1/realtime` over WebSocket) under the base URL. */
  realtime?: boolean
  /** The vendor's own spelling of some chat request fields. */
  chatRequest?: ChatRequestAdapter
}

/** A custom channel's base URL is the whole endpoint; `{model}` in it is replaced by the upstream model. */
function customUrl(target: UpstreamTarget): string {
  return target.baseUrl.replaceAll('{model}', encodeURIComponent(target.model))
}

/** A custom base URL that already ends in the endpoint's path is the endpoint itself. */
const customEndpoints: OpenAiEndpointsCapability = {
  url(path, target) {
    const url = customUrl(target)
    return new URL(url).pathname.endsWith(path.slice(3)) ? url : joinUrl(target.baseUrl, path)
  },
  authHeaders: openAiEndpoints.authHeaders,
}

/** A vendor whose OpenAI-shaped endpoints live under its own version prefix (`/v1/embeddings` → `<prefix>/embeddings`). */
const prefixedEndpoints = (prefix: string): OpenAiEndpointsCapability => ({
  url: (path, target) => joinUrl(target.baseUrl, `${prefix}${path.slice(3)}`),
  authHeaders: openAiEndpoints.authHeaders,
})

/** OpenRouter's credits: total bought minus total used (USD). */
const openRouterBalance: BalanceCapability = {
  requests: (target) => [{ method: 'GET', url: joinUrl(target.baseUrl, '/v1/credits'), headers: { authorization: `Bearer ${target.key}` } }],
  parse([credits]) {
    const data = credits?.data as { total_credits?: number; total_usage?: number } | undefined
    return Number(data?.total_credits ?? 0) - Number(data?.total_usage ?? 0)
  },
}

/** DeepSeek's balance in USD (the first balance when there is no USD one). */
const deepSeekBalance: BalanceCapability = {
  requests: (target) => [{ method: 'GET', url: joinUrl(target.baseUrl, '/user/balance'), headers: { authorization: `Bearer ${target.key}` } }],
  parse([balance]) {
    const infos = balance?.balance_infos as { currency: string; total_balance: string }[] | undefined
    return Number(infos?.find((info) => info.currency === 'USD')?.total_balance ?? infos?.[0]?.total_balance ?? 0)
  },
}

/** Cloudflare Workers AI: the account id lives in the channel's `other` field. */
function cloudflareUrl(target: UpstreamTarget): string {
  const account = target.other.trim()
  return joinUrl(target.baseUrl, `/client/v4/accounts/${encodeURIComponent(account)}/ai/v1/chat/completions`)
}

/** Vendors' audio routes, from their public API references: SiliconFlow has speech and transcriptions, Mistral (Voxtral) transcriptions only. */
const speechAndTranscriptionPaths: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/audio/speech', '/v1/audio/transcriptions'])
const transcriptionPath: ReadonlySet<OpenAiMediaPath> = new Set(['/v1/audio/transcriptions'])

export const openAiCompatibleVendors: OpenAiCompatibleVendor[] = [
  { id: 'custom', channelTypes: [8], defaultBaseUrl: '', chatPath: '', streamUsageOption: true, buildUrl: customUrl, endpoints: customEndpoints, balance: openAiDashboardBalance, mediaPaths: mediaPaths(openAiImagePaths, openAiAudioPaths) },
  { id: 'deepseek', channelTypes: [43], defaultBaseUrl: 'https://api.deepseek.com', chatPath: '/v1/chat/completions', streamUsageOption: true, balance: deepSeekBalance, openAiPaths: [] },
  { id: 'mistral', channelTypes: [42], defaultBaseUrl: 'https://api.mistral.ai', chatPath: '/v1/chat/completions', streamUsageOption: false, mediaPaths: transcriptionPath, openAiPaths: ['/v1/embeddings'] },
  { id: 'groq', channelTypes: [], defaultBaseUrl: 'https://api.groq.com/openai', chatPath: '/v1/chat/completions', streamUsageOption: true, mediaPaths: openAiAudioPaths, openAiPaths: [] },
  // xAI's image API (grok-2-image…) is OpenAI's generations route; it has no edits or variations.
  { id: 'xai', channelTypes: [48], defaultBaseUrl: 'https://api.x.ai', chatPath: '/v1/chat/completions', streamUsageOption: true, mediaPaths: imageGenerationPath, openAiPaths: ['/v1/completions'] },
  { id: 'openrouter', channelTypes: [20], defaultBaseUrl: 'https://openrouter.ai/api', chatPath: '/v1/chat/completions', streamUsageOption: true, balance: openRouterBalance, chatRequest: openRouterRequest, openAiPaths: ['/v1/completions'] },
  { id: 'siliconflow', channelTypes: [40], defaultBaseUrl: 'https://api.siliconflow.cn', chatPath: '/v1/chat/completions', streamUsageOption: true, rerank: jinaRerank, mediaPaths: speechAndTranscriptionPaths, images: siliconFlowImages, openAiPaths: ['/v1/embeddings'] },
  { id: 'moonshot', channelTypes: [25], defaultBaseUrl: 'https://api.moonshot.cn', chatPath: '/v1/chat/completions', streamUsageOption: true, openAiPaths: [] },
  // Perplexity serves chat at the root, without /v1.
  { id: 'perplexity', channelTypes: [27], defaultBaseUrl: 'https://api.perplexity.ai', chatPath: '/chat/completions', streamUsageOption: false, openAiPaths: [] },
  { id: 'ali', channelTypes: [17], defaultBaseUrl: 'https://dashscope.aliyuncs.com', chatPath: '/compatible-mode/v1/chat/completions', streamUsageOption: true, endpoints: prefixedEndpoints('/compatible-mode/v1'), openAiPaths: ['/v1/embeddings'], images: wanxImages },
  { id: 'zhipu-v4', channelTypes: [26], defaultBaseUrl: 'https://open.bigmodel.cn', chatPath: '/api/paas/v4/chat/completions', streamUsageOption: false, endpoints: prefixedEndpoints('/api/paas/v4'), openAiPaths: ['/v1/embeddings'] },
  { id: 'volcengine', channelTypes: [45], defaultBaseUrl: 'https://ark.cn-beijing.volces.com', chatPath: '/api/v3/chat/completions', streamUsageOption: true, endpoints: prefixedEndpoints('/api/v3'), openAiPaths: ['/v1/embeddings'] },
  { id: 'baidu-v2', channelTypes: [46], defaultBaseUrl: 'https://qianfan.baidubce.com', chatPath: '/v2/chat/completions', streamUsageOption: true, endpoints: prefixedEndpoints('/v2'), openAiPaths: ['/v1/embeddings'] },
  { id: 'lingyiwanwu', channelTypes: [31], defaultBaseUrl: 'https://api.lingyiwanwu.com', chatPath: '/v1/chat/completions', streamUsageOption: true, openAiPaths: [] },
  { id: 'minimax', channelTypes: [35], defaultBaseUrl: 'https://api.minimax.chat', chatPath: '/v1/text/chatcompletion_v2', streamUsageOption: true, openAiPaths: [] },
  { id: 'xinference', channelTypes: [47], defaultBaseUrl: '', chatPath: '/v1/chat/completions', streamUsageOption: true, rerank: jinaRerank, openAiPaths: ['/v1/completions', '/v1/embeddings'] },
  { id: 'cloudflare', channelTypes: [39], defaultBaseUrl: 'https://api.cloudflare.com', chatPath: '', streamUsageOption: true, buildUrl: cloudflareUrl, openAiPaths: [] },
  { id: 'fastgpt', channelTypes: [22], defaultBaseUrl: 'https://fastgpt.run/api/openapi', chatPath: '/v1/chat/completions', streamUsageOption: true, openAiPaths: [] },
  // OpenAI resellers and relays: OpenAI's paths on another host.
  { id: 'openai-max', channelTypes: [6], defaultBaseUrl: 'https://api.openaimax.com', chatPath: '/v1/chat/completions', streamUsageOption: true },
  { id: 'ohmygpt', channelTypes: [7], defaultBaseUrl: 'https://api.ohmygpt.com', chatPath: '/v1/chat/completions', streamUsageOption: true },
  { id: 'ails', channelTypes: [9], defaultBaseUrl: 'https://api.caipacity.com', chatPath: '/v1/chat/completions', streamUsageOption: true },
  { id: 'aiproxy', channelTypes: [10, 21], defaultBaseUrl: 'https://api.aiproxy.io', chatPath: '/v1/chat/completions', streamUsageOption: true, balance: openAiDashboardBalance },
  { id: 'api2gpt', channelTypes: [12], defaultBaseUrl: 'https://api.api2gpt.com', chatPath: '/v1/chat/completions', streamUsageOption: true, balance: openAiDashboardBalance },
  { id: 'aigc2d', channelTypes: [13], defaultBaseUrl: 'https://api.aigc2d.com', chatPath: '/v1/chat/completions', streamUsageOption: true, balance: openAiDashboardBalance },
  { id: '360', channelTypes: [19], defaultBaseUrl: 'https://api.360.cn', chatPath: '/v1/chat/completions', streamUsageOption: true, openAiPaths: ['/v1/embeddings'] },
  { id: 'submodel', channelTypes: [53], defaultBaseUrl: 'https://llm.submodel.ai', chatPath: '/v1/chat/completions', streamUsageOption: true },
  { id: 'sub2api', channelTypes: [59], defaultBaseUrl: '', chatPath: '/v1/chat/completions', streamUsageOption: true },
  { id: 'new-api', channelTypes: [60], defaultBaseUrl: '', chatPath: '/v1/chat/completions', streamUsageOption: true, mediaPaths: openAiImagePaths, realtime: true },
]

/** A vendor as a provider: OpenAI's chat adaptor with the vendor's URL, plus OpenAI's other endpoints and model list. */
export function createOpenAiCompatibleProvider(vendor: OpenAiCompatibleVendor): Provider & { chat: ProviderAdaptor } {
  const chat = createOpenAiChatAdaptor({
    id: vendor.id,
    chatPath: vendor.chatPath,
    streamUsageOption: vendor.streamUsageOption,
    officialOpenAi: false,
    buildUrl: vendor.buildUrl,
    chatRequest: vendor.chatRequest,
  })
  return {
    id: vendor.id, channelTypes: vendor.channelTypes, defaultBaseUrl: vendor.defaultBaseUrl, chat,
    openAiEndpoints: vendor.openAiPaths ? { ...(vendor.endpoints ?? openAiEndpoints), paths: new Set(vendor.openAiPaths) } : vendor.endpoints ?? openAiEndpoints,
    streamUsageOption: vendor.streamUsageOption,
    listModels: openAiModelList, balance: vendor.balance, openAiMediaPaths: vendor.mediaPaths, images: vendor.images, rerank: vendor.rerank,
    realtime: vendor.realtime ? openAiRealtime : undefined,
  }
}
