import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * A channel's own HTTP proxy (`setting.proxy`): its requests — relayed chats, channel tests, model lists — go through
 * the proxy; other channels' do not. The proxy is a real forward proxy on a local port (absolute-form requests).
 */
let harness: RelayHarness
let proxy: Server
let proxyUrl: string
const proxied: string[] = []

beforeAll(async () => {
  proxy = createServer(async (request, response) => {
    proxied.push(`${request.method} ${request.url}`)
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => !['host', 'proxy-connection', 'connection', 'content-length'].includes(name)).map(([name, value]) => [name, String(value)]))
    const upstream = await fetch(request.url!, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
    response.writeHead(upstream.status, Object.fromEntries(upstream.headers))
    response.end(Buffer.from(await upstream.arrayBuffer()))
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
  harness = await startRelayHarness()
  await harness.setOption('ModelRatio', { 'via-proxy': 1, direct: 1 })
})
afterAll(async () => {
  await harness.dispose()
  proxy.close()
})

test('requests of a channel with a proxy go through it; others go direct', async () => {
  const id = await harness.addChannel({ name: 'behind proxy', models: 'via-proxy', setting: JSON.stringify({ proxy: proxyUrl }) })
  await harness.addChannel({ name: 'direct', models: 'direct' })
  const { key } = await harness.addToken()
  const client = harness.client(key)
  expect((await client.chat.completions.create({ model: 'via-proxy', messages: [{ role: 'user', content: 'hi' }] })).choices.length).toBe(1)
  expect(proxied).toEqual([`POST ${harness.upstream.url}/v1/chat/completions`])
  await client.chat.completions.create({ model: 'direct', messages: [{ role: 'user', content: 'hi' }] })
  expect(proxied).toHaveLength(1)
  // The channel test and model discovery take the same way.
  expect((await harness.root.call('GET', `/api/channel/test/${id}`)).body.success).toBe(true)
  expect((await harness.root.call('GET', `/api/channel/fetch_models/${id}`)).body.success).toBe(true)
  expect(proxied.slice(1)).toEqual([`POST ${harness.upstream.url}/v1/chat/completions`, `GET ${harness.upstream.url}/v1/models`])
})

test('a proxy that is not an http(s) URL is refused when saved', async () => {
  const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'bad proxy', key: 'k', base_url: harness.upstream.url, models: 'x', setting: '{"proxy": "socks://nowhere"}' } })
  expect(refused.status).toBe(400)
  expect(refused.body.message).toContain('setting.proxy must be an http:// or https:// proxy URL')
})
