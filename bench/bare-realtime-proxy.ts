/**
 * The floor for a Bun realtime gateway: a WebSocket relay with nothing else (no key check, no billing, no
 * backpressure), each client socket bridged to a client WebSocket to `--target`. Bench scenario 10 compares
 * Tollgate with it as scenario 1-8 compare the HTTP relay with bench/bare-proxy.ts.
 *
 * `bun bench/bare-realtime-proxy.ts --target ws://127.0.0.1:9200 --port 0` prints one JSON line `{"url","port"}`.
 */
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { target: { type: 'string' }, port: { type: 'string', default: '0' } } })
if (!values.target) throw new Error('--target ws://host:port is required')
const target = values.target.replace(/\/+$/, '')

interface Bridge { upstream?: WebSocket; early: (string | Buffer)[] }

const server = Bun.serve<Bridge>({
  hostname: '127.0.0.1',
  port: Number(values.port),
  fetch(request, bun) {
    const url = new URL(request.url)
    // Bun calls `open` inside upgrade(), so the upstream socket exists first.
    const upstream = new WebSocket(`${target}${url.pathname}${url.search}`, { headers: { authorization: request.headers.get('authorization') ?? '' } } as unknown as string[])
    upstream.binaryType = 'nodebuffer' as BinaryType
    if (bun.upgrade(request, { data: { upstream, early: [] } })) return undefined
    upstream.close()
    return new Response('expected a WebSocket', { status: 426 })
  },
  websocket: {
    open(socket) {
      const upstream = socket.data.upstream!
      upstream.onmessage = (event) => { socket.send(event.data as string) }
      upstream.onopen = () => { for (const frame of socket.data.early) upstream.send(frame as string) }
      upstream.onclose = () => socket.close()
    },
    message(socket, frame) {
      const upstream = socket.data.upstream!
      if (upstream.readyState === WebSocket.OPEN) upstream.send(frame as string)
      else socket.data.early.push(frame)
    },
    close(socket) { socket.data.upstream?.close() },
  },
})
console.log(JSON.stringify({ url: `http://127.0.0.1:${server.port}`, port: server.port }))
