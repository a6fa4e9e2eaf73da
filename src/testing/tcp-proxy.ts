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

export function startCuttableProxy(target: { hostname: string; port: number }): CuttableProxy {
  let open = true
  const pairs = new Set<{ client: Socket<{ upstream?: Socket; pending: Uint8Array[] }>; upstream?: Socket }>()
  const listener: TCPSocketListener<{ upstream?: Socket; pending: Uint8Array[] }> = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        client.data = { pending: [] }
        if (!open) {
          client.end()
          return
        }
        const pair: { client: typeof client; upstream?: Socket } = { client }
        pairs.add(pair)
        Bun.connect({
          hostname: target.hostname,
          port: target.port,
          socket: {
            open(upstream) {
              pair.upstream = upstream
              client.data.upstream = upstream
              for (const chunk of client.data.pending) upstream.write(chunk)
              client.data.pending = []
            },
            data(_upstream, chunk) { client.write(chunk) },
            close() { client.end(); pairs.delete(pair) },
            error() { client.end(); pairs.delete(pair) },
          },
        }).catch(() => client.end())
      },
      data(client, chunk) {
        if (client.data.upstream) client.data.upstream.write(chunk)
        else client.data.pending.push(new Uint8Array(chunk))
      },
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
