import type { Socket, TCPSocketListener } from 'bun'

/**
 * A TCP proxy in front of a real server that a test can cut: `cut()` drops every connection and refuses new
 * ones (the database "goes down" for the process behind it), `restore()` lets connections through again.
 */
export interface CuttableProxy {
  port: number
  cut(): void
  restore(): void
  stop(): void
}

/**
 * Bytes a socket did not take yet. A socket write may take only part of a chunk when its buffer is full (the big
 * batch insert after an outage does that); the rest must wait for `drain`, or the protocol stream is cut short and
 * the client behind the proxy waits forever for the end of a message.
 */
interface Outbox {
  queued: Uint8Array[]
}

function send(socket: Socket<unknown>, outbox: Outbox, chunk: Uint8Array) {
  if (outbox.queued.length > 0) {
    outbox.queued.push(new Uint8Array(chunk))
    return
  }
  const written = socket.write(chunk)
  if (written < chunk.byteLength) outbox.queued.push(new Uint8Array(chunk.subarray(Math.max(0, written))))
}

function flush(socket: Socket<unknown>, outbox: Outbox) {
  while (outbox.queued.length > 0) {
    const chunk = outbox.queued[0]!
    const written = socket.write(chunk)
    if (written < chunk.byteLength) {
      outbox.queued[0] = chunk.subarray(Math.max(0, written))
      return
    }
    outbox.queued.shift()
  }
}

interface ClientData {
  upstream?: Socket<unknown>
  /** What the client sent before the upstream connection opened. */
  pending: Uint8Array[]
  /** Bytes waiting to go to the client, and to the upstream. */
  toClient: Outbox
  toUpstream: Outbox
}

/** `tls`: the proxy terminates TLS with this certificate (a load balancer in front of a plain gateway). */
export function startCuttableProxy(target: { hostname: string; port: number }, options: { tls?: { cert: string; key: string } } = {}): CuttableProxy {
  let open = true
  const pairs = new Set<{ client: Socket<ClientData>; upstream?: Socket<unknown> }>()
  const listener: TCPSocketListener<ClientData> = Bun.listen<ClientData>({
    hostname: '127.0.0.1',
    port: 0,
    ...(options.tls ? { tls: options.tls } : {}),
    socket: {
      open(client) {
        client.data = { pending: [], toClient: { queued: [] }, toUpstream: { queued: [] } }
        if (!open) {
          client.end()
          return
        }
        const pair: { client: typeof client; upstream?: Socket<unknown> } = { client }
        pairs.add(pair)
        Bun.connect({
          hostname: target.hostname,
          port: target.port,
          socket: {
            open(upstream) {
              pair.upstream = upstream
              client.data.upstream = upstream
              for (const chunk of client.data.pending) send(upstream, client.data.toUpstream, chunk)
              client.data.pending = []
            },
            data(_upstream, chunk) { send(client, client.data.toClient, chunk) },
            drain(upstream) { flush(upstream, client.data.toUpstream) },
            close() { client.end(); pairs.delete(pair) },
            error() { client.end(); pairs.delete(pair) },
          },
        }).catch(() => client.end())
      },
      data(client, chunk) {
        if (client.data.upstream) send(client.data.upstream, client.data.toUpstream, chunk)
        else client.data.pending.push(new Uint8Array(chunk))
      },
      drain(client) { flush(client, client.data.toClient) },
      close(client) { client.data.upstream?.end() },
    },
  })
  return {
    port: listener.port,
    cut() {
      open = false
      for (const pair of pairs) {
        pair.client.terminate()
        pair.upstream?.terminate()
      }
      pairs.clear()
    },
    restore() { open = true },
    stop() {
      this.cut()
      listener.stop(true)
    },
  }
}
