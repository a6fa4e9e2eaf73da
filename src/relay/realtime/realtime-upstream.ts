import type { CachedChannel } from '../../cache/routing.ts'
import type { ChannelHealth } from '../../channels/channel-health.ts'
import { pickKey, type ChannelRequests } from '../../channels/channel-requests.ts'
import { pickChannel } from '../../cache/routing.ts'
import { GatewayError } from '../../errors.ts'
import { providerForChannelType } from '../../providers/index.ts'
import type { RealtimeAdmission } from './realtime-admission.ts'

/** The upstream session a channel opened, and what the log rows say about it. */
export interface UpstreamConnection {
  socket: WebSocket
  channel: CachedChannel
  upstreamModel: string
}

/** Opens one WebSocket; resolves once it is open, rejects when it closes or fails first or takes longer than `timeoutMs`. */
function openSocket(url: string, headers: Record<string, string>, timeoutMs: number, prepare: (socket: WebSocket) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // Bun's WebSocket takes request headers (the key), which the browser's does not.
    const socket = new WebSocket(url, { headers } as unknown as string[])
    // Buffers, which the client's socket sends as they are (Bun's extension of binaryType).
    socket.binaryType = 'nodebuffer' as BinaryType
    prepare(socket)
    const timer = setTimeout(() => {
      socket.onopen = socket.onclose = null
      ;(socket as WebSocket & { terminate(): void }).terminate()
      reject(new Error(`no answer within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    socket.onopen = () => {
      clearTimeout(timer)
      resolve(socket)
    }
    socket.onclose = (event) => {
      clearTimeout(timer)
      reject(new Error(event.reason || `closed with ${event.code} before opening`))
    }
  })
}

/**
 * The attempt loop of a realtime session: channels in the admitted tiers (priority, then weight), never one twice,
 * up to RetryTimes more after a failure. Only a connection that does not open is retried: once one is open its
 * frames belong to the client. `prepare` attaches the session's handlers before any frame can arrive.
 */
export async function connectUpstream(dependencies: { requests: ChannelRequests; health: ChannelHealth }, admission: RealtimeAdmission, settings: {
  attempts: number
  timeoutMs: number
  /** Headers of the client's to pass on (OpenAI-Beta). */
  extraHeaders: Record<string, string>
  tried: number[]
  prepare(socket: WebSocket): void
}): Promise<UpstreamConnection> {
  let lastError: GatewayError | undefined
  for (let index = 0; index < settings.attempts; index++) {
    const channel = pickChannel(admission.tiers, index, new Set(settings.tried))
    if (!channel) break
    settings.tried.push(channel.id)
    const keyIndex = pickKey(channel)
    if (keyIndex < 0) {
      lastError = new GatewayError(503, `Channel ${channel.id} has no enabled key`, 'channel:no_available_key')
      continue
    }
    const provider = providerForChannelType(channel.type)!
    const upstreamModel = channel.modelMapping[admission.model] ?? admission.model
    const target = dependencies.requests.target(channel, keyIndex, provider, upstreamModel, true)
    if (!target.baseUrl) {
      lastError = new GatewayError(500, `Channel ${channel.id} has no base URL`, 'channel:invalid_base_url')
      continue
    }
    const request = dependencies.requests.capability(channel, { method: 'GET', url: provider.realtime!.url(target), headers: { ...settings.extraHeaders, ...provider.realtime!.headers(target) } }, target.key)
    try {
      const socket = await openSocket(request.url, request.headers, settings.timeoutMs, settings.prepare)
      return { socket, channel, upstreamModel }
    } catch (error) {
      const message = `Upstream realtime connection failed: ${(error as Error).message}`
      dependencies.health.reportFailure(channel, keyIndex, 502, message)
      lastError = new GatewayError(502, message, 'do_request_failed')
    }
  }
  throw lastError ?? new GatewayError(503, `No available channel for model ${admission.model} under group ${admission.holder.group}`, 'model_not_found')
}
