import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

let harness: RelayHarness
let key: string
const channelOf = (request: { headers: Record<string, string> }) => request.headers.authorization?.replace('Bearer ', '')

beforeAll(async () => {
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.setOption('RetryTimes', 2)
})
afterAll(() => harness.dispose())

/** The API error a call ends with; fails the test when the call succeeds. */
async function failureOf(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try { await promise } catch (error) { return error as InstanceType<typeof OpenAI.APIError> }
  throw new Error('expected the call to fail')
}
const chat = (model: string) => harness.client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
async function lastLog(type: number) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?type=${type}&page_size=1`)).body.data.items[0]
}

describe('retries across channels', () => {
  test('a 500 on the first channel moves to the next tier, which answers', async () => {
    const first = await harness.addChannel({ name: 'failing', key: 'key-failing', models: 'retry-model', priority: 10 })
    const second = await harness.addChannel({ name: 'healthy', key: 'key-healthy', models: 'retry-model', priority: 0 })
    await harness.setOption('ModelRatio', { 'retry-model': 1, 'no-retry-model': 1, 'auto-ban-model': 1, 'multi-model': 1 })
    const seen: string[] = []
    harness.upstream.setOptions({
      onRequest: (request) => {
        seen.push(channelOf(request)!)
        return channelOf(request) === 'key-failing' ? Response.json({ error: { message: 'boom', type: 'server_error', code: null } }, { status: 500 }) : undefined
      },
    })
    const completion = await chat('retry-model')
    expect(completion.choices[0]!.message.content).toBeTruthy()
    expect(seen).toEqual(['key-failing', 'key-healthy'])
    expect(JSON.parse((await lastLog(2)).other).admin_info.use_channel).toEqual([first, second])
  })

  test('a 400 is not retried and reaches the client with the upstream message', async () => {
    await harness.addChannel({ name: 'bad-request', key: 'key-400', models: 'no-retry-model', priority: 10 })
    await harness.addChannel({ name: 'never', key: 'key-never', models: 'no-retry-model', priority: 0 })
    const seen: string[] = []
    harness.upstream.setOptions({
      onRequest: (request) => {
        seen.push(channelOf(request)!)
        return Response.json({ error: { message: "Unsupported parameter: 'max_tokens'", type: 'invalid_request_error', param: 'max_tokens', code: 'unsupported_parameter' } }, { status: 400 })
      },
    })
    const error = await failureOf(chat('no-retry-model'))
    expect(error.status).toBe(400)
    expect(error.message).toContain("Unsupported parameter: 'max_tokens'")
    expect(seen).toEqual(['key-400'])
    const row = await lastLog(5)
    expect(row.model_name).toBe('no-retry-model')
    expect(JSON.parse(row.other)).toMatchObject({ status_code: 400, error_code: 'unsupported_parameter' })
  })

  test('status_code_mapping changes the status the client sees', async () => {
    await harness.addChannel({ name: 'mapped', key: 'key-mapped', models: 'mapped-model', status_code_mapping: '{"429":"503"}' })
    await harness.setOption('ModelRatio', { 'mapped-model': 1, 'auto-ban-model': 1, 'multi-model': 1 })
    harness.upstream.setOptions({ onRequest: () => Response.json({ error: { message: 'slow down', type: 'rate_limit', code: 'rate_limit_exceeded' } }, { status: 429 }) })
    const error = await failureOf(chat('mapped-model'))
    expect(error.status).toBe(503)
  })
})

describe('channel health', () => {
  // new-api's behaviour: the first disable-worthy failure disables (src/channels/failover.test.ts covers the window).
  beforeAll(async () => {
    await harness.setOption('ChannelFailureThreshold', 1)
    await harness.setOption('ChannelProbeDelaySeconds', 0)
  })

  test('a 401 from the upstream auto-disables the channel; the channel test re-enables it once it passes', async () => {
    const id = await harness.addChannel({ name: 'revoked', key: 'key-revoked', models: 'auto-ban-model' })
    harness.upstream.setOptions({ onRequest: (request) => (channelOf(request) === 'key-revoked' ? Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 }) : undefined) })
    expect((await failureOf(chat('auto-ban-model'))).status).toBe(401)
    for (let wait = 0; wait < 50 && harness.server.caches.routing.byId.get(id)?.status !== 3; wait++) await Bun.sleep(10)
    expect(harness.server.caches.routing.byId.get(id)?.status).toBe(3)
    const refused = await failureOf(chat('auto-ban-model'))
    expect(refused.status).toBe(503)

    const failing = await harness.root.call('GET', `/api/channel/test/${id}`)
    expect(failing.body).toMatchObject({ success: false, error_code: 'invalid_api_key' })
    harness.upstream.setOptions({ onRequest: undefined })
    const passing = await harness.root.call('GET', `/api/channel/test/${id}`)
    expect(passing.body.success).toBe(true)
    expect(passing.body.time).toBeGreaterThanOrEqual(0)
    expect((await harness.root.call('GET', '/api/channel/test')).body.success).toBe(true)
    for (let wait = 0; wait < 100 && harness.server.caches.routing.byId.get(id)?.status !== 1; wait++) await Bun.sleep(20)
    expect(harness.server.caches.routing.byId.get(id)?.status).toBe(1)
    expect((await harness.root.call('GET', `/api/channel/${id}`)).body.data.response_time).toBeGreaterThanOrEqual(0)
  })

  test('a multi-key channel disables only the failing key', async () => {
    const created = await harness.root.call('POST', '/api/channel/', { mode: 'multi_to_single', multi_key_mode: 'polling', channel: { type: 1, name: 'multi', key: 'key-good\nkey-bad', base_url: harness.upstream.url, models: 'multi-model' } })
    const id = created.body.data[0].id
    harness.upstream.setOptions({ onRequest: (request) => (channelOf(request) === 'key-bad' ? Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 }) : undefined) })
    for (let call = 0; call < 4; call++) await chat('multi-model').catch(() => undefined)
    for (let wait = 0; wait < 50 && harness.server.caches.routing.byId.get(id)?.keyStatus[1] !== 3; wait++) await Bun.sleep(10)
    const channel = harness.server.caches.routing.byId.get(id)!
    expect(channel.status).toBe(1)
    expect(channel.keyStatus).toEqual([1, 3])
    // Every request now uses the good key.
    for (let call = 0; call < 3; call++) expect((await chat('multi-model')).choices.length).toBe(1)
  })
})
