import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { Server } from 'bun'
import { UpstreamHttpError } from './http1-client.ts'
import { createUpstreamClient, type UpstreamClient } from './upstream-client.ts'

const encoder = new TextEncoder()

/** Released by the tests that hold an answer back; stopping the server does not wait for them. */
const never = new Promise<never>(() => {})

/** One upstream for the whole contract: each path is one behaviour. */
function startUpstream(): Server<undefined> {
  return Bun.serve({
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      switch (url.pathname) {
        case '/echo': {
          const body = new Uint8Array(await request.arrayBuffer())
          return Response.json({ method: request.method, query: url.search, authorization: request.headers.get('authorization'), body: new TextDecoder().decode(body), bytes: body.length })
        }
        case '/stream': {
          let release!: () => void
          const released = new Promise<void>((resolve) => { release = resolve })
          streamReleases.push(release)
          return new Response(new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode('data: one\n\n'))
              await released
              controller.enqueue(encoder.encode('data: two\n\n'))
              controller.close()
            },
          }), { headers: { 'content-type': 'text/event-stream' } })
        }
        case '/slow-stream':
          // The head at once, the rest after longer than the caller's timeoutMs (and a tick of the pool timer).
          return new Response(new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode('first '))
              await Bun.sleep(1100)
              controller.enqueue(encoder.encode('last'))
              controller.close()
            },
          }))
        case '/unavailable':
          return Response.json({ error: { message: 'overloaded' } }, { status: 503 })
        case '/redirect':
          return new Response(null, { status: 302, headers: { location: '/echo' } })
        case '/silent':
          return never
        default:
          return new Response('not found', { status: 404 })
      }
    },
  })
}

const streamReleases: (() => void)[] = []

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

/** The same contract for both kinds: callers must not be able to tell them apart. */
for (const kind of ['http1', 'fetch'] as const) {
  describe(`upstream client (${kind})`, () => {
    let server: Server<undefined>
    let base: string
    let client: UpstreamClient
    beforeAll(() => {
      server = startUpstream()
      base = `http://127.0.0.1:${server.port}`
      client = createUpstreamClient({ kind })
    })
    afterAll(() => {
      client.close()
      server.stop(true)
    })

    test('a GET is answered with status, headers and a JSON body', async () => {
      const response = await client.request(`${base}/echo?model=x`, { headers: { authorization: 'Bearer k' } })
      expect(response.status).toBe(200)
      expect(response.ok).toBe(true)
      expect(response.headers.get('content-type')).toContain('application/json')
      expect(await response.json()).toEqual({ method: 'GET', query: '?model=x', authorization: 'Bearer k', body: '', bytes: 0 })
    })

    test('a POST sends a text or a byte body', async () => {
      const text = await client.request(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"héllo"}' })
      expect(await text.json()).toMatchObject({ method: 'POST', body: '{"prompt":"héllo"}', bytes: 19 })
      const bytes = await client.request(`${base}/echo`, { method: 'POST', body: encoder.encode('raw bytes') })
      expect(await bytes.json()).toMatchObject({ method: 'POST', body: 'raw bytes', bytes: 9 })
    })

    test('the request resolves at the head: the first event is read before the upstream finishes', async () => {
      const response = await client.request(`${base}/stream`, { method: 'POST', body: '{}' })
      const reader = response.body!.getReader()
      expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: one\n\n')
      streamReleases.shift()!()
      let rest = ''
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value)
      expect(rest).toBe('data: two\n\n')
    })

    test('a non-2xx answer is a response, not an error; redirects are not followed', async () => {
      const unavailable = await client.request(`${base}/unavailable`, { method: 'POST', body: '{}' })
      expect([unavailable.status, unavailable.ok]).toEqual([503, false])
      expect(await unavailable.json()).toEqual({ error: { message: 'overloaded' } })
      const redirect = await client.request(`${base}/redirect`, {})
      expect(redirect.status).toBe(302)
      expect(redirect.headers.get('location')).toBe('/echo')
      await redirect.text()
    })

    test('timeoutMs: a head that does not come fails with a TimeoutError', async () => {
      const started = Date.now()
      const error = await client.request(`${base}/silent`, { method: 'POST', body: '{}', timeoutMs: 300 }).catch((failure: Error) => failure)
      expect(error).toBeInstanceOf(Error)
      expect((error as Error).name).toBe('TimeoutError')
      expect(error).not.toBeInstanceOf(UpstreamHttpError)
      expect(Date.now() - started).toBeGreaterThanOrEqual(300)
      // http1 checks deadlines once a second.
      expect(Date.now() - started).toBeLessThan(2500)
    })

    test('timeoutMs bounds the head only: a stream that runs longer is not cut', async () => {
      const response = await client.request(`${base}/slow-stream`, { timeoutMs: 300 })
      expect(await readAll(response.body!)).toBe('first last')
    })

    test('aborting fails the request with an AbortError, before the head and while the body streams', async () => {
      const before = new AbortController()
      const pending = client.request(`${base}/silent`, { signal: before.signal })
      setTimeout(() => before.abort(), 20)
      expect(((await pending.catch((failure: Error) => failure)) as Error).name).toBe('AbortError')

      const during = new AbortController()
      const response = await client.request(`${base}/stream`, { signal: during.signal })
      const reader = response.body!.getReader()
      await reader.read()
      during.abort()
      expect(((await reader.read().catch((failure: Error) => failure)) as Error).name).toBe('AbortError')
      streamReleases.shift()!()

      const already = new AbortController()
      already.abort()
      expect(((await client.request(`${base}/echo`, { signal: already.signal }).catch((failure: Error) => failure)) as Error).name).toBe('AbortError')
    })

    test('an unreachable upstream is an UpstreamHttpError with a code', async () => {
      const closed = Bun.serve({ port: 0, fetch: () => new Response('') })
      const url = `http://127.0.0.1:${closed.port}/`
      closed.stop(true)
      const error = await client.request(url, {}).catch((failure: Error) => failure)
      expect(error).toBeInstanceOf(UpstreamHttpError)
      expect((error as UpstreamHttpError).code).toBe('ECONNREFUSED')
    })
  })
}

describe('upstream client options', () => {
  test('http1 honours maxConnectionsPerOrigin: requests beyond it wait their turn', async () => {
    let inFlight = 0
    let mostInFlight = 0
    const server = Bun.serve({
      port: 0,
      async fetch() {
        mostInFlight = Math.max(mostInFlight, ++inFlight)
        await Bun.sleep(30)
        inFlight--
        return new Response('ok')
      },
    })
    const client = createUpstreamClient({ kind: 'http1', maxConnectionsPerOrigin: 1 })
    const answers = await Promise.all(Array.from({ length: 4 }, () => client.request(`http://127.0.0.1:${server.port}/`, {}).then((response) => response.text())))
    expect(answers).toEqual(['ok', 'ok', 'ok', 'ok'])
    expect(mostInFlight).toBe(1)
    client.close()
    server.stop(true)
  })
})
