import type { UpstreamResponse } from '../net/http1-client.ts'
import type { WebSocketExchange } from '../providers/types.ts'

/**
 * The WebSocket transport for chat upstreams that are not HTTP (Xunfei Spark). One call is one connection: open it
 * with the request headers (Bun's WebSocket takes headers, as the realtime client uses), send the body as a text
 * frame, and answer with an HTTP-shaped response so the relay, the channel test and the error mapping read it like
 * any other upstream (see WebSocketExchange for the shape). Only requests that declare `websocket` come here; the
 * HTTP path of every other provider is untouched.
 *
 * `timeoutMs` bounds the wait for the first frame (the answer's head, as for HTTP); once frames flow the relay's
 * silence sweep watches the stream. A connection that fails or closes before any frame (a refused handshake: a bad
 * or stale signature), or before the last frame of an aggregated answer, rejects like a failed HTTP connection; one
 * that closes mid-stream errors the body, like a cut HTTP body. `signal` (the client left) and cancelling the body
 * close the socket.
 */
export function sendOverWebSocket(url: string, headers: Record<string, string>, body: string, exchange: WebSocketExchange, init: { signal?: AbortSignal; timeoutMs?: number }): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers } as unknown as string[])
    const encoder = new TextEncoder()
    let settled = false
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    let frames: string[] | undefined
    let timer: ReturnType<typeof setTimeout> | undefined

    const close = () => {
      if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING) socket.close()
    }
    const fail = (error: Error) => {
      clearTimeout(timer)
      if (!settled) {
        settled = true
        reject(error)
      } else controller?.error(error)
      // Frames still in flight find no stream to write to.
      controller = undefined
      close()
    }
    const answer = (status: number, responseBody: BodyInit, contentType: string) => {
      settled = true
      clearTimeout(timer)
      resolve(new Response(responseBody, { status, headers: { 'content-type': contentType } }) as UpstreamResponse)
    }

    if (init.timeoutMs) {
      timer = setTimeout(() => {
        const error = new Error(`no answer within ${init.timeoutMs! / 1000} s`)
        error.name = 'TimeoutError'
        fail(error)
      }, init.timeoutMs)
    }
    const onAbort = () => fail(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' }))
    init.signal?.addEventListener('abort', onAbort, { once: true })

    socket.onopen = () => socket.send(body)
    socket.onerror = () => {}
    socket.onclose = (event) => {
      init.signal?.removeEventListener('abort', onAbort)
      const why = `${event.code}${event.reason ? `: ${event.reason}` : ''}`
      // Before the answer (or, aggregating, before its last frame): a failed call, which the relay may retry.
      if (!settled) return fail(new Error(frames ? `WebSocket closed before the last frame (${why})` : `WebSocket closed before answering (${why})`))
      // Mid-stream: the stream fails, as a cut HTTP body does; the relay ends the client's stream with an error.
      controller?.error(new Error(`WebSocket closed before the last frame (${why})`))
    }
    socket.onmessage = (event) => {
      const frame = typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data as ArrayBuffer)
      if (!settled && frames === undefined) {
        const status = exchange.status(frame)
        if (status < 200 || status > 299) {
          answer(status, frame, 'application/json')
          return close()
        }
        if (exchange.aggregate) frames = []
        else {
          answer(200, new ReadableStream<Uint8Array>({
            start: (started) => { controller = started },
            cancel: () => { controller = undefined; close() },
          }), 'text/event-stream')
        }
      }
      const last = exchange.isLast(frame)
      if (frames) {
        frames.push(frame)
        if (last) {
          const collected = frames
          frames = undefined
          answer(200, `{"frames":[${collected.join(',')}]}`, 'application/json')
          close()
        }
        return
      }
      controller?.enqueue(encoder.encode(`data: ${frame}\n\n`))
      if (last) {
        try { controller?.close() } catch { /* cancelled */ }
        controller = undefined
        close()
      }
    }
  })
}
