import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startBareProxy } from './bare-proxy.ts'
import type { BareProxy } from './bare-proxy.ts'
import { startMockUpstream } from './mock-upstream.ts'
import type { MockUpstream } from './mock-upstream.ts'

let mock: MockUpstream
let proxy: BareProxy
beforeAll(async () => {
  mock = await startMockUpstream({ chunkCount: 3 })
  proxy = startBareProxy({ upstream: mock.url })
})
afterAll(async () => {
  await proxy.stop()
  await mock.stop()
})

test('forwards method, path, query, headers and body, and streams the answer back byte for byte', async () => {
  const body = JSON.stringify({ model: 'm', stream: true })
  const direct = await (await fetch(`${mock.url}/v1/chat/completions`, { method: 'POST', body })).text()
  const proxied = await fetch(`${proxy.url}/v1/chat/completions?x=1`, { method: 'POST', headers: { authorization: 'Bearer k', 'content-type': 'application/json' }, body })
  expect(proxied.headers.get('content-type')).toBe('text/event-stream')
  const text = await proxied.text()
  // Ids differ per response; the framing and size must not.
  expect(text.replace(/mock\w+/g, '')).toBe(direct.replace(/mock\w+/g, ''))
  expect(mock.lastRequest!.path).toBe('/v1/chat/completions?x=1')
  expect(mock.lastRequest!.headers.authorization).toBe('Bearer k')
  expect(mock.lastRequest!.body).toEqual({ model: 'm', stream: true })
})

test('passes upstream errors through and answers 502 when the upstream is gone', async () => {
  mock.setOptions({ failureRate: 1, failureStatus: 429 })
  const failed = await fetch(`${proxy.url}/v1/chat/completions`, { method: 'POST', body: '{}' })
  mock.setOptions({ failureRate: 0 })
  expect(failed.status).toBe(429)
  const orphan = startBareProxy({ upstream: 'http://127.0.0.1:1' })
  const gone = await fetch(`${orphan.url}/v1/models`)
  await orphan.stop()
  expect(gone.status).toBe(502)
})
