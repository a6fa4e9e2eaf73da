import type { CachedChannel } from '../cache/routing.ts'
import { badRequest, GatewayError } from '../errors.ts'
import type { UpstreamResponse } from '../net/http1-client.ts'
import { safeFetch } from '../net/safe-fetch.ts'
import { createUpstreamClient, type UpstreamClient } from '../net/upstream-client.ts'
import { providerForChannelType } from '../providers/index.ts'
import type { AuthPost, PrepareIo, Provider, RequestAuth, StateStore } from '../providers/types.ts'
import { scrubberFor } from '../security/scrub-secrets.ts'
import { hasBaseUrl, pickKey, type ChannelRequest, type ChannelRequests } from './channel-requests.ts'
import { createMemoryStateStore } from './state-store.ts'
import { sendOverWebSocket } from './websocket-upstream.ts'

/** How much of a failed answer is read: enough for any provider's error message, never an unbounded body. */
const MAX_ERROR_BODY = 64 * 1024

/** The start of a failed answer's body as text (the rest is cancelled), for the error mapping. */
export async function readErrorBody(response: UpstreamResponse): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  while (text.length < MAX_ERROR_BODY) {
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  reader.cancel().catch(() => {})
  return text.slice(0, MAX_ERROR_BODY)
}

/** `url` with auth query parameters added (Baidu's access_token). */
function withQuery(url: string, query: Record<string, string>): string {
  let out = url
  for (const name in query) out += `${out.includes('?') ? '&' : '?'}${encodeURIComponent(name)}=${encodeURIComponent(query[name]!)}`
  return out
}

/** A token exchange before a request gives up after this long. */
const AUTH_TIMEOUT_MS = 15_000

/** A result file (a generated image) fetched for the client gives up after this long. */
const DOWNLOAD_TIMEOUT_MS = 60_000

/** Management calls to an upstream (model lists, balances) give up after this long. */
const MANAGEMENT_TIMEOUT_MS = 20_000

export type ChannelClient = ReturnType<typeof createChannelClient>

/**
 * Sending to a channel: every caller (relay, channel test, model discovery, balance) goes through the one upstream
 * client chosen at start-up, so a proxy setting, the connection cap and the TLS rules apply alike.
 */
export function createChannelClient(dependencies: { requests: ChannelRequests; upstream: UpstreamClient; state?: StateStore }) {
  const { requests, upstream } = dependencies
  /** Channels with their own HTTP(S) proxy (`setting.proxy`) go through Bun's fetch, which speaks to proxies. */
  let proxied: UpstreamClient | undefined
  const clientFor = (channel: Pick<CachedChannel, 'proxy'>) => (channel.proxy ? (proxied ??= createUpstreamClient({ kind: 'fetch' })) : upstream)

  /** Token exchanges (Vertex AI) and preparers' side calls go through the same client, so a proxy and the TLS rules apply to them too. */
  const authPost: AuthPost = (url, headers, body) => upstream.request(url, { method: 'POST', headers, body, timeoutMs: AUTH_TIMEOUT_MS })
  /** What request preparers (Dify, Coze) share: side calls through the same client, the shared state (Redis or memory). */
  const sharedIo: Pick<PrepareIo, 'post' | 'state'> = { post: authPost, state: dependencies.state ?? createMemoryStateStore() }

  /** Send a request built for `channel` (its proxy, if it has one, carries it). */
  function send(channel: Pick<CachedChannel, 'proxy'>, request: ChannelRequest, init: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<UpstreamResponse> {
    // A WebSocket upstream (Xunfei Spark) is its own transport; one branch here leaves the HTTP path as it was.
    if (request.websocket) return sendOverWebSocket(request.url, request.headers as Record<string, string>, request.body as string, request.websocket, init)
    const client = clientFor(channel)
    const proxy = channel.proxy || undefined
    const sendWith = (auth?: RequestAuth, body: ChannelRequest['body'] = request.body) => client.request(auth?.query ? withQuery(request.url, auth.query) : request.url, {
      method: request.method, headers: auth?.headers ? { ...request.headers, ...auth.headers } : request.headers as Record<string, string>,
      body, signal: init.signal, timeoutMs: init.timeoutMs, proxy,
    })
    if (request.prepare) {
      // Polls (Wanx's task queries) go the channel's way (its proxy); they and result downloads stop when the client leaves.
      const io: PrepareIo = {
        ...sharedIo,
        get: (url, headers) => client.request(url, { method: 'GET', headers, signal: init.signal, timeoutMs: AUTH_TIMEOUT_MS, proxy }),
        download: async (url, options) => (await safeFetch(url, { ...options, timeoutMs: DOWNLOAD_TIMEOUT_MS, signal: init.signal })).bytes,
      }
      return sendPrepared(request, io, sendWith)
    }
    if (request.okBodyFailure) return sendReadingOkBody(request, request.okBodyFailure, sendWith)
    // Only requests that need an asynchronous auth step pay for the extra await.
    if (request.authorize) return request.authorize(authPost).then(sendWith)
    return sendWith()
  }

  /**
   * A provider that answers failures with HTTP 200 (Baidu, Tencent, Zhipu v3): a 2xx answer that is not an event
   * stream is read whole and, when its body is a failure, handed on with the status it stands for. A refused
   * credential (Baidu's expired access token) is renewed and the request sent once more.
   */
  async function sendReadingOkBody(request: ChannelRequest, okBodyFailure: NonNullable<ChannelRequest['okBodyFailure']>, sendWith: (auth?: RequestAuth) => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    for (let renew = false; ; renew = true) {
      const response = request.authorize ? await sendWith(await request.authorize(authPost, { renew })) : await sendWith()
      if (!response.ok || response.headers.get('content-type')?.includes('text/event-stream')) return response
      const text = await response.text()
      const failure = okBodyFailure(text)
      if (failure?.renewAuth && request.authorize && !renew) continue
      // The body is decoded text now: its length and encoding headers no longer describe it.
      const headers = new Headers(response.headers)
      headers.delete('content-encoding')
      headers.delete('content-length')
      return new Response(text, { status: failure?.status ?? response.status, headers })
    }
  }

  /** A request whose body is finished asynchronously (uploads, a conversation lookup), its answer read through the preparer. */
  async function sendPrepared(request: ChannelRequest, io: PrepareIo, sendWith: (auth?: RequestAuth, body?: ChannelRequest['body']) => Promise<UpstreamResponse>): Promise<UpstreamResponse> {
    const prepared = await request.prepare!(io)
    if (prepared.answer) return prepared.answer as UpstreamResponse
    const response = await sendWith(request.authorize ? await request.authorize(authPost) : undefined, prepared.body)
    return prepared.read ? prepared.read(response) as Promise<UpstreamResponse> : response
  }

  async function json(channel: CachedChannel, request: ChannelRequest): Promise<Record<string, unknown>> {
    const scrub = scrubberFor(channel.keys)
    let response: UpstreamResponse
    try {
      response = await send(channel, request, { timeoutMs: MANAGEMENT_TIMEOUT_MS })
    } catch (error) {
      throw new GatewayError(502, `Upstream request failed: ${scrub((error as Error).message)}`, 'do_request_failed')
    }
    const text = await response.text()
    if (!response.ok) throw new GatewayError(502, `Upstream answered ${response.status}: ${scrub(text.slice(0, 300))}`, 'bad_response_status_code')
    try { return JSON.parse(text) } catch { throw new GatewayError(502, 'Upstream answered with a body that is not JSON', 'bad_response_body') }
  }

  /** The channel's provider and the key to use for a management call (the first enabled one). */
  function prepare(channel: CachedChannel): { provider: Provider; keyIndex: number } {
    const provider = providerForChannelType(channel.type)
    if (!provider) throw badRequest(`Channel type ${channel.type} is not supported`)
    if (!hasBaseUrl(channel, provider)) throw badRequest('This channel type needs a base URL')
    const keyIndex = channel.keys.length === 1 ? 0 : pickKey(channel)
    if (keyIndex < 0) throw badRequest(`Channel ${channel.id} has no enabled key`)
    return { provider, keyIndex }
  }

  /** Model ids from the channel's upstream (OpenAI, Azure, Anthropic, Gemini, Cohere and the OpenAI-format vendors). */
  async function listModels(channel: CachedChannel): Promise<string[]> {
    const { provider, keyIndex } = prepare(channel)
    if (!provider.listModels) throw badRequest(`Model discovery is not available for ${provider.id} channels`, 'not_implemented')
    const target = requests.target(channel, keyIndex, provider, '', false)
    return provider.listModels.parse(await json(channel, requests.capability(channel, provider.listModels.request(target), target.key)))
  }

  /** The channel's balance in USD, for the providers that report one. */
  async function balance(channel: CachedChannel): Promise<number> {
    const { provider, keyIndex } = prepare(channel)
    if (!provider.balance) throw badRequest(`Balance lookup is not available for ${provider.id} channels`, 'not_implemented')
    const target = requests.target(channel, keyIndex, provider, '', false)
    const bodies: Record<string, unknown>[] = []
    for (const request of provider.balance.requests(target)) bodies.push(await json(channel, requests.capability(channel, request, target.key)))
    return provider.balance.parse(bodies)
  }

  /** Whether the channel's provider reports a balance at all. */
  const hasBalance = (channel: CachedChannel) => providerForChannelType(channel.type)?.balance !== undefined

  return { send, listModels, balance, hasBalance, requests }
}

/** A channel that does not exist yet (the form's "fetch models" before saving), with no overrides. */
export function draftChannel(input: { type: number; key: string; baseUrl: string }): CachedChannel {
  return {
    id: 0, type: input.type, name: 'draft', status: 1, baseUrl: input.baseUrl, keys: [input.key], keyStatus: [1], multiKeyMode: 'random',
    models: [], groups: [], priority: 0, weight: 1, modelMapping: {}, statusCodeMapping: {}, other: '', setting: {}, paramOverride: {},
    headerOverride: {}, autoBan: false, testModel: '', tag: '', maxConcurrency: 0, maxQueue: 0, proxy: '',
  }
}
