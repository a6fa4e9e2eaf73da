import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { buildPinnedRequest, safeFetch, SafeFetchError } from './safe-fetch.ts'

let server: ReturnType<typeof Bun.serve>
let base = ''
const hits: string[] = []

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      hits.push(url.pathname)
      switch (url.pathname) {
        case '/ok':
          return new Response('hello', { headers: { 'content-type': 'text/plain' } })
        case '/to-localhost':
          return Response.redirect(`http://localhost:${server.port}/secret`, 302)
        case '/to-metadata':
          return new Response(null, { status: 301, headers: { location: 'http://169.254.169.254/latest/meta-data/' } })
        case '/to-ok':
          return new Response(null, { status: 307, headers: { location: '/ok' } })
        case '/loop':
          return new Response(null, { status: 302, headers: { location: '/loop' } })
        case '/declared-big':
          return new Response('x'.repeat(2048))
        case '/streamed-big':
          return new Response(
            new ReadableStream({
              async pull(controller) {
                controller.enqueue(new Uint8Array(1024))
              },
            }),
          )
        case '/slow':
          await Bun.sleep(2000)
          return new Response('late')
        case '/host':
          return new Response(request.headers.get('host') ?? '')
        default:
          return new Response('missing', { status: 404 })
      }
    },
  })
  base = `http://127.0.0.1:${server.port}`
})

afterAll(() => server.stop(true))

const allowLocal = { maxBytes: 1000, timeoutMs: 1000, allowPrivateHosts: ['127.0.0.1'] }

async function failure(promise: Promise<unknown>): Promise<SafeFetchError> {
  const error = await promise.then(
    () => null,
    (caught) => caught,
  )
  expect(error).toBeInstanceOf(SafeFetchError)
  return error as SafeFetchError
}

describe('safeFetch', () => {
  test('fetches from an allow-listed private host', async () => {
    const result = await safeFetch(`${base}/ok`, allowLocal)
    expect(new TextDecoder().decode(result.bytes)).toBe('hello')
    expect(result.contentType).toBe('text/plain')
    expect(result.complete).toBe(true)
  })

  test('refuses a private host that is not allow-listed, without connecting', async () => {
    const before = hits.length
    const error = await failure(safeFetch(`${base}/ok`, { maxBytes: 1000, timeoutMs: 1000 }))
    expect(error.code).toBe('unsafe_url')
    expect(hits.length).toBe(before)
  })

  test('refuses a redirect to a private address (localhost) and never fetches it', async () => {
    const error = await failure(safeFetch(`${base}/to-localhost`, allowLocal))
    expect(error.code).toBe('unsafe_url')
    expect(error.message).toMatch(/localhost resolves to .*loopback/)
    expect(hits).not.toContain('/secret')
  })

  test('refuses a redirect to the cloud metadata address', async () => {
    const error = await failure(safeFetch(`${base}/to-metadata`, allowLocal))
    expect(error.code).toBe('unsafe_url')
    expect(error.message).toMatch(/169\.254\.169\.254/)
  })

  test('follows a relative redirect that stays allowed', async () => {
    const result = await safeFetch(`${base}/to-ok`, allowLocal)
    expect(new TextDecoder().decode(result.bytes)).toBe('hello')
    expect(result.url).toBe(`${base}/ok`)
  })

  test('stops after the redirect limit', async () => {
    const error = await failure(safeFetch(`${base}/loop`, { ...allowLocal, maxRedirects: 3 }))
    expect(error.code).toBe('too_many_redirects')
  })

  test('a 404 is an http_status error', async () => {
    const error = await failure(safeFetch(`${base}/nothing-here`, allowLocal))
    expect(error.code).toBe('http_status')
    expect(error.status).toBe(404)
  })

  test('refuses a declared body over the limit before reading it', async () => {
    const error = await failure(safeFetch(`${base}/declared-big`, allowLocal))
    expect(error.code).toBe('too_large')
    expect(error.message).toMatch(/Content-Length 2048/)
  })

  test('stops an endless body at the limit', async () => {
    const error = await failure(safeFetch(`${base}/streamed-big`, { ...allowLocal, maxBytes: 10_000 }))
    expect(error.code).toBe('too_large')
  })

  test('stopWhen ends the read early with complete=false', async () => {
    const result = await safeFetch(`${base}/streamed-big`, { ...allowLocal, maxBytes: 1_000_000, stopWhen: (received) => received.length >= 4096 })
    expect(result.complete).toBe(false)
    expect(result.bytes.length).toBeGreaterThanOrEqual(4096)
    expect(result.bytes.length).toBeLessThan(1_000_000)
  })

  test('times out as a whole', async () => {
    const started = performance.now()
    const error = await failure(safeFetch(`${base}/slow`, { ...allowLocal, timeoutMs: 200 }))
    expect(error.code).toBe('timeout')
    expect(performance.now() - started).toBeLessThan(1500)
  })

  test('a caller abort is reported as aborted', async () => {
    const controller = new AbortController()
    const pending = safeFetch(`${base}/slow`, { ...allowLocal, timeoutMs: 5000, signal: controller.signal })
    setTimeout(() => controller.abort(), 50)
    const error = await failure(pending)
    expect(error.code).toBe('aborted')
  })
})

describe('buildPinnedRequest', () => {
  test('pins a resolved name to the vetted address, keeping Host and the TLS server name', () => {
    const pinned = buildPinnedRequest(new URL('https://images.example:8443/a.png?x=1'), ['93.184.216.34'])
    expect(pinned).toEqual({ target: 'https://93.184.216.34:8443/a.png?x=1', headers: { host: 'images.example:8443' }, serverName: 'images.example' })
  })

  test('brackets IPv6 addresses and leaves plain http without a server name', () => {
    const pinned = buildPinnedRequest(new URL('http://images.example/a.png'), ['2606:2800:220:1::1'])
    expect(pinned.target).toBe('http://[2606:2800:220:1::1]/a.png')
    expect(pinned.serverName).toBeUndefined()
  })

  test('does not rewrite IP literals or allow-listed hosts', () => {
    expect(buildPinnedRequest(new URL('http://8.8.8.8/a'), ['8.8.8.8']).target).toBe('http://8.8.8.8/a')
    expect(buildPinnedRequest(new URL('http://media.internal/a'), []).target).toBe('http://media.internal/a')
  })

  test('a pinned request reaches the address with the original Host header', async () => {
    const pinned = buildPinnedRequest(new URL(`http://media.test:${server.port}/host`), ['127.0.0.1'])
    const response = await fetch(pinned.target, { headers: pinned.headers })
    expect(await response.text()).toBe(`media.test:${server.port}`)
  })
})
