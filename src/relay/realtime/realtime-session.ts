import type { ServerWebSocket } from 'bun'
import { convertOpenAiRealtimeUsage } from '../../providers/openai/convert-openai-realtime-usage.ts'
import { emptyUsage, type Usage } from '../../providers/types.ts'
import type { TokenCounter } from '../token-counter.ts'
import type { RealtimeAdmission } from './realtime-admission.ts'
import type { RealtimeBooks } from './realtime-books.ts'
import { audioDeltaEvents, errorEvent, estimateAudioTokens, eventType, itemText, parseEvent, textDeltaEvents } from './realtime-events.ts'

/** Bytes queued toward the upstream before the client's socket stops being read. */
const UPSTREAM_HIGH_WATER = 1 << 20
/** …and read again once the queue is below this. */
const UPSTREAM_LOW_WATER = 256 << 10
/** How often a paused client checks whether the upstream queue has drained (the browser-style client has no drain event). */
const DRAIN_POLL_MS = 5
/** Frames kept between the upstream opening and the client's upgrade completing (then the upstream is paused). */
const MAX_EARLY_FRAMES = 64
/** Text kept per session for counting when the upstream reports no usage. */
const MAX_COUNTED_TEXT = 1 << 20

type Frame = string | Buffer

/** A close code the other side may be sent: 1005/1006/1015 describe a closure and are never sent. */
function forwardableCode(code: number, fallback: number): number {
  if (code === 1000 || (code >= 3000 && code <= 4999)) return code
  if (code >= 1001 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) return code
  return fallback
}

/** Bun's client WebSocket, like a browser's, closes only with 1000 or 3000-4999. */
const clientSocketCode = (code: number) => (code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000)

export interface SessionHooks {
  counter: TokenCounter
  /** STREAMING_TIMEOUT in ms, read when the sweep runs. */
  track(settlement: Promise<unknown>): void
  ended(session: RealtimeSession): void
}

/**
 * One realtime session: a bridge between the client's socket (Bun's server WebSocket; this object is its `data`,
 * and Elysia's websocket handler calls `open`/`message`/`drain`/`close` on it) and the upstream's (Bun's client
 * WebSocket). Frames go both ways as they arrive, untouched; a side that cannot keep up pauses the other (Bun's
 * send result and `drain` toward the client, the upstream's `bufferedAmount` toward the upstream); closing either
 * side closes the other with the code it gave. Billing reads `response.done` and a few small events on the way.
 *
 * A class rather than a closure: hundreds of idle sessions share one set of methods.
 */
export class RealtimeSession {
  client: ServerWebSocket<RealtimeSession> | undefined
  upstream: WebSocket | undefined
  books: RealtimeBooks | undefined
  lastActivity = Date.now()
  /** The upstream's session id (`session.created`); the request id until it is known. */
  sessionId: string
  private early: Frame[] | undefined = []
  private upstreamPaused = false
  private clientPaused = false
  private ended = false
  /** Set when the upstream closed before the client's socket opened. */
  private pendingClose: { code: number; reason: string } | undefined
  // The current response, for its row; and what is counted when the upstream reports no usage.
  private responseStartedAt = 0
  private firstTokenMs: number | undefined
  private responseText = ''
  private responseAudio = 0
  private conversationText = ''
  private inputAudio = 0
  private instructions = ''

  constructor(readonly admission: RealtimeAdmission, private readonly hooks: SessionHooks, readonly startedAt = performance.now()) {
    this.sessionId = admission.requestId
  }

  /** The upstream opened (before the client's upgrade): its frames are kept until the client's socket is open. */
  attachUpstream(socket: WebSocket, books: RealtimeBooks) {
    this.upstream = socket
    this.books = books
    socket.onclose = (event) => this.upstreamClosed(event.code, event.reason)
    socket.onerror = () => {}
  }

  /** Set on the upstream socket before it opens, so no frame can be missed. */
  readonly upstreamMessage = (event: MessageEvent) => {
    const frame = event.data as Frame
    this.lastActivity = Date.now()
    if (typeof frame === 'string') this.observeServerEvent(frame)
    if (this.ended) return
    if (this.early) {
      this.early.push(frame)
      if (this.early.length >= MAX_EARLY_FRAMES && !this.upstreamPaused) this.pauseUpstream()
      return
    }
    this.toClient(frame)
  }

  open(socket: ServerWebSocket<RealtimeSession>) {
    this.client = socket
    const early = this.early ?? []
    this.early = undefined
    for (const frame of early) this.toClient(frame)
    if (this.pendingClose) return this.closeClient(forwardableCode(this.pendingClose.code, 1011), this.pendingClose.reason)
    if (this.upstreamPaused && this.client.getBufferedAmount() === 0) this.resumeUpstream()
  }

  message(socket: ServerWebSocket<RealtimeSession>, frame: Frame) {
    this.lastActivity = Date.now()
    if (typeof frame === 'string') this.observeClientEvent(frame)
    const upstream = this.upstream
    if (!upstream || upstream.readyState !== WebSocket.OPEN) return
    upstream.send(frame as string | Uint8Array<ArrayBuffer>)
    if (upstream.bufferedAmount > UPSTREAM_HIGH_WATER && !this.clientPaused) {
      this.clientPaused = true
      socket.pause()
      this.waitForUpstreamDrain()
    }
  }

  drain() {
    if (this.upstreamPaused) this.resumeUpstream()
  }

  close(_socket: ServerWebSocket<RealtimeSession>, code: number, reason: string) {
    if (this.ended) return
    // The client left (1005: no code given, 1006: it vanished): the upstream is told the session is over.
    this.end()
    this.upstream?.close(clientSocketCode(forwardableCode(code, 1000)), reason)
  }

  /** Ends the session from the gateway's side: an `error` event first when there is a reason the client should read. */
  terminate(code: number, reason: string, error?: { code: string; message: string; type?: string }) {
    if (this.ended) return
    if (error && this.client) this.client.sendText(errorEvent(error.code, error.message, error.type))
    this.end()
    this.upstream?.close(1000, reason)
    if (this.client) this.closeClient(code, reason)
    else this.pendingClose = { code, reason }
  }

  private upstreamClosed(code: number, reason: string) {
    if (this.ended) return
    this.end()
    // The upstream went away without a code (1006): the client hears 1011, an error on the server's side.
    if (!this.client) this.pendingClose = { code, reason }
    else this.closeClient(forwardableCode(code, 1011), reason || (code === 1006 ? 'upstream connection lost' : ''))
  }

  private closeClient(code: number, reason: string) {
    const client = this.client
    if (!client || client.readyState > 1) return
    client.close(code, reason.slice(0, 120))
  }

  private end() {
    this.ended = true
    this.books?.close()
    this.hooks.ended(this)
    // A response the session ended in the middle of is billed for what was relayed of it (counted, as no usage came).
    if (this.books && this.responseStartedAt !== 0 && (this.responseText || this.responseAudio)) {
      const partial = { startedAt: this.responseStartedAt, firstTokenMs: this.firstTokenMs, estimated: true, completed: false }
      const books = this.books
      this.hooks.track(this.estimate(this.instructions + this.conversationText, this.responseText, this.responseAudio).then((usage) => books.bill({ ...partial, usage })))
      this.responseStartedAt = 0
    }
  }

  private toClient(frame: Frame) {
    const client = this.client!
    const sent = typeof frame === 'string' ? client.sendText(frame) : client.sendBinary(frame)
    // -1: queued behind a slow client: stop reading the upstream until Bun says the client drained.
    if (sent === -1 && !this.upstreamPaused) this.pauseUpstream()
  }

  private pauseUpstream() {
    this.upstreamPaused = true
    ;(this.upstream as WebSocket & { pause(): void }).pause()
  }

  private resumeUpstream() {
    this.upstreamPaused = false
    ;(this.upstream as WebSocket & { resume(): void }).resume()
  }

  private waitForUpstreamDrain() {
    setTimeout(() => {
      if (this.ended || !this.upstream) return
      if (this.upstream.bufferedAmount > UPSTREAM_LOW_WATER) return this.waitForUpstreamDrain()
      this.clientPaused = false
      this.client?.resume()
    }, DRAIN_POLL_MS)
  }

  /** What the client sends that counting may need: its text items, its audio, its instructions. */
  private observeClientEvent(frame: string) {
    const type = eventType(frame)
    if (type === 'input_audio_buffer.append') this.inputAudio += frame.length
    else if (type === 'conversation.item.create') this.addConversation(itemText(parseEvent(frame) ?? {}))
    else if (type === 'session.update') {
      const instructions = (parseEvent(frame)?.session as { instructions?: unknown } | undefined)?.instructions
      if (typeof instructions === 'string') this.instructions = instructions.slice(0, MAX_COUNTED_TEXT)
    }
  }

  private observeServerEvent(frame: string) {
    const type = eventType(frame)
    if (type === '') return
    if (textDeltaEvents.has(type)) {
      this.firstTokenMs ??= performance.now() - this.responseStartedAt
      const delta = parseEvent(frame)?.delta
      if (typeof delta === 'string' && this.responseText.length < MAX_COUNTED_TEXT) this.responseText += delta
    } else if (audioDeltaEvents.has(type)) {
      this.firstTokenMs ??= performance.now() - this.responseStartedAt
      this.responseAudio += frame.length
    } else if (type === 'response.created') {
      this.responseStartedAt = performance.now()
      this.firstTokenMs = undefined
    } else if (type === 'response.done') {
      this.responseDone(parseEvent(frame))
    } else if (type === 'session.created') {
      const id = (parseEvent(frame)?.session as { id?: unknown } | undefined)?.id
      if (typeof id === 'string' && id) this.sessionId = id
    }
  }

  /** Every `response.done` is billed, at once when it carries usage, after counting when it does not. */
  private responseDone(event: Record<string, unknown> | undefined) {
    const response = event?.response as { id?: string; usage?: Parameters<typeof convertOpenAiRealtimeUsage>[0] } | undefined
    const usage = convertOpenAiRealtimeUsage(response?.usage)
    const billed = { responseId: response?.id, startedAt: this.responseStartedAt || this.startedAt, firstTokenMs: this.firstTokenMs }
    const text = this.responseText
    const audio = this.responseAudio
    // The response's input is the conversation before its own output.
    const context = this.instructions + this.conversationText
    this.addConversation(text)
    this.responseText = ''
    this.responseAudio = 0
    this.responseStartedAt = 0
    this.firstTokenMs = undefined
    const settle = usage
      ? this.books!.bill({ ...billed, usage, estimated: false })
      : this.estimate(context, text, audio).then((counted) => this.books!.bill({ ...billed, usage: counted, estimated: true }))
    this.hooks.track(settle.then((canContinue) => {
      if (!canContinue) this.terminate(1008, 'quota exhausted', { code: 'insufficient_quota', type: 'insufficient_quota', message: 'The token or user quota is exhausted: the realtime session is closed' })
    }))
  }

  /** Usage counted from the relayed events (the worker pool counts the text), for an upstream that reports none. */
  private async estimate(context: string, responseText: string, responseAudio: number): Promise<Usage> {
    const { counter } = this.hooks
    const model = this.admission.model
    const [input, output] = await Promise.all([
      context ? counter.countTextTokens(model, context) : Promise.resolve({ tokens: 0 }),
      responseText ? counter.countTextTokens(model, responseText) : Promise.resolve({ tokens: 0 }),
    ])
    const audioIn = estimateAudioTokens(this.inputAudio, 10)
    const audioOut = estimateAudioTokens(responseAudio, 20)
    return { ...emptyUsage(), inputTokens: input.tokens + audioIn, audioInputTokens: audioIn, outputTokens: output.tokens + audioOut, audioOutputTokens: audioOut }
  }

  private addConversation(text: string) {
    if (!text) return
    this.conversationText = (this.conversationText + text).slice(-MAX_COUNTED_TEXT)
  }
}
