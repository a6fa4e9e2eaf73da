import { rendezvousKey } from './cache-affinity.ts'
import type { CachedChannel } from '../cache/routing.ts'
import type { Config } from '../config.ts'
import { chatAdaptorFor } from '../providers/index.ts'
import type { CapabilityRequest, OkBodyFailure, OpenAiEndpointPath, OpenAiMediaPath, Provider, ProviderAdaptor, RequestAuthorizer, RequestPreparer, UpstreamTarget, WebSocketExchange } from '../providers/types.ts'

/**
 * Building a request to a channel: which key, which URL, which headers, and every override the operator set on
 * the channel (`param_override` on the body, `header_override` on the headers, `{api_key}` standing for the key in
 * use). The relay, the channel test, model discovery and balance checks all build their requests here, so a
 * channel test exercises what real traffic sends.
 */

/** A request ready for the upstream client. */
export interface ChannelRequest {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  headers: Readonly<Record<string, string>>
  /** Text (JSON) or bytes (a multipart form). */
  body?: string | Uint8Array
  /** Auth obtained just before sending (an OAuth2 access token); the channel client awaits it. */
  authorize?: RequestAuthorizer
  /** The body's asynchronous step (Dify uploads, conversations); the channel client awaits it. */
  prepare?: RequestPreparer
  /** A provider that reports failures in HTTP 200 bodies: how to tell (see UpstreamRequest.okBodyFailure). */
  okBodyFailure?: (bodyText: string) => OkBodyFailure | null
  /** The upstream is a WebSocket (Xunfei Spark): the channel client opens it instead of an HTTP request. */
  websocket?: WebSocketExchange
}

/** URL, headers and target of an OpenAI-format request to one key of a channel (see `openAiPlan`). */
export interface OpenAiPlan {
  target: UpstreamTarget
  url: string
  headers: Readonly<Record<string, string>>
  /** Auth obtained at send time (Vertex AI's access token). */
  authorize?: RequestAuthorizer
}

/** The OpenAI-format paths: chat plus the other endpoints. */
export type OpenAiPath = '/v1/chat/completions' | OpenAiEndpointPath

const pollingIndex = new Map<number, number>()

/**
 * Pick a key of a (multi-key) channel: random or round-robin among the enabled keys, or the conversation's key when
 * the request has an `affinity` (cache-aware routing). Returns its index, -1 if none.
 */
export function pickKey(channel: CachedChannel, cooling?: (channelId: number, keyIndex: number) => boolean, affinity?: number): number {
  if (channel.keys.length === 1) return 0
  let enabled: number[] = []
  for (let index = 0; index < channel.keys.length; index++) if (channel.keyStatus[index] === 1) enabled.push(index)
  if (enabled.length === 0) return -1
  // Keys cooling down after a 429 wait their turn while another key can serve.
  if (cooling) {
    const ready = enabled.filter((index) => !cooling(channel.id, index))
    if (ready.length > 0) enabled = ready
  }
  if (affinity !== undefined) return rendezvousKey(enabled, affinity, channel.id)
  if (channel.multiKeyMode === 'polling') {
    const next = (pollingIndex.get(channel.id) ?? 0) % enabled.length
    pollingIndex.set(channel.id, next + 1)
    return enabled[next]!
  }
  return enabled[Math.floor(Math.random() * enabled.length)]!
}

/** Whether the channel can be addressed at all: it has a base URL, its provider has a default, or needs none. */
export const hasBaseUrl = (channel: CachedChannel, provider: Provider) => channel.baseUrl !== '' || provider.defaultBaseUrl !== '' || provider.baseUrlOptional === true

/** The channel's header overrides on top of the built headers; `{api_key}` stands for the key in use, `{model}` for the upstream model. */
function withHeaderOverrides(headers: Record<string, string>, channel: CachedChannel, key: string, model = ''): Record<string, string> {
  for (const name in channel.headerOverride) headers[name] = channel.headerOverride[name]!.replaceAll('{api_key}', key).replaceAll('{model}', model)
  return headers
}

export type ChannelRequests = ReturnType<typeof createChannelRequests>

export function createChannelRequests(config: Pick<Config, 'azureDefaultApiVersion' | 'geminiModelMap' | 'difyDebug'>) {
  function target(channel: CachedChannel, keyIndex: number, provider: Provider, model: string, stream: boolean): UpstreamTarget {
    return {
      baseUrl: channel.baseUrl || provider.defaultBaseUrl,
      key: channel.keys[keyIndex] ?? '',
      model,
      stream,
      other: channel.other,
      setting: { ...channel.setting, azureDefaultApiVersion: config.azureDefaultApiVersion, geminiModelMap: config.geminiModelMap, difyDebug: config.difyDebug },
      channelType: channel.type,
    }
  }

  /**
   * OpenAI-format requests depend only on the channel row, the key, the path, the model and the stream flag, so
   * they are built once and reused until the channel changes (a changed channel is a new object, which drops its
   * plans with it). Bounded: wildcard channels accept any model name.
   */
  const plans = new WeakMap<CachedChannel, Map<string, OpenAiPlan>>()
  function openAiPlan(channel: CachedChannel, keyIndex: number, provider: Provider, upstreamModel: string, path: OpenAiPath | OpenAiMediaPath, stream: boolean): OpenAiPlan {
    let memo = plans.get(channel)
    if (!memo) plans.set(channel, memo = new Map())
    const key = `${path}|${keyIndex}|${stream ? 1 : 0}|${upstreamModel}`
    let plan = memo.get(key)
    if (!plan) {
      const planned = target(channel, keyIndex, provider, upstreamModel, stream)
      const built: { url: string; headers: Record<string, string>; authorize?: RequestAuthorizer } = path === '/v1/chat/completions'
        ? chatAdaptorFor(provider, 'openai-chat', upstreamModel).buildRequest({}, planned)
        : { url: provider.openAiEndpoints!.url(path, planned), headers: { 'content-type': 'application/json', ...provider.openAiEndpoints!.authHeaders(planned) } }
      // Frozen: the HTTP/1.1 client then serialises these header lines once, not per request.
      plan = { target: planned, url: built.url, headers: Object.freeze(withHeaderOverrides(built.headers, channel, planned.key, upstreamModel)), authorize: built.authorize }
      if (memo.size >= 256) memo.clear()
      memo.set(key, plan)
    }
    return plan
  }

  /** A body in the adaptor's wire format, with the channel's parameter overrides merged in, as a request. */
  function native(channel: CachedChannel, adaptor: ProviderAdaptor, body: Record<string, unknown>, planned: UpstreamTarget, extraHeaders?: Record<string, string>): ChannelRequest & { body: string } {
    const built = adaptor.buildRequest(channel.bodyOverride ? channel.bodyOverride(body) : body, planned)
    const headers = withHeaderOverrides(built.headers, channel, planned.key, planned.model)
    if (extraHeaders) Object.assign(headers, extraHeaders)
    return { method: 'POST', url: built.url, headers, body: built.body, authorize: built.authorize, prepare: built.prepare, okBodyFailure: built.okBodyFailure, websocket: built.websocket }
  }

  /** A JSON body for an OpenAI-format path, with the channel's parameter overrides merged in. */
  function openAi(channel: CachedChannel, keyIndex: number, provider: Provider, path: OpenAiPath, body: Record<string, unknown>): ChannelRequest & { body: string; target: UpstreamTarget } {
    const upstreamModel = typeof body.model === 'string' ? body.model : ''
    const plan = openAiPlan(channel, keyIndex, provider, upstreamModel, path, body.stream === true)
    return { method: 'POST', url: plan.url, headers: plan.headers, body: JSON.stringify(channel.bodyOverride ? channel.bodyOverride(body) : body), target: plan.target, authorize: plan.authorize }
  }

  /** A capability's request (model list, balance, rerank) with the channel's header and, on a JSON body, parameter overrides. */
  function capability(channel: CachedChannel, request: CapabilityRequest, key: string): ChannelRequest & { body?: string } {
    const body = request.body !== undefined && !request.signed && channel.bodyOverride ? JSON.stringify(channel.bodyOverride(JSON.parse(request.body))) : request.body
    return { method: request.method, url: request.url, headers: withHeaderOverrides({ ...request.headers }, channel, key), body }
  }

  return { target, openAiPlan, native, openAi, capability }
}
