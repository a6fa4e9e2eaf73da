import type { Server } from 'bun'
import type { Ledger } from '../../billing/ledger.ts'
import { failureRecord } from '../../billing/usage-log.ts'
import type { UsageWriter } from '../../billing/usage-writer.ts'
import type { Caches } from '../../cache/index.ts'
import type { ChannelHealth } from '../../channels/channel-health.ts'
import type { ChannelRequests } from '../../channels/channel-requests.ts'
import type { Config } from '../../config.ts'
import { GatewayError } from '../../errors.ts'
import { REQUEST_ID_HEADER } from '../endpoint.ts'
import type { Relay } from '../relay.ts'
import type { TokenCounter } from '../token-counter.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { admitRealtime } from './realtime-admission.ts'
import { createRealtimeBooks } from './realtime-books.ts'
import { RealtimeSession } from './realtime-session.ts'
import { connectUpstream } from './realtime-upstream.ts'
import type { RelayTraffic } from '../../traffic/relay-traffic.ts'

export interface RealtimeDependencies {
  config: Config
  caches: Caches
  ledger: Ledger
  writer: UsageWriter
  relay: Relay
  requests: ChannelRequests
  health: ChannelHealth
  counter: TokenCounter
  secretBox: SecretBox
  /** Rate limits: a session is one request, holds a concurrency slot while open, and adds its responses' tokens. */
  traffic?: RelayTraffic
}

/** How often sessions are checked for silence (STREAMING_TIMEOUT's precision). */
const SILENCE_SWEEP_MS = 1000

/** The subprotocol a browser offers besides its key (`realtime`), which the answer must choose. */
function chosenProtocol(offered: string | null): string | undefined {
  if (!offered) return undefined
  return offered.split(',').map((part) => part.trim()).find((part) => part === 'realtime')
}

/** `openai-beta.realtime-v1` among the subprotocols, or the header, is the beta API: the upstream is told so. */
function betaHeaders(request: Request, secretIsBeta: boolean): Record<string, string> {
  const beta = request.headers.get('openai-beta') ?? (secretIsBeta || request.headers.get('sec-websocket-protocol')?.includes('openai-beta.realtime-v1') ? 'realtime=v1' : null)
  return beta ? { 'OpenAI-Beta': beta } : {}
}

/**
 * The realtime runner beside the HTTP relay: the same admission (token, model, price, reservation), its own attempt
 * loop over channels whose provider has `realtime`, then the upgrade to a session that bridges frames and bills
 * every response. Nothing here runs for an HTTP relay request.
 */
export function createRealtimeRunner(dependencies: RealtimeDependencies) {
  const { config, caches, ledger, writer } = dependencies
  const live = new Set<RealtimeSession>()
  const settlements = new Set<Promise<unknown>>()
  let sweep: ReturnType<typeof setInterval> | undefined
  const idleMs = () => (caches.options.overrides.streamingTimeoutSeconds ?? config.streamingTimeoutSeconds) * 1000

  const hooks = {
    counter: dependencies.counter,
    track(settlement: Promise<unknown>) {
      const tracked = settlement.catch((error: Error) => console.error(`[realtime] billing a response failed: ${error.message}`)).finally(() => settlements.delete(tracked))
      settlements.add(tracked)
    },
    ended(session: RealtimeSession) { live.delete(session) },
  }

  // One sweep for every session: STREAMING_TIMEOUT ends a session in which neither side has sent anything.
  function watch(session: RealtimeSession) {
    live.add(session)
    if (sweep) return
    sweep = setInterval(() => {
      if (live.size === 0) {
        clearInterval(sweep)
        sweep = undefined
        return
      }
      const limit = idleMs()
      const now = Date.now()
      for (const candidate of live) {
        if (now - candidate.lastActivity >= limit) candidate.terminate(1001, `no frames for ${limit / 1000} s (STREAMING_TIMEOUT)`)
      }
    }, SILENCE_SWEEP_MS)
    sweep.unref?.()
  }

  /** GET /v1/realtime: admission and the upstream connection first, so every refusal is an HTTP answer. */
  async function upgrade(request: Request, server: Server<RealtimeSession>, clientAddress: string): Promise<Response | undefined> {
    if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') throw new GatewayError(426, '/v1/realtime is a WebSocket endpoint: connect with a WebSocket client', 'invalid_request')
    const url = new URL(request.url)
    const model = (url.searchParams.get('model') ?? url.searchParams.get('deployment') ?? '').trim()
    const admission = await admitRealtime(dependencies, request, model, clientAddress)
    const session = new RealtimeSession(admission, hooks)
    const tried: number[] = []
    let connection
    try {
      connection = await connectUpstream(dependencies, admission, {
        attempts: admission.holder.pinnedChannelId !== undefined ? 1 : caches.options.retryTimes + 1,
        timeoutMs: idleMs(), extraHeaders: betaHeaders(request, admission.clientSecret?.beta === true), tried,
        prepare: (socket) => { socket.onmessage = session.upstreamMessage },
      })
    } catch (error) {
      const failure = error instanceof GatewayError ? error : new GatewayError(502, (error as Error).message, 'do_request_failed')
      ledger.settle(admission.reservation, 0)
      dependencies.traffic?.finish(admission.traffic, 0, false)
      writer.record(failureRecord({ caller: admission.caller, requestId: admission.requestId, model, path: '/v1/realtime', stream: true, startedAt: session.startedAt, tried }, failure, { channelId: tried.at(-1) ?? 0, refunded: admission.reservation.amount }))
      throw failure
    }
    session.attachUpstream(connection.socket, createRealtimeBooks(dependencies, admission, {
      channelId: connection.channel.id, tried, upstreamModel: connection.upstreamModel, sessionId: () => session.sessionId,
    }))
    watch(session)
    // A client secret's configuration is the session's first event, before anything of the client's.
    const configured = admission.clientSecret?.session
    if (configured) connection.socket.send(JSON.stringify({ type: 'session.update', session: configured }))
    const protocol = chosenProtocol(request.headers.get('sec-websocket-protocol'))
    const headers: Record<string, string> = { [REQUEST_ID_HEADER]: admission.requestId }
    if (protocol) headers['Sec-WebSocket-Protocol'] = protocol
    if (!server.upgrade(request, { data: session, headers })) {
      session.terminate(1011, 'upgrade failed')
      throw new GatewayError(400, 'The WebSocket upgrade failed', 'invalid_request')
    }
    return undefined
  }

  /** Resolves when every response seen so far is billed (tests, shutdown). */
  async function drain() {
    while (settlements.size > 0) await Promise.all([...settlements])
  }

  /** Shutdown: every session is closed (1001, going away); what they reported is billed before the writer stops. */
  function close() {
    for (const session of [...live]) session.terminate(1001, 'server shutting down')
    if (sweep) clearInterval(sweep)
    sweep = undefined
  }

  return { upgrade, drain, close, sessions: () => live.size }
}

export type RealtimeRunner = ReturnType<typeof createRealtimeRunner>
