import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Replicate channels (type 56) end to end: the real gateway, the official OpenAI SDK as the client, and a local
 * Replicate following its HTTP API reference: a bearer API token on every call (problem-details 401 otherwise),
 * predictions created at `/v1/models/{owner}/{name}/predictions`, held while `Prefer: wait`, polled at
 * `/v1/predictions/{id}`, and streamed from `urls.stream` as `output` / `error` / `done` events.
 */

const TOKEN = 'r8_test_token'
const LLAMA = 'meta/meta-llama-3-70b-instruct'
const FLUX = 'black-forest-labs/flux-schnell'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let origin: string
let key: string
let channelId: number
const seen: { method: string; path: string; authorization: string | null; prefer: string | null; body?: Record<string, any> }[] = []
/** Polls still to answer `processing` before a slow prediction succeeds. */
let slowPollsLeft = 0

const fixture = (name: string) => readFixtureText(`replicate/${name}`).replaceAll('https://api.replicate.com', origin).replaceAll('https://stream.replicate.com', origin)
  .replaceAll('https://replicate.delivery', `${origin}/delivery`)
const json = (text: string, status: number) => new Response(text, { status, headers: { 'content-type': 'application/json' } })

async function replicate(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const body = request.method === 'POST' ? await request.json() as Record<string, any> : undefined
  seen.push({ method: request.method, path: url.pathname, authorization: request.headers.get('authorization'), prefer: request.headers.get('prefer'), body })
  // Replicate's file host serves the outputs to anyone holding the URL.
  if (request.method === 'GET' && url.pathname.startsWith('/delivery/')) return new Response(new TextEncoder().encode(`image ${url.pathname}`), { headers: { 'content-type': 'image/webp' } })
  if (request.headers.get('authorization') !== `Bearer ${TOKEN}`) return json(readFixtureText('replicate/replicate-401.json'), 401)
  if (request.method === 'POST' && url.pathname === `/v1/models/${LLAMA}/predictions`) {
    if (typeof body?.input?.prompt !== 'string') return json(readFixtureText('replicate/replicate-422.json'), 422)
    if (body.stream === true) return json(fixture('replicate-llama-starting.json'), 201)
    if (request.headers.get('prefer') !== 'wait') return json(fixture('replicate-llama-starting.json'), 201)
    if (body.input.prompt === 'fail please') return json(fixture('replicate-llama-failed.json'), 201)
    if (body.input.prompt === 'slow please') {
      // The wait ran out: the prediction is answered as it is, still processing.
      slowPollsLeft = 1
      return json(fixture('replicate-llama-processing.json'), 201)
    }
    return json(fixture('replicate-llama-succeeded.json'), 201)
  }
  if (request.method === 'POST' && url.pathname === `/v1/models/${FLUX}/predictions`) return json(fixture('replicate-flux-succeeded.json'), 201)
  if (request.method === 'POST' && url.pathname.startsWith('/v1/models/')) return json(readFixtureText('replicate/replicate-404.json'), 404)
  if (request.method === 'GET' && url.pathname === '/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu') {
    if (slowPollsLeft-- > 0) return json(fixture('replicate-llama-processing.json'), 200)
    return json(fixture('replicate-llama-succeeded.json'), 200)
  }
  if (request.method === 'GET' && url.pathname === '/v1/predictions/rrr4z55ocneqzikepnug6xezpe') return json(fixture('replicate-llama-stream-succeeded.json'), 200)
  if (request.method === 'GET' && url.pathname.startsWith('/v1/files/')) {
    if (request.headers.get('accept') !== 'text/event-stream') return json('{"detail": "expected an event stream"}', 406)
    return new Response(readFixtureText(streamFails ? 'replicate/replicate-stream-error.sse.txt' : 'replicate/replicate-stream.sse.txt'), { headers: { 'content-type': 'text/event-stream' } })
  }
  return json(readFixtureText('replicate/replicate-404.json'), 404)
}
let streamFails = false

beforeAll(async () => {
  mock = Bun.serve({ port: 0, fetch: replicate })
  origin = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  channelId = await harness.addChannel({ type: 56, name: 'replicate', key: TOKEN, base_url: origin, models: `${LLAMA},${FLUX},meta/unknown-model` })
  await harness.addChannel({ type: 56, name: 'replicate-bad-token', key: 'r8_wrong', base_url: origin, models: 'llama-wrong-token', model_mapping: JSON.stringify({ 'llama-wrong-token': LLAMA }), auto_ban: 0 })
  await harness.setOption('ModelRatio', { [LLAMA]: 1, 'llama-wrong-token': 1, 'meta/unknown-model': 1 })
  await harness.setOption('CompletionRatio', { [LLAMA]: 1 })
  await harness.setOption('ModelPrice', { [FLUX]: 0.003 })
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

async function lastRow(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${encodeURIComponent(model)}&page_size=1`)).body.data.items[0]
  return { ...row, other: JSON.parse(row.other) }
}

describe('Replicate channels through the gateway', () => {
  test('OpenAI SDK, non-stream: the prediction waited for with the token, the output joined, billed from its metrics', async () => {
    seen.length = 0
    const completion = await harness.client(key).chat.completions.create({ model: LLAMA, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], max_tokens: 64 })
    expect(completion.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(completion.usage).toMatchObject({ prompt_tokens: 23, completion_tokens: 7 })
    expect(seen).toEqual([{ method: 'POST', path: `/v1/models/${LLAMA}/predictions`, authorization: `Bearer ${TOKEN}`, prefer: 'wait', body: { input: { prompt: 'Capital of France?', system_prompt: 'Be brief.', max_tokens: 64 } } }])
    const row = await lastRow(LLAMA)
    expect([row.prompt_tokens, row.completion_tokens, row.quota]).toEqual([23, 7, 30])
  })

  test('OpenAI SDK, stream: created with stream: true, read from urls.stream, usage from the finished prediction', async () => {
    seen.length = 0
    const stream = await harness.client(key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'Capital of France?' }], stream: true, stream_options: { include_usage: true } })
    let content = ''
    let usage: any
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(content).toBe('The capital of France is\nParis.')
    expect(usage).toMatchObject({ prompt_tokens: 23, completion_tokens: 7 })
    expect(seen.map((call) => [call.method, call.path, call.authorization, call.prefer])).toEqual([
      ['POST', `/v1/models/${LLAMA}/predictions`, `Bearer ${TOKEN}`, null],
      ['GET', '/v1/files/bcwr-3okdfv3o2wehstq5di24gfwthkfs4nr6o5j3mzjjfrkwolo2mv4q', `Bearer ${TOKEN}`, null],
      ['GET', '/v1/predictions/rrr4z55ocneqzikepnug6xezpe', `Bearer ${TOKEN}`, null],
    ])
    expect(seen[0]!.body).toEqual({ input: { prompt: 'Capital of France?' }, stream: true })
    const row = await lastRow(LLAMA)
    expect([row.prompt_tokens, row.completion_tokens]).toEqual([23, 7])
  })

  test('the console\'s channel test runs a chat prediction on the channel', async () => {
    seen.length = 0
    const result = await harness.root.call('GET', `/api/channel/test/${channelId}?model=${encodeURIComponent(LLAMA)}`)
    expect(result.body.success).toBe(true)
    expect(seen[0]).toMatchObject({ method: 'POST', path: `/v1/models/${LLAMA}/predictions`, authorization: `Bearer ${TOKEN}` })
  })

  test('a slow prediction (still processing when the wait ends) is polled until it succeeds', async () => {
    seen.length = 0
    const completion = await harness.client(key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'slow please' }] })
    expect(completion.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(seen.map((call) => `${call.method} ${call.path}`)).toEqual([
      `POST /v1/models/${LLAMA}/predictions`, 'GET /v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu', 'GET /v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu',
    ])
  })

  test('failures: a failed prediction is a 502 with its error (in-stream for a stream), a bad token a 401, an unknown model a 404', async () => {
    const client = harness.client(key)
    seen.length = 0
    const failed = await client.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'fail please' }] }).catch((caught) => caught)
    expect(failed.status).toBe(502)
    expect(failed.message).toContain('CUDA error: out of memory')
    // One channel serves the model: the failed run is not repeated (Replicate bills its predict time)
    expect(seen).toHaveLength(1)
    streamFails = true
    try {
      const stream = await client.chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'hi' }], stream: true })
      const error = await (async () => { for await (const _ of stream) { /* drain */ } })().catch((caught) => caught)
      expect(String(error?.message ?? error)).toContain('CUDA error: out of memory')
    } finally {
      streamFails = false
    }
    const badToken = await client.chat.completions.create({ model: 'llama-wrong-token', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(badToken.status).toBe(401)
    expect(badToken.message).toContain('You did not pass a valid authentication token')
    const unknown = await client.chat.completions.create({ model: 'meta/unknown-model', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(unknown.status).toBe(404)
  })

  test('images.generate: n → num_outputs, size → aspect_ratio, the output URLs as data[].url, billed ModelPrice × images', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: FLUX, prompt: 'a red fox in the snow', n: 2, size: '1792x1024' })
    expect(result.data!.map((image) => image.url)).toEqual([`${origin}/delivery/xezq/fox-0.webp`, `${origin}/delivery/xezq/fox-1.webp`])
    expect(seen).toEqual([{ method: 'POST', path: `/v1/models/${FLUX}/predictions`, authorization: `Bearer ${TOKEN}`, prefer: 'wait', body: { input: { prompt: 'a red fox in the snow', aspect_ratio: '16:9', num_outputs: 2 } } }])
    const row = await lastRow(FLUX)
    // 0.003 USD × 500 000 quota/USD × 2 images
    expect(row.quota).toBe(3000)
    expect(row.other.billed_for).toMatchObject({ n: 2 })
  })

  test('images.generate with response_format b64_json: the output images downloaded and sent inline', async () => {
    seen.length = 0
    const result = await harness.client(key).images.generate({ model: FLUX, prompt: 'a red fox in the snow', response_format: 'b64_json' })
    expect(result.data!.map((image) => Buffer.from(image.b64_json!, 'base64').toString())).toEqual(['image /delivery/xezq/fox-0.webp', 'image /delivery/xezq/fox-1.webp'])
    expect(result.data!.every((image) => image.url === undefined)).toBe(true)
    expect(seen.map((call) => `${call.method} ${call.path}`)).toEqual([`POST /v1/models/${FLUX}/predictions`, 'GET /delivery/xezq/fox-0.webp', 'GET /delivery/xezq/fox-1.webp'])
  })
})
