import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Failover that does not flap, through the real server and a real upstream socket: a flaky key is disabled after N
 * failures in the window (not on the first), probed half-open and put back when the probe passes; a 429 cools a
 * key down for its Retry-After and never disables it. Every transition is a system log row.
 */
let harness: RelayHarness
let key: string
const keyOf = (request: { headers: Record<string, string> }) => request.headers.authorization?.replace('Bearer ', '')
const unauthorized = () => Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 })
const slowDown = (seconds: number) => Response.json({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }, { status: 429, headers: { 'retry-after': String(seconds) } })
const chat = (model: string) => harness.client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
const statusOf = (id: number) => harness.server.caches.routing.byId.get(id)?.status

async function until(condition: () => boolean, ms = 5000) {
  for (const deadline = Date.now() + ms; !condition() && Date.now() < deadline;) await Bun.sleep(20)
  return condition()
}

async function channelEvents(channelId: number): Promise<{ kind: string; content: string; next?: number }[]> {
  await harness.server.flushUsage()
  const rows = (await harness.root.call('GET', '/api/log/?type=4&page_size=100')).body.data.items as { channel: number; content: string; other: string }[]
  return rows.filter((row) => row.channel === channelId).reverse().map((row) => {
    const other = JSON.parse(row.other) as { channel_event: string; next_probe_seconds?: number }
    return { kind: other.channel_event, content: row.content, next: other.next_probe_seconds }
  })
}

beforeAll(async () => {
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.setOption('ModelRatio', { 'flaky-model': 1, 'limited-model': 1, 'multi-limited': 1, 'probe-model': 1 })
  await harness.setOption('ChannelFailureThreshold', 3)
  await harness.setOption('ChannelProbeDelaySeconds', 1)
  // A 429 is listed as disable-worthy on purpose: the cool-down must win over it.
  await harness.setOption('AutomaticDisableStatusCodes', '401,429')
})
afterAll(() => harness.dispose())

describe('failover without flapping', () => {
  test('a key failing every other request is disabled on its third failure, then re-enabled by a passing probe', async () => {
    const id = await harness.addChannel({ name: 'flaky', key: 'key-flaky', models: 'flaky-model' })
    let calls = 0
    let healed = false
    harness.upstream.setOptions({ onRequest: (request) => (keyOf(request) === 'key-flaky' && !healed && calls++ % 2 === 0 ? unauthorized() : undefined) })
    const outcomes: string[] = []
    for (let request = 0; request < 5; request++) {
      outcomes.push(await chat('flaky-model').then(() => 'ok', (error: { status: number }) => String(error.status)))
      // Disabling runs after the answer: give it the time it would need before checking it did not happen.
      if (request < 4) {
        await Bun.sleep(40)
        expect(statusOf(id)).toBe(1)
      }
    }
    expect(outcomes).toEqual(['401', 'ok', '401', 'ok', '401'])
    expect(await until(() => statusOf(id) === 3)).toBe(true)

    healed = true
    expect(await until(() => statusOf(id) === 1, 4000)).toBe(true)
    expect((await chat('flaky-model')).choices.length).toBe(1)
    const events = await channelEvents(id)
    expect(events.map((event) => event.kind)).toEqual(['disabled', 'enabled'])
    expect(events[0]!.content).toContain('Incorrect API key provided')
    expect(events[0]!.next).toBe(1)
  })

  test('a failing probe keeps the key disabled and waits twice as long for the next', async () => {
    await harness.setOption('ChannelFailureThreshold', 1)
    const id = await harness.addChannel({ name: 'dead', key: 'key-dead', models: 'probe-model' })
    harness.upstream.setOptions({ onRequest: (request) => (keyOf(request) === 'key-dead' ? unauthorized() : undefined) })
    await chat('probe-model').catch(() => undefined)
    expect(await until(() => statusOf(id) === 3)).toBe(true)
    let events = await channelEvents(id)
    for (const deadline = Date.now() + 4000; events.length < 2 && Date.now() < deadline; events = await channelEvents(id)) await Bun.sleep(100)
    expect(events.map((event) => event.kind)).toEqual(['disabled', 'probe_failed'])
    expect(events[1]!.next).toBe(2)
    expect(statusOf(id)).toBe(3)
    await harness.setOption('ChannelFailureThreshold', 3)
  })

  test('a 429 cools the channel down for its Retry-After and never disables it', async () => {
    const limited = await harness.addChannel({ name: 'limited', key: 'key-limited', models: 'limited-model' })
    const spare = await harness.addChannel({ name: 'spare', key: 'key-spare', models: 'limited-model' })
    const seen: string[] = []
    harness.upstream.setOptions({
      onRequest: (request) => {
        seen.push(keyOf(request)!)
        return keyOf(request) === 'key-limited' ? slowDown(2) : undefined
      },
    })
    // Until the limited channel is met once, either may answer; after that only the spare does, for 2 s.
    for (let request = 0; request < 20 && !seen.includes('key-limited'); request++) await chat('limited-model').catch(() => undefined)
    expect(seen).toContain('key-limited')
    seen.length = 0
    for (let request = 0; request < 10; request++) expect((await chat('limited-model')).choices.length).toBe(1)
    expect(new Set(seen)).toEqual(new Set(['key-spare']))
    expect(statusOf(limited)).toBe(1)

    // Once the cool-down is over the limited channel is tried again; many 429s still never disable it.
    await Bun.sleep(2100)
    seen.length = 0
    for (let request = 0; request < 40 && !seen.includes('key-limited'); request++) await chat('limited-model').catch(() => undefined)
    expect(seen).toContain('key-limited')
    expect(statusOf(limited)).toBe(1)
    expect(statusOf(spare)).toBe(1)
    const events = await channelEvents(limited)
    expect(events.map((event) => event.kind)).toEqual(['cooling', 'cooling'])
    expect(events[0]!.content).toContain('HTTP 429 for 2 s')
  })

  test('on a multi-key channel only the limited key cools; when every candidate cools the client hears the 429', async () => {
    const created = await harness.root.call('POST', '/api/channel/', { mode: 'multi_to_single', multi_key_mode: 'random', channel: { type: 1, name: 'multi-limited', key: 'key-a\nkey-b', base_url: harness.upstream.url, models: 'multi-limited' } })
    const id = created.body.data[0].id as number
    const seen: string[] = []
    let everyKeyLimited = false
    harness.upstream.setOptions({
      onRequest: (request) => {
        seen.push(keyOf(request)!)
        return keyOf(request) === 'key-a' || everyKeyLimited ? slowDown(30) : undefined
      },
    })
    for (let request = 0; request < 20 && !seen.includes('key-a'); request++) await chat('multi-limited').catch(() => undefined)
    seen.length = 0
    for (let request = 0; request < 8; request++) await chat('multi-limited')
    expect(new Set(seen)).toEqual(new Set(['key-b']))

    everyKeyLimited = true
    await chat('multi-limited').catch(() => undefined) // key-b cools too: the whole channel now cools
    const refused = await chat('multi-limited').then(() => undefined, (error: { status: number; headers: Headers }) => error)
    expect(refused?.status).toBe(429)
    expect(harness.server.caches.routing.byId.get(id)?.keyStatus).toEqual([1, 1])
  })
})
