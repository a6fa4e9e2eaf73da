import type { Socket } from 'bun'

/**
 * The relay's upstream client: HTTP/1.1 with keep-alive, on the event loop's own sockets (Bun.connect).
 *
 * Bun's fetch hands every request to a separate HTTP thread and every response back; for a gateway that is a
 * thread hop each way on every call, and the bench measured it at ~20 µs of CPU per request (a third of a bare
 * proxy's cost). Here the request is written and the answer parsed on the thread that serves the client.
 *
 * What it does: http and https (Bun's TLS: chain and host name verified, NODE_EXTRA_CA_CERTS honoured), one idle
 * pool per origin (LIFO, closed after IDLE_TIMEOUT_MS), Content-Length, chunked and close-delimited bodies, 1xx
 * interim answers skipped, `Connection: close` respected, gzip/deflate answers decoded, a request retried once on
 * a fresh connection when a reused one turns out to be closed before any byte of the answer (the keep-alive race),
 * AbortSignal, and backpressure: a body the caller does not read pauses the socket. No redirects are followed
 * and no proxy is used, as the relay asks of fetch. Answers are standard `Response` objects.
 *
 * Connections per origin are capped (Bifrost's MaxConnsPerHost): at the cap a request waits in a FIFO queue for a
 * connection to come free, and past the queue's bound it fails at once (`upstream_saturated`), so a slow upstream
 * sheds load instead of collecting sockets and waiting callers without limit.
 */

export interface Http1RequestInit {
  /** An HTTP(S) proxy for this request: honoured by the fetch client only (the channel client routes such requests there). */
  proxy?: string
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
  /**
   * Fail with a TimeoutError when the answer is not handed over within this long (the head of a streamed
   * answer; the whole of a small one). Checked once a second by the pool's timer, so it costs no timer per
   * request; meant for long limits.
   */
  timeoutMs?: number
}

/** What the relay reads of an upstream answer; fetch's Response has the same shape. */
export interface UpstreamResponse {
  readonly status: number
  readonly statusText: string
  readonly ok: boolean
  readonly headers: Headers
  readonly body: ReadableStream<Uint8Array> | null
  text(): Promise<string>
  json(): Promise<unknown>
}

/**
 * An answer of this client. Whole bodies stay bytes until read (no stream or Headers object is built unless
 * asked for): the common non-stream answer costs a decode and nothing else.
 */
class Http1Response implements UpstreamResponse {
  #headers?: Headers
  #body: ReadableStream<Uint8Array> | null | undefined

  constructor(
    readonly status: number,
    readonly statusText: string,
    private readonly rawHeaders: [string, string][],
    private bytes: Uint8Array | null,
    stream?: ReadableStream<Uint8Array>,
  ) {
    this.#body = stream
  }

  get ok() { return this.status >= 200 && this.status < 300 }
  get headers() { return (this.#headers ??= new Headers(this.rawHeaders)) }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#body === undefined) {
      const bytes = this.bytes
      this.bytes = null
      this.#body = bytes === null ? null : new ReadableStream<Uint8Array>({
        start(controller) {
          if (bytes.length) controller.enqueue(bytes)
          controller.close()
        },
      })
    }
    return this.#body
  }

  async text(): Promise<string> {
    if (this.#body === undefined) {
      const bytes = this.bytes
      this.bytes = null
      this.#body = null
      return bytes ? utf8.decode(bytes) : ''
    }
    return this.#body ? new Response(this.#body).text() : ''
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }
}

export interface Http1ClientOptions {
  /**
   * Connections open at once to one origin (busy and idle together), default 16384. At the cap a request waits for
   * one to come free.
   */
  maxConnectionsPerOrigin?: number
  /** Requests waiting for a connection to one origin, default 4 × the cap; past it a request fails at once. */
  maxQueuedPerOrigin?: number
}

export interface Http1Client {
  request(url: string, init?: Http1RequestInit): Promise<UpstreamResponse>
  /** Idle connections per origin, for tests and diagnostics. */
  idleCount(origin: string): number
  /** Connections per origin that are connecting or carrying an exchange, for tests and diagnostics. */
  busyCount(origin: string): number
  /** Requests per origin waiting for a connection, for tests and diagnostics. */
  queuedCount(origin: string): number
  close(): void
}

/**
 * An HTTP/1.1 stream holds its connection for as long as the model talks, so a gateway keeps thousands open to one
 * provider: the default is the ceiling the gateway gives fetch (BUN_CONFIG_MAX_HTTP_REQUESTS, src/runtime-environment.ts), so both clients
 * queue at the same point. (512 queued the bench's 2000 slow streams.)
 */
export const DEFAULT_MAX_CONNECTIONS_PER_ORIGIN = 16_384
const QUEUE_PER_CONNECTION = 4

/** Idle keep-alive connections are closed after this long (servers commonly drop them at 5-60 s). */
const IDLE_TIMEOUT_MS = 4_000
const MAX_IDLE_PER_ORIGIN = 1024
const MAX_HEAD_BYTES = 64 * 1024
/** Whole bodies up to this size are read before the Response is handed over (no stream object needed). */
const BUFFERED_BODY_LIMIT = 256 * 1024
/** Bytes queued for a reader that is not reading before the socket is paused. */
const PAUSE_AT_BYTES = 256 * 1024

const encoder = new TextEncoder()
const latin1 = new TextDecoder('latin1')
const utf8 = new TextDecoder()
const CRLF_CRLF = Buffer.from('\r\n\r\n')
const CRLF = Buffer.from('\r\n')
/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

interface Origin {
  key: string
  hostname: string
  port: number
  tls: boolean
  hostHeader: string
  idle: Connection[]
  /** Connections holding a slot of the cap (connecting or carrying an exchange). busy + idle ≤ the cap. */
  busy: number
  /** Requests waiting for a slot, oldest first: a linked list, so joining, leaving and serving are O(1). */
  firstWaiter: Waiter | undefined
  lastWaiter: Waiter | undefined
  queued: number
}

/** A request waiting for a connection to its origin. */
interface Waiter {
  origin: Origin
  resolve(connection: Connection): void
  reject(error: Error): void
  signal?: AbortSignal
  onAbort?: () => void
  /** Epoch ms after which the wait fails (timeoutMs; 0 = none). */
  deadline: number
  previous: Waiter | undefined
  next: Waiter | undefined
}

interface Target {
  origin: Origin
  path: string
}

type BodyMode = 'none' | 'length' | 'chunked' | 'close'

/** One parsed response as it arrives; the connection feeds it bytes. */
interface Exchange {
  resolve(response: UpstreamResponse): void
  reject(error: Error): void
  signal?: AbortSignal
  onAbort?: () => void
  /** Epoch ms after which an answer not yet handed over fails (timeoutMs). */
  deadline: number
  connection: Connection
  /** Response handed to the caller (resolve called). */
  delivered: boolean
  /** Any byte of the answer arrived. */
  answered: boolean
  head: Uint8Array | null
  status: number
  statusText: string
  headers: [string, string][]
  mode: BodyMode
  remaining: number
  chunkState: 'size' | 'data' | 'data-crlf' | 'trailers'
  keepAlive: boolean
  buffered: Uint8Array[]
  bufferedBytes: number
  controller?: ReadableStreamDefaultController<Uint8Array>
  queuedBytes: number
  /** An incomplete chunk-size line, kept until the rest arrives. */
  carry?: Uint8Array
  done: boolean
}

/** A request on the wire: one text or byte run, or a head followed by a large body. */
type SerialisedRequest = string | Uint8Array | { head: string; body: Uint8Array }

/** Binary bodies above this go out after the head rather than being copied into one buffer with it. */
const SEPARATE_BODY_BYTES = 64 * 1024

interface Connection {
  origin: Origin
  socket: Socket<Connection> | undefined
  ready: Promise<void>
  exchange: Exchange | null
  reused: boolean
  closed: boolean
  /** When it went back to the idle pool (ms since epoch). */
  idleSince: number
  /** Bytes of the request not yet taken by the kernel. */
  pendingWrite: Uint8Array | null
  /** The request as text, before its first write (most requests go in one write, without encoding first). */
  pendingText: string | null
  /** A large binary body, written after the head (pendingText / pendingWrite) without being copied behind it. */
  pendingBody: Uint8Array | null
  paused: boolean
  /** Counted in origin.busy; cleared (once) when the connection goes idle or closes. */
  holdsSlot: boolean
}

/**
 * A failure of an upstream call that is not a timeout (`TimeoutError`) or an abort (`AbortError`): `code` says
 * which (`ECONNREFUSED`, `ECONNRESET`, `ERR_BAD_RESPONSE`, `upstream_saturated`, …).
 */
export class UpstreamHttpError extends Error {
  constructor(message: string, readonly code: string, options?: ErrorOptions) {
    super(message, options)
  }
}

export function createHttp1Client(options: Http1ClientOptions = {}): Http1Client {
  const maxConnections = options.maxConnectionsPerOrigin ?? DEFAULT_MAX_CONNECTIONS_PER_ORIGIN
  const maxQueued = options.maxQueuedPerOrigin ?? QUEUE_PER_CONNECTION * maxConnections
  if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new RangeError(`maxConnectionsPerOrigin must be an integer ≥ 1, got ${maxConnections}`)
  if (!Number.isSafeInteger(maxQueued) || maxQueued < 0) throw new RangeError(`maxQueuedPerOrigin must be an integer ≥ 0, got ${maxQueued}`)
  const origins = new Map<string, Origin>()

  function originOf(url: URL): Origin {
    const key = `${url.protocol}//${url.host}`
    let origin = origins.get(key)
    if (!origin) {
      const tls = url.protocol === 'https:'
      if (!tls && url.protocol !== 'http:') throw new UpstreamHttpError(`Unsupported protocol ${url.protocol}`, 'ERR_UNSUPPORTED_PROTOCOL')
      const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
      origin = { key, hostname, port: Number(url.port) || (tls ? 443 : 80), tls, hostHeader: url.host, idle: [], busy: 0, firstWaiter: undefined, lastWaiter: undefined, queued: 0 }
      origins.set(key, origin)
    }
    return origin
  }

  function connect(origin: Origin): Connection {
    const connection: Connection = { origin, socket: undefined, ready: undefined!, exchange: null, reused: false, closed: false, idleSince: 0, pendingWrite: null, pendingText: null, pendingBody: null, paused: false, holdsSlot: false }
    connection.ready = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        connection.closed = true
        reject(new UpstreamHttpError(`Unable to connect to ${origin.key}: ${error.message}`, (error as { code?: string }).code ?? 'ECONNREFUSED'))
      }
      Bun.connect<Connection>({
        hostname: origin.hostname,
        port: origin.port,
        data: connection,
        ...(origin.tls ? { tls: { serverName: origin.hostname } } : {}),
        socket: {
          open(socket) {
            connection.socket = socket
            if (!origin.tls) resolve()
          },
          handshake(_socket, success, error) {
            if (success) resolve()
            else fail(error ?? new Error('TLS handshake failed'))
          },
          data(_socket, bytes) { onData(connection, bytes) },
          drain() { flushWrite(connection) },
          close(_socket, error) { onClose(connection, error) },
          end() { onClose(connection) },
          error(_socket, error) { onClose(connection, error) },
          connectError(_socket, error) { fail(error) },
        },
      }).catch(fail)
    })
    return connection
  }

  function release(connection: Connection) {
    connection.exchange = null
    const origin = connection.origin
    // An answer that came before the whole request was sent (a 413, say) leaves the connection mid-request.
    const midRequest = connection.pendingWrite !== null || connection.pendingText !== null || connection.pendingBody !== null
    if (connection.closed || connection.paused || midRequest || origin.idle.length >= MAX_IDLE_PER_ORIGIN) {
      destroy(connection)
      return
    }
    connection.reused = true
    // A waiting request takes the connection, slot and all, before it would go idle.
    const waiter = origin.firstWaiter
    if (waiter) {
      leaveQueue(waiter)
      waiter.resolve(connection)
      return
    }
    freeSlot(connection)
    connection.idleSince = Date.now()
    origin.idle.push(connection)
    startSweeper()
  }

  /** A connection for the next exchange: an idle one (latest first) or a new one. The caller checked the cap. */
  function takeSlot(origin: Origin): Connection {
    origin.busy++
    let connection = origin.idle.pop()
    while (connection?.closed) connection = origin.idle.pop()
    connection ??= connect(origin)
    connection.holdsSlot = true
    return connection
  }

  /** The connection no longer counts against the cap; a request waiting for a slot gets a new connection. */
  function freeSlot(connection: Connection) {
    if (!connection.holdsSlot) return
    connection.holdsSlot = false
    const origin = connection.origin
    origin.busy--
    const waiter = origin.firstWaiter
    if (waiter && origin.busy < maxConnections) {
      leaveQueue(waiter)
      waiter.resolve(takeSlot(origin))
    }
  }

  /** Wait, at the back of the origin's queue, for a connection; fails at once when the queue is full. */
  function waitForSlot(origin: Origin, signal: AbortSignal | undefined, deadline: number): Promise<Connection> {
    if (origin.queued >= maxQueued) {
      return Promise.reject(new UpstreamHttpError(`Too many requests to ${origin.key}: ${origin.busy} connections busy and ${origin.queued} requests waiting`, 'upstream_saturated'))
    }
    return new Promise<Connection>((resolve, reject) => {
      const waiter: Waiter = { origin, resolve, reject, signal, deadline, previous: origin.lastWaiter, next: undefined }
      if (origin.lastWaiter) origin.lastWaiter.next = waiter
      else origin.firstWaiter = waiter
      origin.lastWaiter = waiter
      origin.queued++
      if (signal) {
        waiter.onAbort = () => {
          leaveQueue(waiter)
          reject(abortError(signal))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      if (deadline) {
        timedWaiters.add(waiter)
        startSweeper()
      }
    })
  }

  function leaveQueue(waiter: Waiter) {
    const origin = waiter.origin
    if (waiter.previous) waiter.previous.next = waiter.next
    else origin.firstWaiter = waiter.next
    if (waiter.next) waiter.next.previous = waiter.previous
    else origin.lastWaiter = waiter.previous
    waiter.previous = waiter.next = undefined
    origin.queued--
    if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort)
    waiter.onAbort = undefined
    if (waiter.deadline) timedWaiters.delete(waiter)
  }

  /** Answers awaited under a timeoutMs. */
  const timed = new Set<Exchange>()
  /** Requests waiting for a connection under a timeoutMs. */
  const timedWaiters = new Set<Waiter>()

  /** The exchange no longer waits: forget its abort listener and deadline. */
  function detach(exchange: Exchange) {
    if (exchange.onAbort) exchange.signal!.removeEventListener('abort', exchange.onAbort)
    exchange.onAbort = undefined
    if (exchange.deadline) {
      timed.delete(exchange)
      exchange.deadline = 0
    }
  }

  /**
   * One timer for the whole client, once a second: close connections idle longer than IDLE_TIMEOUT_MS (the
   * oldest are at the bottom of each pool) and fail answers, and waits for a connection, past their deadline.
   */
  let sweeper: ReturnType<typeof setInterval> | undefined
  function startSweeper() {
    if (sweeper) return
    sweeper = setInterval(sweep, 1000)
    sweeper.unref?.()
  }
  function sweep() {
    const now = Date.now()
    const cutoff = now - IDLE_TIMEOUT_MS
    for (const origin of origins.values()) {
      let stale = 0
      while (stale < origin.idle.length && origin.idle[stale]!.idleSince < cutoff) destroy(origin.idle[stale++]!)
      if (stale) origin.idle.splice(0, stale)
    }
    for (const exchange of timed) {
      if (exchange.deadline > now) continue
      exchange.connection.exchange = null
      destroy(exchange.connection)
      failExchange(exchange, new DOMException('The upstream did not answer in time', 'TimeoutError'))
    }
    for (const waiter of timedWaiters) {
      if (waiter.deadline > now) continue
      leaveQueue(waiter)
      waiter.reject(new DOMException(`No connection to ${waiter.origin.key} came free in time`, 'TimeoutError'))
    }
  }

  function destroy(connection: Connection) {
    connection.closed = true
    connection.socket?.end()
    freeSlot(connection)
  }

  function leavePool(connection: Connection) {
    const idle = connection.origin.idle
    const index = idle.indexOf(connection)
    if (index >= 0) idle.splice(index, 1)
  }

  function onClose(connection: Connection, error?: Error) {
    if (connection.closed && !connection.exchange) return
    connection.closed = true
    leavePool(connection)
    freeSlot(connection)
    const exchange = connection.exchange
    connection.exchange = null
    if (!exchange || exchange.done) return
    // A close-delimited body ends here; anything else ended early.
    if (exchange.head === null && exchange.mode === 'close') {
      finishBody(exchange)
      return
    }
    failExchange(exchange, new UpstreamHttpError(error ? `Upstream connection failed: ${error.message}` : 'Upstream closed the connection before the response was complete', 'ECONNRESET'))
  }

  function failExchange(exchange: Exchange, error: Error) {
    if (exchange.done) return
    exchange.done = true
    detach(exchange)
    if (!exchange.delivered) exchange.reject(error)
    else exchange.controller?.error(error)
  }

  function flushWrite(connection: Connection) {
    if (connection.pendingText !== null && connection.socket) {
      const text = connection.pendingText
      connection.pendingText = null
      const written = connection.socket.write(text)
      if (written >= Buffer.byteLength(text) && connection.pendingBody === null) return
      if (written < Buffer.byteLength(text)) connection.pendingWrite = encoder.encode(text).subarray(Math.max(0, written))
    }
    while (connection.socket) {
      let pending = connection.pendingWrite
      if (!pending) {
        // The head is out: the body's turn.
        pending = connection.pendingBody
        connection.pendingBody = null
        if (!pending) return
      }
      const written = connection.socket.write(pending)
      if (written >= pending.length) {
        connection.pendingWrite = null
        continue
      }
      connection.pendingWrite = pending.subarray(Math.max(0, written))
      return
    }
  }

  /** Bytes from the socket: the head first (1xx answers skipped), then the body in its framing. */
  function onData(connection: Connection, bytes: Uint8Array) {
    const exchange = connection.exchange
    if (!exchange || exchange.done) {
      // Bytes nobody asked for (on an idle connection): it can no longer be trusted for the next request.
      if (!exchange) {
        leavePool(connection)
        destroy(connection)
      }
      return
    }
    exchange.answered = true
    let input = bytes
    while (exchange.head !== null) {
      const head: Uint8Array = exchange.head.length ? Buffer.concat([exchange.head, input]) : input
      const end = bytesOf(head).indexOf(CRLF_CRLF)
      if (end < 0) {
        if (head.length > MAX_HEAD_BYTES) return failConnection(connection, exchange, 'Upstream response head is too large')
        exchange.head = head.slice()
        return
      }
      if (!parseHead(exchange, latin1.decode(head.subarray(0, end)))) return failConnection(connection, exchange, 'Upstream sent a malformed HTTP response')
      input = head.subarray(end + 4)
      if (exchange.status >= 100 && exchange.status < 200) {
        exchange.head = new Uint8Array(0)
        exchange.headers = []
        continue
      }
      exchange.head = null
      if (exchange.mode === 'none') {
        deliverBuffered(exchange)
        return finishBody(exchange, connection)
      }
      // Small whole bodies are read before the caller sees the response; the rest streams.
      if (exchange.mode !== 'length' || exchange.remaining > BUFFERED_BODY_LIMIT) deliverStream(exchange, connection)
    }
    if (input.length > 0) consumeBody(connection, exchange, input)
  }

  function failConnection(connection: Connection, exchange: Exchange, message: string) {
    connection.exchange = null
    destroy(connection)
    failExchange(exchange, new UpstreamHttpError(message, 'ERR_BAD_RESPONSE'))
  }

  function consumeBody(connection: Connection, exchange: Exchange, input: Uint8Array) {
    switch (exchange.mode) {
      case 'length': {
        const take = Math.min(exchange.remaining, input.length)
        emit(exchange, connection, input.subarray(0, take))
        exchange.remaining -= take
        if (exchange.remaining === 0) {
          if (!exchange.delivered) deliverBuffered(exchange)
          finishBody(exchange, connection)
        }
        return
      }
      case 'close':
        emit(exchange, connection, input)
        return
      case 'chunked':
        return consumeChunked(connection, exchange, input)
      case 'none':
        return
    }
  }

  /**
   * Chunked transfer coding: `size[;ext]\r\n data \r\n` … `0\r\n` trailers `\r\n`. The payload of all chunks in one
   * read goes on as one piece: an SSE upstream packs dozens of small chunks into a packet, and one piece per chunk
   * would cost a stream read (and a write to the client) each.
   */
  function consumeChunked(connection: Connection, exchange: Exchange, input: Uint8Array) {
    const data = exchange.carry ? Buffer.concat([exchange.carry, input]) : input
    const view = bytesOf(data)
    exchange.carry = undefined
    const pieces: Uint8Array[] = []
    let pieceBytes = 0
    let offset = 0
    let complete = false
    while (offset < data.length) {
      if (exchange.chunkState === 'data') {
        const take = Math.min(exchange.remaining, data.length - offset)
        pieces.push(data.subarray(offset, offset + take))
        pieceBytes += take
        exchange.remaining -= take
        offset += take
        if (exchange.remaining === 0) exchange.chunkState = 'data-crlf'
        continue
      }
      const lineEnd = view.indexOf(CRLF, offset)
      if (lineEnd < 0) {
        if (data.length - offset > 4096) return failConnection(connection, exchange, 'Upstream sent a malformed chunked body')
        exchange.carry = data.slice(offset)
        break
      }
      const lineStart = offset
      offset = lineEnd + 2
      if (exchange.chunkState === 'data-crlf') {
        if (lineEnd !== lineStart) return failConnection(connection, exchange, 'Upstream sent a malformed chunked body')
        exchange.chunkState = 'size'
      } else if (exchange.chunkState === 'size') {
        const size = parseChunkSize(data, lineStart, lineEnd)
        if (size < 0) return failConnection(connection, exchange, 'Upstream sent a malformed chunk size')
        if (size === 0) exchange.chunkState = 'trailers'
        else {
          exchange.remaining = size
          exchange.chunkState = 'data'
        }
      } else if (lineEnd === lineStart) {
        complete = true // the empty line after the trailers
        break
      }
    }
    if (pieceBytes > 0) {
      if (pieces.length === 1) emit(exchange, connection, pieces[0]!)
      else emit(exchange, connection, Buffer.concat(pieces, pieceBytes), true)
    }
    if (complete) {
      if (!exchange.delivered) deliverBuffered(exchange)
      finishBody(exchange, connection)
    }
  }

  /**
   * Body bytes: into the buffer until the response is handed over, then into the stream. Bytes that are a view of
   * the socket's read are copied; `owned` ones (assembled here) are not.
   */
  function emit(exchange: Exchange, connection: Connection, bytes: Uint8Array, owned = false) {
    if (bytes.length === 0) return
    const chunk = owned ? bytes : bytes.slice()
    if (!exchange.delivered) {
      exchange.buffered.push(chunk)
      exchange.bufferedBytes += bytes.length
      return
    }
    exchange.controller!.enqueue(chunk)
    exchange.queuedBytes += bytes.length
    if (exchange.queuedBytes >= PAUSE_AT_BYTES && !connection.paused && connection.socket) {
      connection.paused = true
      connection.socket.pause()
    }
  }

  function deliverBuffered(exchange: Exchange) {
    exchange.delivered = true
    detach(exchange)
    let body = exchange.buffered.length === 1 ? exchange.buffered[0]! : Buffer.concat(exchange.buffered, exchange.bufferedBytes)
    exchange.buffered = []
    const encoding = headerValue(exchange.headers, 'content-encoding')
    if (encoding && encoding !== 'identity') {
      try {
        body = decode(body, encoding)
      } catch (error) {
        exchange.delivered = false
        return failExchange(exchange, error as Error)
      }
    }
    const nullBody = exchange.status === 204 || exchange.status === 304
    exchange.resolve(new Http1Response(exchange.status, exchange.statusText, exchange.headers, nullBody ? null : body))
  }

  function deliverStream(exchange: Exchange, connection: Connection) {
    exchange.delivered = true
    // The head is here: timeoutMs is met; an abort signal still ends the stream.
    if (exchange.deadline) {
      timed.delete(exchange)
      exchange.deadline = 0
    }
    let stream = new ReadableStream<Uint8Array>({
      start(controller) { exchange.controller = controller },
      pull() {
        exchange.queuedBytes = 0
        if (connection.paused && connection.socket) {
          connection.paused = false
          connection.socket.resume()
        }
      },
      cancel() {
        // The caller stopped reading: the connection cannot be reused with an unread body on it.
        exchange.done = true
        detach(exchange)
        connection.exchange = null
        destroy(connection)
      },
    }, { highWaterMark: 0 })
    const encoding = headerValue(exchange.headers, 'content-encoding')
    if (encoding === 'gzip' || encoding === 'deflate') stream = stream.pipeThrough(new DecompressionStream(encoding) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
    exchange.resolve(new Http1Response(exchange.status, exchange.statusText, exchange.headers, null, stream))
  }

  /** The body is complete: close the stream, and hand the connection back (or close it). */
  function finishBody(exchange: Exchange, connection?: Connection) {
    const reusable = !exchange.done && exchange.keepAlive && exchange.mode !== 'close'
    if (!exchange.done) {
      exchange.done = true
      detach(exchange)
      if (exchange.controller) {
        try { exchange.controller.close() } catch { /* the reader cancelled */ }
      }
    }
    if (!connection || connection.exchange !== exchange) return
    if (reusable) release(connection)
    else {
      connection.exchange = null
      destroy(connection)
    }
  }

  /** Status line and headers; decides the body framing (RFC 9112 §6.3). */
  function parseHead(exchange: Exchange, text: string): boolean {
    const lines = text.split('\r\n')
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/.exec(lines[0]!)
    if (!statusLine) return false
    exchange.status = Number(statusLine[2])
    exchange.statusText = statusLine[3] ?? ''
    let keepAlive = statusLine[1] === '1'
    let length = -1
    let chunked = false
    const headers: [string, string][] = []
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index]!
      const colon = line.indexOf(':')
      if (colon <= 0) return false
      const name = line.slice(0, colon).trim().toLowerCase()
      const value = line.slice(colon + 1).trim()
      headers.push([name, value])
      if (name === 'content-length') {
        const parsed = Number(value)
        if (!Number.isSafeInteger(parsed) || parsed < 0 || (length >= 0 && parsed !== length)) return false
        length = parsed
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').map((part) => part.trim()).includes('chunked')
      } else if (name === 'connection') {
        const tokens = value.toLowerCase()
        if (tokens.includes('close')) keepAlive = false
        else if (tokens.includes('keep-alive')) keepAlive = true
      }
    }
    exchange.headers = headers
    exchange.keepAlive = keepAlive
    if (exchange.status < 200) return true
    if (exchange.status === 204 || exchange.status === 304) exchange.mode = 'none'
    else if (chunked) {
      exchange.mode = 'chunked'
      exchange.chunkState = 'size'
    } else if (length >= 0) {
      exchange.mode = length === 0 ? 'none' : 'length'
      exchange.remaining = length
    } else exchange.mode = 'close'
    return true
  }

  async function send(origin: Origin, bytes: SerialisedRequest, signal: AbortSignal | undefined, deadline: number, allowRetry: boolean): Promise<UpstreamResponse> {
    // The cap check is two counters; only a request that finds the origin at its cap allocates a waiter.
    const connection = origin.busy < maxConnections ? takeSlot(origin) : await waitForSlot(origin, signal, deadline)
    try {
      await connection.ready
    } catch (error) {
      destroy(connection)
      throw error
    }
    if (signal?.aborted) {
      // Never used: it can serve the next request.
      release(connection)
      throw abortError(signal)
    }
    if (connection.closed) {
      freeSlot(connection)
      if (allowRetry) return send(origin, bytes, signal, deadline, false)
      throw new UpstreamHttpError(`Connection to ${origin.key} closed`, 'ECONNRESET')
    }
    const active = connection
    const exchange: Exchange = {
      resolve: undefined!, reject: undefined!, signal, deadline: 0, connection: active, delivered: false, answered: false, head: new Uint8Array(0), status: 0, statusText: '',
      headers: [], mode: 'none', remaining: 0, chunkState: 'size', keepAlive: true, buffered: [], bufferedBytes: 0, queuedBytes: 0, done: false,
    }
    const answer = new Promise<UpstreamResponse>((resolve, reject) => {
      exchange.resolve = resolve
      exchange.reject = reject
    })
    active.exchange = exchange
    if (signal) {
      exchange.onAbort = () => {
        active.exchange = null
        destroy(active)
        failExchange(exchange, abortError(signal))
      }
      signal.addEventListener('abort', exchange.onAbort, { once: true })
    }
    if (deadline) {
      exchange.deadline = deadline
      timed.add(exchange)
      startSweeper()
    }
    if (typeof bytes === 'string') active.pendingText = bytes
    else if (bytes instanceof Uint8Array) active.pendingWrite = bytes
    else {
      active.pendingText = bytes.head
      active.pendingBody = bytes.body
    }
    flushWrite(active)
    if (!active.reused || !allowRetry) return answer
    // Keep-alive race: the server closed this idle connection as we wrote on it. Nothing was answered, so the
    // request goes again on a fresh connection (once), as browsers and Go's client do.
    return answer.catch((error: Error) => {
      if (error instanceof UpstreamHttpError && error.code === 'ECONNRESET' && !exchange.answered && !signal?.aborted) return send(origin, bytes, signal, deadline, false)
      throw error
    })
  }

  /** The request: head (host, content-length and accept-encoding added) and body; text when the body is text. */
  /** A frozen header object cannot change, so its block of lines is built once (the relay's per-channel plans). */
  const headerBlocks = new WeakMap<Record<string, string>, string>()

  /** The request: head (host, content-length and accept-encoding added) and body; text when the body is text. */
  function serialise(target: Target, init: Http1RequestInit): SerialisedRequest {
    const headers = init.headers ?? {}
    let block = headerBlocks.get(headers)
    if (block === undefined) {
      block = headerBlock(headers)
      if (Object.isFrozen(headers)) headerBlocks.set(headers, block)
    }
    const head = `${init.method ?? 'GET'} ${target.path} HTTP/1.1\r\nhost: ${target.origin.hostHeader}\r\n${block}`
    const body = init.body
    if (body === undefined) return head + '\r\n'
    if (typeof body === 'string') return `${head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
    // A large body (an upload) is written after its head as it is: copying it behind the head would hold it twice.
    if (body.length > SEPARATE_BODY_BYTES) return { head: `${head}content-length: ${body.length}\r\n\r\n`, body }
    return Buffer.concat([encoder.encode(`${head}content-length: ${body.length}\r\n\r\n`), body])
  }

  /** Parsed request targets by URL: the relay sends to the same few URLs again and again. Bounded. */
  const targets = new Map<string, Target>()
  function targetOf(url: string): Target {
    let target = targets.get(url)
    if (!target) {
      const parsed = new URL(url)
      target = { origin: originOf(parsed), path: parsed.pathname + parsed.search }
      if (targets.size >= 1024) targets.clear()
      targets.set(url, target)
    }
    return target
  }

  return {
    async request(url, init = {}) {
      const target = targetOf(url)
      if (init.signal?.aborted) throw abortError(init.signal)
      return send(target.origin, serialise(target, init), init.signal, init.timeoutMs ? Date.now() + init.timeoutMs : 0, true)
    },
    idleCount: (origin) => origins.get(origin)?.idle.length ?? 0,
    busyCount: (origin) => origins.get(origin)?.busy ?? 0,
    queuedCount: (origin) => origins.get(origin)?.queued ?? 0,
    close() {
      if (sweeper) clearInterval(sweeper)
      sweeper = undefined
      for (const origin of origins.values()) {
        for (const connection of origin.idle) destroy(connection)
        origin.idle.length = 0
      }
    },
  }
}

/** Header lines (`name: value\r\n`…) with the names the client sets itself left out; refuses line breaks. */
function headerBlock(headers: Record<string, string>): string {
  let block = ''
  let hasEncoding = false
  for (const name in headers) {
    const value = headers[name]!
    if (!HEADER_NAME.test(name) || /[\r\n\0]/.test(value)) throw new UpstreamHttpError(`Invalid upstream header ${JSON.stringify(name)}`, 'ERR_INVALID_HEADER')
    const lower = name.toLowerCase()
    if (lower === 'host' || lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue
    if (lower === 'accept-encoding') hasEncoding = true
    block += `${name}: ${value}\r\n`
  }
  // Uncompressed answers: no decompression on the hot path (gzip/deflate are still understood if sent).
  return hasEncoding ? block : block + 'accept-encoding: identity\r\n'
}

/** What an aborted request rejects with: the signal's reason when it is an Error, else an AbortError. */
export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError')
}

function headerValue(headers: [string, string][], name: string): string | undefined {
  for (const [key, value] of headers) if (key === name) return value.toLowerCase()
  return undefined
}

function decode(body: Uint8Array, encoding: string): Uint8Array {
  if (encoding === 'gzip' || encoding === 'x-gzip') return Bun.gunzipSync(body as Uint8Array<ArrayBuffer>)
  if (encoding === 'deflate') return Bun.inflateSync(body as Uint8Array<ArrayBuffer>)
  throw new UpstreamHttpError(`Upstream answered with unsupported content-encoding ${encoding}`, 'ERR_CONTENT_ENCODING')
}

/** The bytes as a Buffer (a view, no copy), for its native indexOf. */
function bytesOf(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

/** Hex digits up to `;` (extensions ignored) or the line end; -1 when there are none or anything else. */
function parseChunkSize(data: Uint8Array, start: number, end: number): number {
  let size = 0
  let digits = 0
  for (let index = start; index < end; index++) {
    const byte = data[index]!
    const digit = byte >= 48 && byte <= 57 ? byte - 48 : byte >= 97 && byte <= 102 ? byte - 87 : byte >= 65 && byte <= 70 ? byte - 55 : -1
    if (digit < 0) {
      if (byte === 59 || byte === 32 || byte === 9) break // ';' starts an extension; whitespace before it
      return -1
    }
    if (++digits > 12) return -1
    size = size * 16 + digit
  }
  return digits === 0 ? -1 : size
}
