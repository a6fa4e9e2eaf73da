import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createHttp1Client, UpstreamHttpError } from './http1-client.ts'

const client = createHttp1Client()
afterAll(() => client.close())

/** A raw TCP server scripted per connection: the tests below need answers no HTTP framework would send. */
function rawServer(onRequest: (socket: import('bun').Socket<{ requests: number; buffer: string }>, request: string, index: number) => void) {
  let connections = 0
  const server = Bun.listen<{ requests: number; buffer: string }>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(socket) {
        connections++
        socket.data = { requests: 0, buffer: '' }
      },
      data(socket, bytes) {
        socket.data.buffer += new TextDecoder().decode(bytes)
        const end = socket.data.buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        const length = Number(/content-length: (\d+)/i.exec(socket.data.buffer.slice(0, end))?.[1] ?? 0)
        if (socket.data.buffer.length < end + 4 + length) return
        const request = socket.data.buffer.slice(0, end + 4 + length)
        socket.data.buffer = socket.data.buffer.slice(end + 4 + length)
        onRequest(socket, request, socket.data.requests++)
      },
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, connections: () => connections, stop: () => server.stop(true) }
}

describe('HTTP/1.1 upstream client', () => {
  test('a POST is answered, and the connection is kept and reused', async () => {
    const seen: string[] = []
    const server = Bun.serve({
      port: 0,
      async fetch(request) {
        seen.push(`${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization')} ${await request.text()}`)
        return Response.json({ ok: true }, { status: 201 })
      },
    })
    const url = `http://127.0.0.1:${server.port}/v1/chat/completions?x=1`
    for (let index = 0; index < 3; index++) {
      const response = await client.request(url, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body: '{"a":1}' })
      expect(response.status).toBe(201)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(await response.json()).toEqual({ ok: true })
    }
    expect(seen).toEqual(Array(3).fill('POST /v1/chat/completions Bearer k {"a":1}'))
    expect(client.idleCount(`http://127.0.0.1:${server.port}`)).toBe(1)
    server.stop(true)
  })

  test('a large binary body (an upload) arrives whole and in order, written after its head; the connection is reused', async () => {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', maxRequestBodySize: 64 << 20, async fetch(request) {
      const bytes = new Uint8Array(await request.arrayBuffer())
      return Response.json({ length: bytes.length, hash: Bun.hash(bytes).toString(), type: request.headers.get('content-type') })
    } })
    try {
      const large = new Uint8Array(6 * 1024 * 1024 + 3)
      for (let index = 0; index < large.length; index++) large[index] = (index * 31 + 7) & 255
      for (const body of [large, large.subarray(0, 1000)]) {
        const response = await client.request(`http://127.0.0.1:${server.port}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body })
        expect(await response.json()).toEqual({ length: body.length, hash: Bun.hash(body).toString(), type: 'application/octet-stream' })
      }
      expect(client.idleCount(`http://127.0.0.1:${server.port}`)).toBe(1)
    } finally {
      server.stop(true)
    }
  })

  test('a chunked answer streams: the first event arrives before the upstream finishes', async () => {
    let finish!: () => void
    const finished = new Promise<void>((resolve) => { finish = resolve })
    const server = Bun.serve({
      port: 0,
      fetch: () => new Response(new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('data: one\n\n'))
          await finished
          controller.enqueue(new TextEncoder().encode('data: two\n\n'))
          controller.close()
        },
      }), { headers: { 'content-type': 'text/event-stream' } }),
    })
    const response = await client.request(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: '{}' })
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(new TextDecoder().decode(first.value)).toBe('data: one\n\n')
    finish()
    let rest = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    expect(rest).toBe('data: two\n\n')
    server.stop(true)
  })

  test('chunk sizes split across packets, extensions and trailers are parsed', async () => {
    const server = rawServer((socket) => {
      const parts = ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r', '\nhel', 'lo\r\n', '6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n']
      let index = 0
      const next = () => {
        socket.write(parts[index++]!)
        if (index < parts.length) setTimeout(next, 5)
      }
      next()
    })
    const response = await client.request(`${server.url}/`)
    expect(await response.text()).toBe('hello world')
    expect(client.idleCount(server.url)).toBe(1)
    server.stop()
  })

  test('interim 1xx answers are skipped; a close-delimited body ends with the connection', async () => {
    const server = rawServer((socket) => {
      socket.write('HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\n\r\npart one, ')
      setTimeout(() => {
        socket.write('part two')
        socket.end()
      }, 10)
    })
    const response = await client.request(`${server.url}/`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('part one, part two')
    expect(client.idleCount(server.url)).toBe(0)
    server.stop()
  })

  test('a kept connection the server closed as the next request went out is retried once on a new one', async () => {
    const server = rawServer((socket, _request, index) => {
      // The second request on a connection finds it closing: no answer, as when an idle timeout fires.
      if (index > 0) return socket.end()
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    })
    expect(await (await client.request(`${server.url}/`, { method: 'POST', body: 'a' })).text()).toBe('ok')
    expect(await (await client.request(`${server.url}/`, { method: 'POST', body: 'b' })).text()).toBe('ok')
    expect(server.connections()).toBe(2)
    server.stop()
  })

  test('a connection that fails mid-answer is an error, not a retry', async () => {
    const server = rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial')
      setTimeout(() => socket.end(), 5)
    })
    const failure = await client.request(`${server.url}/`).then((response) => response.text()).catch((error: Error) => error)
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toContain('closed the connection before the response was complete')
    expect(server.connections()).toBe(1)
    server.stop()
  })

  test('aborting stops the request and closes its connection', async () => {
    const server = rawServer(() => { /* never answers */ })
    const controller = new AbortController()
    const pending = client.request(`${server.url}/`, { method: 'POST', body: 'x', signal: controller.signal })
    setTimeout(() => controller.abort(), 20)
    const error = await pending.catch((failure: Error) => failure)
    expect((error as Error).name).toBe('AbortError')
    expect(client.idleCount(server.url)).toBe(0)
    server.stop()
  })

  test('a reader that stops reading pauses the socket; nothing is lost when it reads again', async () => {
    const total = 64 * 1024 * 1024
    const block = new Uint8Array(256 * 1024).fill(97)
    let written = 0
    const server = rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`)
      const pump = () => {
        while (written < total) {
          const accepted = socket.write(block.subarray(0, Math.min(block.length, total - written)))
          written += accepted
          if (accepted < Math.min(block.length, total - written + accepted)) return
        }
      }
      ;(socket as unknown as { data: { pump?: () => void } }).data.pump = pump
      pump()
      const timer = setInterval(() => (written < total ? pump() : clearInterval(timer)), 5)
    })
    const response = await client.request(`${server.url}/`)
    await Bun.sleep(400)
    // Not read for 400 ms: the upstream is held back by TCP, the gateway holds only a bounded amount.
    expect(written).toBeLessThan(total / 2)
    let received = 0
    const reader = response.body!.getReader()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      received += value.length
    }
    expect(received).toBe(total)
    server.stop()
  })

  test('gzip answers are decoded, whole and streamed', async () => {
    const plain = JSON.stringify({ text: 'compressible '.repeat(200) })
    const server = Bun.serve({
      port: 0,
      fetch: (request) => {
        const compressed = gzipSync(plain)
        if (new URL(request.url).pathname === '/stream') {
          return new Response(new ReadableStream({ start(controller) { controller.enqueue(compressed); controller.close() } }), { headers: { 'content-encoding': 'gzip' } })
        }
        return new Response(compressed, { headers: { 'content-encoding': 'gzip', 'content-length': String(compressed.length) } })
      },
    })
    expect(await (await client.request(`http://127.0.0.1:${server.port}/whole`)).text()).toBe(plain)
    expect(await (await client.request(`http://127.0.0.1:${server.port}/stream`)).text()).toBe(plain)
    server.stop(true)
  })

  test('bad input is refused before anything is sent', async () => {
    const server = rawServer(() => { throw new Error('must not be reached') })
    await expect(client.request(`${server.url}/`, { headers: { 'x-evil': 'a\r\nx-injected: 1' } })).rejects.toThrow('Invalid upstream header')
    await expect(client.request(`${server.url}/`, { headers: { 'bad name': 'a' } })).rejects.toThrow('Invalid upstream header')
    await expect(client.request('ftp://127.0.0.1/')).rejects.toThrow('Unsupported protocol')
    expect(server.connections()).toBe(0)
    server.stop()
  })

  test('an unreachable upstream is a clear error', async () => {
    const server = rawServer(() => {})
    const url = server.url
    server.stop()
    await expect(client.request(`${url}/`)).rejects.toThrow(`Unable to connect to ${url}`)
  })
})

describe('HTTP/1.1 upstream client over TLS', () => {
  const openssl = Bun.which('openssl')
  const directory = mkdtempSync(join(tmpdir(), 'tollgate-tls-'))
  afterAll(() => rmSync(directory, { recursive: true, force: true }))

  /** A throwaway CA and a certificate for 127.0.0.1/localhost signed by it. */
  function makeCertificates() {
    const run = (args: string[]) => {
      const result = Bun.spawnSync([openssl!, ...args], { cwd: directory, stderr: 'pipe' })
      if (result.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr.toString()}`)
    }
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Tollgate test CA'])
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'])
    writeFileSync(join(directory, 'ext.txt'), 'subjectAltName=DNS:localhost,IP:127.0.0.1')
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.txt'])
  }

  test.skipIf(!openssl)('certificates are verified: an untrusted one is refused, a trusted one (NODE_EXTRA_CA_CERTS) serves', async () => {
    makeCertificates()
    const server = Bun.serve({
      port: 0,
      tls: { cert: Bun.file(join(directory, 'server.pem')), key: Bun.file(join(directory, 'server.key')) },
      fetch: async (request) => new Response(`secure ${await request.text()}`),
    })
    await expect(client.request(`https://localhost:${server.port}/`, { method: 'POST', body: 'x' })).rejects.toThrow(/Unable to connect.*(verify|certificate)/)
    // Trust is process-wide in Bun (read at start), so the trusted case runs in a child process.
    const script = `import { createHttp1Client } from ${JSON.stringify(join(import.meta.dir, 'http1-client.ts'))}
      const client = createHttp1Client()
      const response = await client.request('https://localhost:${server.port}/', { method: 'POST', body: 'hello' })
      console.log(await response.text())
      const wrongName = await client.request('https://127.0.0.1:${server.port}/').then(() => 'served').catch((error) => error.message)
      console.log(wrongName)
      client.close()`
    const child = Bun.spawn([process.execPath, '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(directory, 'ca.pem') }, stdout: 'pipe', stderr: 'pipe' })
    const output = await new Response(child.stdout).text()
    await child.exited
    const [answer, byAddress] = output.trim().split('\n')
    expect(answer).toBe('secure hello')
    // The certificate also names 127.0.0.1, so the address is served too; the check is on names, not luck.
    expect(byAddress).toBe('served')
    server.stop(true)
  })
})

describe('HTTP/1.1 upstream client timeouts', () => {
  test('timeoutMs fails an answer that does not come, without a timer per request, and frees the connection', async () => {
    const server = rawServer(() => { /* silent */ })
    const started = Date.now()
    const error = await client.request(`${server.url}/`, { method: 'POST', body: 'x', timeoutMs: 300 }).catch((failure: Error) => failure)
    expect((error as Error).name).toBe('TimeoutError')
    // Checked once a second: between the limit and the limit plus a tick.
    expect(Date.now() - started).toBeGreaterThanOrEqual(300)
    expect(Date.now() - started).toBeLessThan(2500)
    expect(client.idleCount(server.url)).toBe(0)
    server.stop()
  })

  test('a streamed answer whose head arrived in time is not cut by timeoutMs', async () => {
    const server = rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n')
      setTimeout(() => socket.write('4\r\nlast\r\n0\r\n\r\n'), 1500)
    })
    const response = await client.request(`${server.url}/`, { timeoutMs: 500 })
    expect(await response.text()).toBe('firstlast')
    server.stop()
  })
})

describe('HTTP/1.1 upstream client connection reuse', () => {
  test('an answer that comes before the whole body is sent does not leave the connection in the pool', async () => {
    const server = rawServer(() => {})
    // Answer at the first bytes of the head, long before an 8 MB body could have been written.
    const early = Bun.listen({
      hostname: '127.0.0.1', port: 0,
      socket: {
        open(socket) { socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo long') },
        data() {},
      },
    })
    server.stop()
    const origin = `http://127.0.0.1:${early.port}`
    const response = await client.request(`${origin}/`, { method: 'POST', body: 'x'.repeat(8 * 1024 * 1024) })
    expect(response.status).toBe(413)
    expect(await response.text()).toBe('too long')
    expect(client.idleCount(origin)).toBe(0)
    early.stop(true)
  })

  test('bytes arriving on an idle connection retire it', async () => {
    let sockets: import('bun').Socket<unknown>[] = []
    const server = Bun.listen({
      hostname: '127.0.0.1', port: 0,
      socket: {
        open(socket) { sockets.push(socket) },
        data(socket) { socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok') },
      },
    })
    const origin = `http://127.0.0.1:${server.port}`
    expect(await (await client.request(`${origin}/`)).text()).toBe('ok')
    expect(client.idleCount(origin)).toBe(1)
    sockets[0]!.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nstale')
    await Bun.sleep(50)
    expect(client.idleCount(origin)).toBe(0)
    expect(await (await client.request(`${origin}/`)).text()).toBe('ok')
    sockets = []
    server.stop(true)
  })
})

describe('HTTP/1.1 upstream client connection cap per origin', () => {
  /** An upstream that holds every request until the test answers it, counting the connections open at once. */
  function holdingServer() {
    const held: (() => void)[] = []
    let open = 0
    let mostOpen = 0
    let requests = 0
    const server = Bun.listen<{ buffer: string }>({
      hostname: '127.0.0.1',
      port: 0,
      socket: {
        open(socket) {
          socket.data = { buffer: '' }
          mostOpen = Math.max(mostOpen, ++open)
        },
        close() { open-- },
        data(socket, bytes) {
          socket.data.buffer += new TextDecoder().decode(bytes)
          let end: number
          while ((end = socket.data.buffer.indexOf('\r\n\r\n')) >= 0) {
            const path = socket.data.buffer.slice(0, end).split(' ')[1]!
            socket.data.buffer = socket.data.buffer.slice(end + 4)
            requests++
            held.push(() => socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`))
          }
        },
      },
    })
    const origin = `http://127.0.0.1:${server.port}`
    return {
      origin,
      held,
      requests: () => requests,
      mostOpen: () => mostOpen,
      /** Answer the oldest held request. */
      answerOne: () => held.shift()!(),
      until: async (condition: () => boolean) => {
        for (let tries = 0; !condition(); tries++) {
          if (tries > 200) throw new Error('condition not met in 2 s')
          await Bun.sleep(10)
        }
      },
      stop: () => server.stop(true),
    }
  }

  test('at the cap a request waits, and proceeds on a freed connection; the upstream never sees more than the cap', async () => {
    const capped = createHttp1Client({ maxConnectionsPerOrigin: 2 })
    const server = holdingServer()
    const answers = ['/1', '/2', '/3'].map((path) => capped.request(`${server.origin}${path}`).then((response) => response.text()))
    await server.until(() => server.held.length === 2)
    await Bun.sleep(50)
    // The third is not sent while both connections are busy.
    expect(server.requests()).toBe(2)
    expect(capped.busyCount(server.origin)).toBe(2)
    expect(capped.queuedCount(server.origin)).toBe(1)
    server.answerOne()
    expect(await answers[0]).toBe('/1')
    await server.until(() => server.held.length === 2)
    expect(capped.queuedCount(server.origin)).toBe(0)
    server.answerOne()
    server.answerOne()
    expect(await Promise.all(answers)).toEqual(['/1', '/2', '/3'])
    expect(server.mostOpen()).toBe(2)
    expect(capped.busyCount(server.origin)).toBe(0)
    expect(capped.idleCount(server.origin)).toBe(2)
    capped.close()
    server.stop()
  })

  test('a request past the queue bound fails at once with upstream_saturated', async () => {
    const capped = createHttp1Client({ maxConnectionsPerOrigin: 2, maxQueuedPerOrigin: 1 })
    const server = holdingServer()
    const admitted = ['/1', '/2', '/3'].map((path) => capped.request(`${server.origin}${path}`).then((response) => response.text()))
    await server.until(() => server.held.length === 2)
    const started = performance.now()
    const error = await capped.request(`${server.origin}/4`).catch((failure: Error) => failure)
    expect(performance.now() - started).toBeLessThan(50)
    expect(error).toBeInstanceOf(UpstreamHttpError)
    expect((error as UpstreamHttpError).code).toBe('upstream_saturated')
    expect((error as Error).message).toContain(`Too many requests to ${server.origin}`)
    server.answerOne()
    server.answerOne()
    await server.until(() => server.held.length === 1)
    server.answerOne()
    expect(await Promise.all(admitted)).toEqual(['/1', '/2', '/3'])
    expect(server.requests()).toBe(3)
    capped.close()
    server.stop()
  })

  test('a queued request that is aborted leaves the queue at once and is never sent', async () => {
    const capped = createHttp1Client({ maxConnectionsPerOrigin: 2, maxQueuedPerOrigin: 1 })
    const server = holdingServer()
    const admitted = ['/1', '/2'].map((path) => capped.request(`${server.origin}${path}`).then((response) => response.text()))
    await server.until(() => server.held.length === 2)
    const controller = new AbortController()
    const aborted = capped.request(`${server.origin}/aborted`, { signal: controller.signal }).catch((failure: Error) => failure)
    expect(capped.queuedCount(server.origin)).toBe(1)
    controller.abort()
    expect(((await aborted) as Error).name).toBe('AbortError')
    expect(capped.queuedCount(server.origin)).toBe(0)
    // Its place is free again: a bound of one admits the next.
    const next = capped.request(`${server.origin}/next`).then((response) => response.text())
    server.answerOne()
    server.answerOne()
    await server.until(() => server.held.length === 1)
    server.answerOne()
    expect(await Promise.all([...admitted, next])).toEqual(['/1', '/2', '/next'])
    expect(server.requests()).toBe(3)
    capped.close()
    server.stop()
  })

  test('a queued request whose timeoutMs passes leaves the queue with a TimeoutError, checked by the pool timer', async () => {
    const capped = createHttp1Client({ maxConnectionsPerOrigin: 1 })
    const server = holdingServer()
    const admitted = capped.request(`${server.origin}/1`).then((response) => response.text())
    await server.until(() => server.held.length === 1)
    const started = Date.now()
    const error = await capped.request(`${server.origin}/late`, { timeoutMs: 200 }).catch((failure: Error) => failure)
    expect((error as Error).name).toBe('TimeoutError')
    expect(Date.now() - started).toBeGreaterThanOrEqual(200)
    expect(Date.now() - started).toBeLessThan(2500)
    expect(capped.queuedCount(server.origin)).toBe(0)
    server.answerOne()
    expect(await admitted).toBe('/1')
    expect(server.requests()).toBe(1)
    capped.close()
    server.stop()
  })

  test('a connection that fails frees its slot for the next waiting request', async () => {
    const capped = createHttp1Client({ maxConnectionsPerOrigin: 1 })
    const server = holdingServer()
    const controller = new AbortController()
    // In flight, then aborted: its connection is closed, and the waiting request gets a new one.
    const first = capped.request(`${server.origin}/1`, { signal: controller.signal }).catch((failure: Error) => failure.name)
    await server.until(() => server.held.length === 1)
    const second = capped.request(`${server.origin}/2`).then((response) => response.text())
    expect(capped.queuedCount(server.origin)).toBe(1)
    controller.abort()
    expect(await first).toBe('AbortError')
    await server.until(() => server.held.length === 2)
    server.held.pop()!()
    expect(await second).toBe('/2')
    expect(capped.busyCount(server.origin)).toBe(0)
    capped.close()
    server.stop()
  })

  test('options are checked', () => {
    expect(() => createHttp1Client({ maxConnectionsPerOrigin: 0 })).toThrow('maxConnectionsPerOrigin must be an integer ≥ 1')
    expect(() => createHttp1Client({ maxQueuedPerOrigin: -1 })).toThrow('maxQueuedPerOrigin must be an integer ≥ 0')
  })
})
