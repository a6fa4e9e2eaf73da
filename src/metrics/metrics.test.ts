import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { startTestServer } from '../testing/server.ts'

const token = 'metrics-token-for-the-tests'

/** One sample's value from the text format, by metric name and the labels it must carry. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue
    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

describe('GET /metrics', () => {
  let harness: RelayHarness
  let channelId: number
  let key: string
  const scrape = async () => (await fetch(`${harness.server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()

  beforeAll(async () => {
    harness = await startRelayHarness({ env: { METRICS_TOKEN: token } })
    channelId = await harness.addChannel()
    key = (await harness.addToken()).key
  })
  afterAll(() => harness.dispose())

  test('needs the bearer token', async () => {
    expect((await fetch(`${harness.server.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${harness.server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-same-size-x' } })).status).toBe(401)
  })

  test('counts requests, errors, latency and first bytes by endpoint, model and channel', async () => {
    const client = harness.client(key)
    for (let index = 0; index < 3; index++) await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
    for await (const _ of stream) { /* drain */ }
    // The SDK's APIPromise is a thenable, not a Promise: ask it whether it failed.
    const fails = (call: PromiseLike<unknown>) => Promise.resolve(call).then(() => false, () => true)
    expect(await fails(harness.client('sk-not-a-key').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))).toBe(true)
    harness.upstream.setOptions({ failureRate: 1, failureStatus: 400 })
    expect(await fails(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))).toBe(true)
    harness.upstream.setOptions({ failureRate: 0 })

    const text = await scrape()
    const series = { endpoint: 'chat', model: 'gpt-4o-mini', channel: String(channelId) }
    expect(sample(text, 'tollgate_relay_requests_total', { ...series, status: '200' })).toBe(4)
    expect(sample(text, 'tollgate_relay_requests_total', { ...series, status: '400' })).toBe(1)
    // Refused before a model or channel was known.
    expect(sample(text, 'tollgate_relay_requests_total', { endpoint: 'chat', channel: '0', status: '401' })).toBe(1)
    expect(sample(text, 'tollgate_relay_errors_total', { ...series })).toBe(1)
    expect(sample(text, 'tollgate_relay_request_duration_seconds_count', series)).toBe(5)
    expect(sample(text, 'tollgate_relay_request_duration_seconds_bucket', { ...series, le: '+Inf' })).toBe(5)
    expect(sample(text, 'tollgate_relay_upstream_first_byte_seconds_count', series)).toBe(4)
    expect(sample(text, 'tollgate_open_streams')).toBe(0)
    expect(sample(text, 'tollgate_usage_writer_queued_rows')).toBeGreaterThanOrEqual(0)
    expect(sample(text, 'tollgate_worker_pool_threads')).toBeGreaterThan(0)
    expect(sample(text, 'tollgate_cache_entries', { cache: 'channels' })).toBe(1)
    expect(sample(text, 'tollgate_cache_entries', { cache: 'tokens' })).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'tollgate_process_resident_memory_bytes')).toBeGreaterThan(0)
    // Every sample line parses as a number (the format Prometheus reads).
    for (const line of text.split('\n')) if (line && !line.startsWith('#')) expect(Number.isFinite(Number(line.slice(line.lastIndexOf(' ') + 1)))).toBe(true)
  })
})

test('without METRICS_TOKEN there is no /metrics, and it says how to turn it on', async () => {
  const server = await startTestServer()
  try {
    const response = await fetch(`${server.url}/metrics`)
    expect(response.status).toBe(404)
    expect((await response.json()).message).toContain('METRICS_TOKEN')
  } finally {
    await server.dispose()
  }
})
