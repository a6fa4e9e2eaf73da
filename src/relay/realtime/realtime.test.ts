import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { OpenAIRealtimeWS } from 'openai/realtime/ws'
import { referenceUsage, startMockRealtimeUpstream, type MockRealtimeUpstream } from '../../../bench/mock-realtime-upstream.ts'
import { selfSignedCertificate } from '../../testing/certificates.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { startCuttableProxy, type CuttableProxy } from '../../testing/tcp-proxy.ts'

/**
 * Realtime sessions end to end: the openai SDK's realtime WebSocket client (through a TLS front, as the SDK only
 * speaks wss://) and a browser-style client (Bun's WebSocket with the key in its subprotocols), a real gateway,
 * and a mock realtime upstream that follows OpenAI's realtime API reference, on OpenAI and Azure channels.
 */

const MODEL = 'gpt-realtime'
// The reference response.done's usage (bench/mock-realtime-upstream.ts), priced: text in 55 + cached 64 × 0.1 +
// audio in 8 × AudioRatio 8 + text out 36 × CompletionRatio 4 + audio out 112 × 8 × AudioCompletionRatio 2,
// all × ModelRatio 2 = 4122.8 → 4123.
const RESPONSE_QUOTA = 4123

let harness: RelayHarness
let upstream: MockRealtimeUpstream
let tlsFront: CuttableProxy | undefined
let certificate: { cert: string; key: string } | undefined

type Event = { type: string; [field: string]: unknown }

/** A browser-style session: the key in the subprotocols, frames collected, helpers to wait for events and the close. */
function browserSession(key: string, model = MODEL, protocols: string[] = []) {
  const events: Event[] = []
  const waiters: { type: string; resolve: (event: Event) => void }[] = []
  const socket = new WebSocket(`${harness.server.url.replace('http', 'ws')}/v1/realtime?model=${model}`, ['realtime', `openai-insecure-api-key.${key}`, ...protocols])
  const opened = new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve()
    socket.onerror = () => reject(new Error('the WebSocket failed to open'))
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) => { socket.onclose = (event) => resolve({ code: event.code, reason: event.reason }) })
  socket.onmessage = (message) => {
    const event = JSON.parse(String(message.data)) as Event
    events.push(event)
    for (const waiter of waiters.filter((candidate) => candidate.type === event.type)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(event)
    }
  }
  const next = (type: string) => new Promise<Event>((resolve) => waiters.push({ type, resolve }))
  return { socket, events, opened, closed, next, send: (event: unknown) => socket.send(JSON.stringify(event)) }
}

const ask = (text: string) => [
  { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } },
  { type: 'response.create', response: { output_modalities: ['text'] } },
]

async function realtimeRows(tokenName?: string) {
  await harness.server.flushUsage()
  const rows = (await harness.root.call('GET', `/api/log/?type=2&model_name=${MODEL}&page_size=100${tokenName ? `&token_name=${tokenName}` : ''}`)).body.data.items as { quota: number; prompt_tokens: number; completion_tokens: number; channel: number; token_name: string; other: string; is_stream: boolean }[]
  return rows.map((row) => ({ ...row, other: JSON.parse(row.other) }))
}

beforeAll(async () => {
  upstream = startMockRealtimeUpstream({ key: 'sk-upstream' })
  harness = await startRelayHarness()
  await harness.setOption('ModelRatio', { [MODEL]: 2, 'gpt-realtime-mini': 2 })
  await harness.setOption('CompletionRatio', { [MODEL]: 4, 'gpt-realtime-mini': 4 })
  await harness.setOption('CacheRatio', { [MODEL]: 0.1 })
  await harness.setOption('AudioRatio', { [MODEL]: 8 })
  await harness.setOption('AudioCompletionRatio', { [MODEL]: 2 })
  // An OpenAI channel (type 1); the Azure ones are added by their describe block.
  await harness.addChannel({ name: 'openai-realtime', base_url: upstream.url, models: `${MODEL},gpt-realtime-mini`, model_mapping: JSON.stringify({ 'gpt-realtime-mini': 'gpt-realtime-mini-2025-10-06' }) })
  certificate = selfSignedCertificate()
  if (certificate) tlsFront = startCuttableProxy({ hostname: '127.0.0.1', port: harness.server.port }, { tls: certificate })
}, 30_000) // openssl makes an RSA key, slow on a loaded machine

afterAll(async () => {
  tlsFront?.stop()
  await harness.dispose()
  await upstream.stop()
})

describe('realtime over an OpenAI channel', () => {
  test.skipIf(!Bun.which('openssl'))('the openai SDK streams a text response; the response is billed and logged as a realtime row', async () => {
    const { key } = await harness.addToken({ name: 'sdk' })
    const client = new OpenAI({ apiKey: key, baseURL: `https://localhost:${tlsFront!.port}/v1` })
    const realtime = new OpenAIRealtimeWS({ model: MODEL, options: { ca: certificate!.cert } as never }, client)
    const errors: Error[] = []
    realtime.on('error', (error) => errors.push(error))
    let text = ''
    realtime.on('response.output_text.delta', (event) => { text += event.delta })
    const created = await new Promise<{ session: { id?: string } }>((resolve) => realtime.on('session.created', (event) => resolve(event as never)))
    const done = new Promise<{ response: { usage?: unknown } }>((resolve) => realtime.on('response.done', (event) => resolve(event as never)))
    for (const event of ask('Say hello')) realtime.send(event as never)
    const finished = await done
    expect(text).toBe('Hello from the realtime mock.')
    expect(finished.response.usage).toEqual(referenceUsage)
    const closed = new Promise<number>((resolve) => realtime.socket.on('close', (code: number) => resolve(code)))
    realtime.close({ code: 1000, reason: 'done' })
    expect(await closed).toBe(1000)
    expect(errors).toEqual([])

    const connection = upstream.connections.at(-1)!
    expect(connection.path).toBe(`/v1/realtime?model=${MODEL}`)
    expect(connection.headers.authorization).toBe('Bearer sk-upstream')
    const [row] = await realtimeRows('sdk')
    expect(row!.quota).toBe(RESPONSE_QUOTA)
    expect(row!.prompt_tokens).toBe(127)
    expect(row!.completion_tokens).toBe(148)
    expect(row!.is_stream).toBe(true)
    expect(row!.other).toMatchObject({ realtime: true, session_id: created.session.id, audio_input_tokens: 8, audio_output_tokens: 112, audio_ratio: 8, audio_completion_ratio: 2, request_path: '/v1/realtime' })
    expect(row!.other.response_id).toStartWith('resp_')
    expect(row!.other.usage_estimated).toBeUndefined()
  })

  test('a browser-style client (key in the subprotocols) gets the realtime subprotocol, the beta events, and one row per response', async () => {
    const { key, id } = await harness.addToken({ name: 'browser', unlimited_quota: false, remain_quota: 100_000 })
    const session = browserSession(key, MODEL, ['openai-beta.realtime-v1'])
    await session.opened
    expect(session.socket.protocol).toBe('realtime')
    await session.next('session.created')
    for (let round = 0; round < 2; round++) {
      const done = session.next('response.done')
      for (const event of ask(`question ${round}`)) session.send(event)
      await done
    }
    expect(session.events.filter((event) => event.type === 'response.text.delta').map((event) => event.delta).join('')).toBe('Hello from the realtime mock.Hello from the realtime mock.')
    expect(upstream.connections.at(-1)!.headers['openai-beta']).toBe('realtime=v1')
    session.socket.close(1000)
    await session.closed
    const rows = await realtimeRows('browser')
    expect(rows.map((row) => row.quota)).toEqual([RESPONSE_QUOTA, RESPONSE_QUOTA])
    expect(new Set(rows.map((row) => row.other.response_id)).size).toBe(2)
    // Both responses charged, the session's reservation released: exactly two responses' worth is gone.
    const token = (await harness.root.call('GET', `/api/token/${id}`)).body.data
    expect(token.remain_quota).toBe(100_000 - 2 * RESPONSE_QUOTA)
  })

  test('recorded upstream frames reach the client byte for byte', async () => {
    upstream.setOptions({ replay: 'openai-realtime/openai-realtime-speech-translation.chunks.txt' })
    try {
      const recorded = (await Bun.file(new URL('../../testing/fixtures/upstream/openai-realtime/openai-realtime-speech-translation.chunks.txt', import.meta.url)).text()).split('\n').filter((line) => line.trim())
      const { key } = await harness.addToken({ name: 'replay' })
      const frames: string[] = []
      const session = browserSession(key)
      session.socket.onmessage = (message) => frames.push(String(message.data))
      await session.opened
      while (frames.length < recorded.length) await Bun.sleep(5)
      expect(frames).toEqual(recorded)
      session.socket.close(1000)
      await session.closed
    } finally {
      upstream.setOptions({ replay: undefined })
    }
  })

  test('model_mapping renames the model for the upstream; the row keeps the asked name', async () => {
    const { key } = await harness.addToken({ name: 'mapped' })
    const session = browserSession(key, 'gpt-realtime-mini')
    await session.next('session.created')
    expect(upstream.connections.at(-1)!.path).toBe('/v1/realtime?model=gpt-realtime-mini-2025-10-06')
    session.socket.close(1000)
    await session.closed
  })

  test('a malformed client frame is forwarded; the upstream answers with its own error event and the session stays open', async () => {
    const { key } = await harness.addToken({ name: 'malformed' })
    const session = browserSession(key)
    await session.next('session.created')
    const error = session.next('error')
    session.socket.send('{not json')
    expect(((await error).error as { code: string }).code).toBe('invalid_json')
    expect(upstream.connections.at(-1)!.received).toContain('{not json')
    const done = session.next('response.done')
    for (const event of ask('still there?')) session.send(event)
    await done
    session.socket.close(1000)
    await session.closed
  })

  test('a client frame over 16 MiB closes the session with 1009, and the upstream is closed too', async () => {
    const { key } = await harness.addToken({ name: 'oversize' })
    const session = browserSession(key)
    await session.next('session.created')
    const connection = upstream.connections.at(-1)!
    session.socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(16 * 1024 * 1024 + 16) }))
    expect((await session.closed).code).toBe(1009)
    while (!connection.closed) await Bun.sleep(10)
    expect(connection.received).toEqual([])
  })
})

describe('realtime over Azure channels', () => {
  const AZURE_MODEL = 'gpt-realtime-azure'
  beforeAll(async () => {
    await harness.setOption('ModelRatio', { [MODEL]: 2, 'gpt-realtime-mini': 2, [AZURE_MODEL]: 2, 'gpt-realtime-azure-ga': 2 })
    await harness.addChannel({ type: 3, name: 'azure-preview', base_url: upstream.url, other: '2025-04-01-preview', models: AZURE_MODEL, model_mapping: JSON.stringify({ [AZURE_MODEL]: 'rt-deploy' }) })
    await harness.addChannel({ type: 3, name: 'azure-ga', base_url: upstream.url, other: 'v1', models: 'gpt-realtime-azure-ga', model_mapping: JSON.stringify({ 'gpt-realtime-azure-ga': 'rt-deploy-ga' }) })
  })

  test.skipIf(!Bun.which('openssl'))('the openai SDK reaches a preview deployment (api-version, deployment, api-key header) and the response is billed', async () => {
    const { key } = await harness.addToken({ name: 'sdk-azure' })
    const client = new OpenAI({ apiKey: key, baseURL: `https://localhost:${tlsFront!.port}/v1` })
    const realtime = new OpenAIRealtimeWS({ model: AZURE_MODEL, options: { ca: certificate!.cert } as never }, client)
    realtime.on('error', () => {})
    let text = ''
    realtime.on('response.output_text.delta', (event) => { text += event.delta })
    await new Promise((resolve) => realtime.on('session.created', resolve))
    const done = new Promise((resolve) => realtime.on('response.done', resolve))
    for (const event of ask('Hello Azure')) realtime.send(event as never)
    await done
    expect(text).toBe('Hello from the realtime mock.')
    const connection = upstream.connections.at(-1)!
    expect(connection.path).toBe('/openai/realtime?api-version=2025-04-01-preview&deployment=rt-deploy')
    expect(connection.headers['api-key']).toBe('sk-upstream')
    expect(connection.headers.authorization).toBeUndefined()
    const closed = new Promise((resolve) => realtime.socket.on('close', resolve))
    realtime.close()
    await closed
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${AZURE_MODEL}&page_size=1`)).body.data.items[0]
    expect(row.quota).toBeGreaterThan(0)
    expect(JSON.parse(row.other)).toMatchObject({ realtime: true, is_model_mapped: true, upstream_model_name: 'rt-deploy' })
  })

  test('a browser-style client reaches the GA API (/openai/v1/realtime?model=<deployment>)', async () => {
    const { key } = await harness.addToken({ name: 'browser-azure' })
    const session = browserSession(key, 'gpt-realtime-azure-ga')
    await session.next('session.created')
    const done = session.next('response.done')
    for (const event of ask('Hello GA')) session.send(event)
    await done
    expect(upstream.connections.at(-1)!.path).toBe('/openai/v1/realtime?model=rt-deploy-ga')
    session.socket.close(1000)
    await session.closed
    await harness.server.flushUsage()
    expect((await harness.root.call('GET', '/api/log/?type=2&model_name=gpt-realtime-azure-ga&page_size=5')).body.data.items.length).toBe(1)
  })

  test('a channel that refuses the connection is skipped for the next one before any frame is relayed', async () => {
    await harness.setOption('RetryTimes', 1)
    try {
      const failing = await harness.addChannel({ name: 'bad-key', key: 'sk-wrong', base_url: upstream.url, models: 'gpt-realtime-retry', priority: 10 })
      const working = await harness.addChannel({ name: 'good-key', base_url: upstream.url, models: 'gpt-realtime-retry', priority: 0 })
      await harness.setOption('ModelRatio', { [MODEL]: 2, 'gpt-realtime-mini': 2, [AZURE_MODEL]: 2, 'gpt-realtime-azure-ga': 2, 'gpt-realtime-retry': 2 })
      const { key } = await harness.addToken({ name: 'retry' })
      const refusedBefore = upstream.refused
      const session = browserSession(key, 'gpt-realtime-retry')
      await session.next('session.created')
      expect(upstream.refused).toBe(refusedBefore + 1)
      const done = session.next('response.done')
      for (const event of ask('retry')) session.send(event)
      await done
      session.socket.close(1000)
      await session.closed
      await harness.server.flushUsage()
      const row = (await harness.root.call('GET', '/api/log/?type=2&model_name=gpt-realtime-retry&page_size=1')).body.data.items[0]
      expect(row.channel).toBe(working)
      expect(JSON.parse(row.other).admin_info.use_channel).toEqual([failing, working])
    } finally {
      await harness.setOption('RetryTimes', 0)
    }
  })
})

describe('refusals happen before the upgrade', () => {
  const upgrade = (query: string, headers: Record<string, string>) => fetch(`${harness.server.url}/v1/realtime${query}`, {
    headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
  })

  test('a missing or bad key is a 401 and no WebSocket', async () => {
    const before = upstream.connections.length
    expect((await upgrade(`?model=${MODEL}`, {})).status).toBe(401)
    const bad = await upgrade(`?model=${MODEL}`, { 'sec-websocket-protocol': 'realtime, openai-insecure-api-key.sk-wrong' })
    expect(bad.status).toBe(401)
    expect((await bad.json()).error.message).toBe('Invalid token')
    expect(upstream.connections.length).toBe(before)
  })

  test('an unknown model is a 404 and an unpriced one a 400, before any upstream connection', async () => {
    const { key } = await harness.addToken({ name: 'refusals' })
    const before = upstream.connections.length
    const unknown = await upgrade('?model=no-such-model', { authorization: `Bearer ${key}` })
    expect(unknown.status).toBe(404)
    expect((await unknown.json()).error.code).toBe('model_not_found')
    await harness.addChannel({ name: 'unpriced', base_url: upstream.url, models: 'gpt-realtime-unpriced' })
    const unpriced = await upgrade('?model=gpt-realtime-unpriced', { authorization: `Bearer ${key}` })
    expect(unpriced.status).toBe(400)
    expect((await unpriced.json()).error.code).toBe('model_price_error')
    expect(upstream.connections.length).toBe(before)
  })

  test('a token limited to other models is refused with 403; a plain GET is told to upgrade (426)', async () => {
    const { key } = await harness.addToken({ name: 'limited', model_limits_enabled: true, model_limits: 'gpt-4o-mini' })
    expect((await upgrade(`?model=${MODEL}`, { authorization: `Bearer ${key}` })).status).toBe(403)
    expect((await fetch(`${harness.server.url}/v1/realtime?model=${MODEL}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(426)
  })

  test('a session holds a concurrency slot while open: a second one is a 429 with Retry-After, and the slot comes back at close', async () => {
    const { key } = await harness.addToken({ name: 'one-at-a-time', concurrency_limit: 1, tpm_limit: 200 })
    const first = browserSession(key)
    await first.opened
    await first.next('session.created')
    const before = upstream.connections.length
    const second = await upgrade(`?model=${MODEL}`, { authorization: `Bearer ${key}` })
    expect(second.status).toBe(429)
    expect(second.headers.get('retry-after')).toBe('1')
    expect((await second.json()).error.message).toContain('concurrency_limit')
    expect(upstream.connections.length).toBe(before)
    // One response: its 275 tokens fill the 200-token window, so the next session is refused for TPM.
    for (const event of ask('Say hello')) first.send(event)
    await first.next('response.done')
    first.socket.close(1000)
    await first.closed
    let refused: Response | undefined
    for (let attempt = 0; attempt < 50; attempt++) {
      refused = await upgrade(`?model=${MODEL}`, { authorization: `Bearer ${key}` })
      if (!(await refused.clone().text()).includes('concurrency_limit')) break
      await Bun.sleep(20)
    }
    expect(refused!.status).toBe(429)
    expect((await refused!.json()).error.message).toContain('tpm_limit')
  })
})

describe('quota and disconnects', () => {
  test('a token that runs out mid-session gets an error event and the session closes (1008); every response seen is billed', async () => {
    await harness.setOption('PreConsumedQuota', 500)
    // Each response reserves 500 × CompletionRatio 4 × ModelRatio 2 = 4000 and costs 4123: after two, 754 is left.
    const { key, id } = await harness.addToken({ name: 'runs-out', unlimited_quota: false, remain_quota: 9000 })
    const session = browserSession(key)
    await session.next('session.created')
    for (let round = 0; round < 2; round++) {
      const done = session.next('response.done')
      for (const event of ask(`round ${round}`)) session.send(event)
      await done
    }
    const error = await session.next('error')
    expect((error.error as { code: string }).code).toBe('insufficient_quota')
    expect((await session.closed).code).toBe(1008)
    const rows = await realtimeRows('runs-out')
    expect(rows.length).toBe(2)
    const token = (await harness.root.call('GET', `/api/token/${id}`)).body.data
    expect(token.remain_quota).toBe(9000 - 2 * RESPONSE_QUOTA)
    // With 754 left a new session is refused at the upgrade.
    const refused = await fetch(`${harness.server.url}/v1/realtime?model=${MODEL}`, { headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', authorization: `Bearer ${key}` } })
    expect(refused.status).toBe(403)
  })

  test('a client that closes right after response.done is billed for it; the upstream is closed with the client\'s code', async () => {
    const { key } = await harness.addToken({ name: 'leaves' })
    const session = browserSession(key)
    await session.next('session.created')
    const connection = upstream.connections.at(-1)!
    session.socket.onmessage = (message) => {
      if (JSON.parse(String(message.data)).type === 'response.done') session.socket.close(4001, 'bye')
    }
    for (const event of ask('quick one')) session.send(event)
    await session.closed
    while (!connection.closed) await Bun.sleep(10)
    expect(connection.closed).toEqual({ code: 4001, reason: 'bye' })
    expect((await realtimeRows('leaves')).map((row) => row.quota)).toEqual([RESPONSE_QUOTA])
  })

  test('a client that leaves in the middle of a response is billed for what was relayed of it, flagged as counted', async () => {
    upstream.setOptions({ deltas: 8, deltaIntervalMs: 50 })
    try {
      const { key } = await harness.addToken({ name: 'leaves-mid-response' })
      const session = browserSession(key)
      await session.next('session.created')
      const firstDelta = session.next('response.output_text.delta')
      for (const event of ask('a long answer please')) session.send(event)
      await firstDelta
      session.socket.close(1000)
      await session.closed
      const [row] = await realtimeRows('leaves-mid-response')
      expect(row!.other).toMatchObject({ realtime: true, usage_estimated: true, client_disconnected: true })
      expect(row!.completion_tokens).toBeGreaterThan(0)
      expect(row!.quota).toBeGreaterThan(0)
    } finally {
      upstream.setOptions({ deltas: 4, deltaIntervalMs: 0 })
    }
  }, 30_000) // counting may start the worker pool

  test('an upstream that closes ends the client\'s session with the upstream\'s code', async () => {
    const { key, id } = await harness.addToken({ name: 'upstream-leaves', unlimited_quota: false, remain_quota: 50_000 })
    const session = browserSession(key)
    await session.next('session.created')
    session.send({ type: 'mock.close', code: 4002, reason: 'upstream done' })
    expect(await session.closed).toEqual({ code: 4002, reason: 'upstream done' })
    await harness.server.flushUsage()
    // Nothing was answered, so nothing is charged and the reservation is back.
    expect(harness.server.ledger.pendingForToken(id)).toBe(0)
    expect((await harness.root.call('GET', `/api/token/${id}`)).body.data.remain_quota).toBe(50_000)
  })

  test('an upstream that reports no usage is counted from the relayed events and flagged as estimated', async () => {
    upstream.setOptions({ omitUsage: true })
    try {
      const { key } = await harness.addToken({ name: 'estimated' })
      const session = browserSession(key)
      await session.next('session.created')
      const done = session.next('response.done')
      for (const event of ask('Count these words please')) session.send(event)
      await done
      session.socket.close(1000)
      await session.closed
      const [row] = await realtimeRows('estimated')
      expect(row!.other.usage_estimated).toBe(true)
      // Input is the conversation before the answer ("Count these words please"), output the relayed answer
      // ("Hello from the realtime mock."): the answer is longer, and not counted as input too.
      expect(row!.prompt_tokens).toBeGreaterThan(0)
      expect(row!.completion_tokens).toBeGreaterThan(row!.prompt_tokens)
      expect(row!.quota).toBeGreaterThan(0)
    } finally {
      upstream.setOptions({ omitUsage: false })
    }
  }, 30_000) // the first count starts the worker pool (tokenizer loading)

  test('a slow client pauses the upstream: a 32 MB burst arrives whole instead of overflowing the gateway', async () => {
    const { key } = await harness.addToken({ name: 'slow' })
    const session = browserSession(key)
    await session.next('session.created')
    let frames = 0
    session.socket.onmessage = (message) => { if (String(message.data).startsWith('{"type":"mock.flood.frame"')) frames++ }
    ;(session.socket as WebSocket & { pause(): void }).pause()
    session.send({ type: 'mock.flood', count: 512, bytes: 65536 })
    while (upstream.stats.floodSent < 512) await Bun.sleep(10)
    // Wait until nothing moves any more: with the client paused, the gateway must stop reading the upstream too.
    let previous = -1
    while (upstream.stats.floodSent !== previous) { previous = upstream.stats.floodSent; await Bun.sleep(100) }
    await Bun.sleep(200)
    ;(session.socket as WebSocket & { resume(): void }).resume()
    while (frames < 512 && session.socket.readyState === WebSocket.OPEN) await Bun.sleep(10)
    expect(frames).toBe(512)
    expect(session.socket.readyState).toBe(WebSocket.OPEN)
    session.socket.close(1000)
    await session.closed
   }, 30_000) // 32 MB through two sockets on a loaded machine

  test('a slow upstream pauses the client: the gateway stops reading it instead of queueing its frames', async () => {
    const { key } = await harness.addToken({ name: 'slow-upstream' })
    const session = browserSession(key)
    await session.next('session.created')
    const connection = upstream.connections.at(-1)!
    upstream.pauseReading()
    const frame = JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(1 << 20) })
    for (let index = 0; index < 48; index++) session.socket.send(frame)
    // Wait until the client's queue has not moved for half a second: with the upstream not reading, the gateway
    // must leave most of the 48 MB with the client (a gateway that kept reading would drain it to nothing).
    let previous = -1
    let stableSince = performance.now()
    while (performance.now() - stableSince < 500) {
      await Bun.sleep(50)
      if (session.socket.bufferedAmount !== previous) [previous, stableSince] = [session.socket.bufferedAmount, performance.now()]
    }
    expect(session.socket.bufferedAmount).toBeGreaterThan(24 << 20)
    upstream.resumeReading()
    while (connection.received.length < 48) await Bun.sleep(10)
    expect(connection.received.length).toBe(48)
    session.socket.close(1000)
    await session.closed
  }, 30_000) // 48 MB through two sockets on a loaded machine

  test('a session in which nothing moves for STREAMING_TIMEOUT is closed (1001)', async () => {
    await harness.setOption('StreamingTimeout', 1)
    try {
      const { key } = await harness.addToken({ name: 'silent' })
      const session = browserSession(key)
      await session.next('session.created')
      const connection = upstream.connections.at(-1)!
      const closed = await session.closed
      expect(closed.code).toBe(1001)
      expect(closed.reason).toContain('STREAMING_TIMEOUT')
      while (!connection.closed) await Bun.sleep(10)
    } finally {
      await harness.setOption('StreamingTimeout', 300)
    }
  })
})
