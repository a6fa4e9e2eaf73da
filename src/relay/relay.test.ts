import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

let harness: RelayHarness
let key: string

beforeAll(async () => {
  harness = await startRelayHarness()
  await harness.addChannel({ models: 'gpt-4o-mini,gpt-4.1-nano,gpt-3.5-turbo-instruct,text-embedding-3-small,o4-mini' })
  key = (await harness.addToken()).key
})
afterAll(() => harness.dispose())
beforeEach(() => harness.upstream.setOptions({ replay: undefined, onRequest: undefined, omitUsage: false, failureRate: 0 }))

async function logsFor(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?model_name=${model}&type=2&page_size=100`)).body.data.items as Record<string, any>[]
}

describe('OpenAI client through the gateway', () => {
  test('non-stream chat replays the recorded body and bills its usage', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/issue-8132-long-tool-call-id.json' })
    const completion = await harness.client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0]!.message.content).toBeTruthy()
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(0)
    const [row] = await logsFor('gpt-4o-mini')
    expect(row).toMatchObject({ prompt_tokens: completion.usage!.prompt_tokens, completion_tokens: completion.usage!.completion_tokens, is_stream: false })
    // gpt-4o-mini: ModelRatio 0.075, CompletionRatio 4, GroupRatio 1.
    expect(row!.quota).toBe(Math.round((completion.usage!.prompt_tokens + completion.usage!.completion_tokens * 4) * 0.075) || 1)
    expect(JSON.parse(row!.other)).toMatchObject({ model_ratio: 0.075, completion_ratio: 4, group_ratio: 1, admin_info: { use_channel: [expect.any(Number)] } })
  })

  test('streaming chat arrives chunk by chunk; the usage the gateway asked for is withheld', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/openai-text.chunks.txt' })
    const stream = await harness.client(key).chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true })
    let text = ''
    let chunks = 0
    let sawUsage = false
    for await (const chunk of stream) {
      chunks++
      text += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) sawUsage = true
    }
    expect(chunks).toBeGreaterThan(100)
    expect(text.length).toBeGreaterThan(100)
    expect(sawUsage).toBe(false)
    expect((harness.upstream.lastRequest!.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true })
    const [row] = await logsFor('gpt-4.1-nano')
    expect(row!.is_stream).toBe(true)
    expect(row!.prompt_tokens).toBeGreaterThan(0)
    expect(row!.completion_tokens).toBeGreaterThan(0)
  })

  test('streaming chat keeps the usage chunk when the client asked for it', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/openai-text.chunks.txt' })
    const stream = await harness.client(key).chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
    let usage: OpenAI.CompletionUsage | undefined
    for await (const chunk of stream) usage = chunk.usage ?? usage
    expect(usage?.prompt_tokens).toBeGreaterThan(0)
  })

  test('legacy completions stream', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/openai-completion-text.chunks.txt' })
    const stream = await harness.client(key).completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hello', stream: true })
    let text = ''
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? ''
    expect(text.length).toBeGreaterThan(10)
    expect((await logsFor('gpt-3.5-turbo-instruct'))[0]!.completion_tokens).toBeGreaterThan(0)
  })

  test('embeddings', async () => {
    harness.upstream.setOptions({ replay: 'openai-embeddings/openai-embedding.json' })
    const result = await harness.client(key).embeddings.create({ model: 'text-embedding-3-small', input: ['sunny day at the beach', 'rainy day in the city'] })
    expect(result.data).toHaveLength(2)
    expect(result.usage.prompt_tokens).toBeGreaterThan(0)
    expect((await logsFor('text-embedding-3-small'))[0]!.prompt_tokens).toBe(result.usage.prompt_tokens)
  })

  test('missing upstream usage is counted by the gateway', async () => {
    harness.upstream.setOptions({ omitUsage: true, responseBytes: 400 })
    const completion = await harness.client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count me please' }] })
    expect(completion.usage).toBeUndefined()
    const [row] = await logsFor('gpt-4o-mini')
    expect(row!.prompt_tokens).toBeGreaterThan(0)
    expect(row!.completion_tokens).toBeGreaterThan(50)
  })

  test('fields the gateway does not know pass to the upstream untouched', async () => {
    const raw = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x_vendor_flag":{"deep":[1,2,3]},"seed":7}'
    let received = ''
    harness.upstream.setOptions({ onRequest: (request) => { received = JSON.stringify(request.body); return undefined } })
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw })
    expect(response.status).toBe(200)
    expect(received).toBe(raw)
    // A stream gets stream_options added for usage, and keeps everything else.
    const streamed = await fetch(`${harness.server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: raw.replace('"seed":7', '"seed":7,"stream":true') })
    await streamed.text()
    expect(JSON.parse(received)).toEqual({ ...JSON.parse(raw), stream: true, stream_options: { include_usage: true } })
  })

  test('a -high suffix becomes reasoning_effort', async () => {
    await harness.client(key).chat.completions.create({ model: 'o4-mini-high', messages: [{ role: 'user', content: 'hi' }] })
    expect(harness.upstream.lastRequest!.body).toMatchObject({ model: 'o4-mini', reasoning_effort: 'high' })
  })

  test('/v1/models lists what the key may use; billing endpoints answer for key-checking tools', async () => {
    const models = await harness.client(key).models.list()
    expect(models.data.map((model) => model.id)).toContain('gpt-4o-mini')
    const subscription = await (await fetch(`${harness.server.url}/v1/dashboard/billing/subscription`, { headers: { authorization: `Bearer ${key}` } })).json()
    expect(subscription).toMatchObject({ object: 'billing_subscription', hard_limit_usd: 100000000 })
    const usage = await (await fetch(`${harness.server.url}/dashboard/billing/usage`, { headers: { authorization: `Bearer ${key}` } })).json()
    expect(usage.object).toBe('list')
    expect(usage.total_usage).toBeGreaterThan(0)
  })
})

describe('refusals in the OpenAI error shape', () => {
  const errorOf = async (promise: Promise<unknown>) => {
    try { await promise } catch (error) { return error as InstanceType<typeof OpenAI.APIError> }
    throw new Error('expected a failure')
  }
  const chat = (client: OpenAI, model = 'gpt-4o-mini') => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })

  test('unknown key: 401 Invalid token', async () => {
    const error = await errorOf(chat(harness.client('sk-' + 'x'.repeat(48))))
    expect(error.status).toBe(401)
    expect(error.message).toContain('Invalid token')
  })

  test('model outside the token\'s limits: 403', async () => {
    const limited = await harness.addToken({ model_limits_enabled: true, model_limits: 'gpt-4.1-nano' })
    const error = await errorOf(chat(harness.client(limited.key)))
    expect([error.status, error.message]).toEqual([403, '403 This token has no access to model gpt-4o-mini'])
  })

  test('address outside the allow-list: 403 access_denied', async () => {
    const fenced = await harness.addToken({ allow_ips: '10.1.2.0/24' })
    const error = await errorOf(chat(harness.client(fenced.key)))
    expect([error.status, error.code]).toEqual([403, 'access_denied'])
  })

  test('no channel for the model: 503 model_not_found', async () => {
    await harness.setOption('ModelRatio', { 'gpt-4o-mini': 0.075, 'gpt-4.1-nano': 0.05, 'o4-mini': 0.55, 'gpt-3.5-turbo-instruct': 0.75, 'text-embedding-3-small': 0.01, 'nowhere-model': 1 })
    const error = await errorOf(chat(harness.client(key), 'nowhere-model'))
    expect([error.status, error.code]).toEqual([503, 'model_not_found'])
  })

  test('unpriced model: 400 model_price_error', async () => {
    await harness.addChannel({ name: 'unpriced', models: 'unpriced-model' })
    const error = await errorOf(chat(harness.client(key), 'unpriced-model'))
    expect([error.status, error.code]).toEqual([400, 'model_price_error'])
  })

  test('a body that is not JSON: 400', async () => {
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{"model":' })
    expect(response.status).toBe(400)
    expect((await response.json()).error.message).toBe('The request body must be a JSON object')
  })

  test('only admins may pin a channel', async () => {
    await harness.root.call('POST', '/api/user/', { username: 'pinner', password: 'password-123' })
    const user = await harness.server.signIn('pinner', 'password-123')
    await harness.root.call('POST', '/api/user/manage', { id: user.userId, action: 'add_quota', value: 1_000_000 })
    const token = await harness.addToken({}, user)
    const error = await errorOf(harness.client(`${token.key}-1`).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }))
    expect([error.status, error.message]).toEqual([403, '403 Only administrators may pin a channel'])
  })
})

describe('usage reporting', () => {
  test('logs, stats, hourly aggregates and the key-holder log view agree', async () => {
    const own = await harness.addToken({ name: 'reporting' })
    await harness.client(own.key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    await harness.server.flushUsage()
    const stat = (await harness.root.call('GET', '/api/log/stat?model_name=gpt-4o-mini')).body.data
    expect(stat.rpm).toBeGreaterThan(0)
    const hour = Math.floor(Date.now() / 1000)
    const aggregates = (await harness.root.call('GET', `/api/data/?start_timestamp=${hour - 7200}`)).body.data as { model_name: string; count: number }[]
    expect(aggregates.find((row) => row.model_name === 'gpt-4o-mini')!.count).toBeGreaterThan(0)
    expect((await harness.root.call('GET', '/api/data/users')).body.data[0]).toMatchObject({ username: 'root' })
    expect((await harness.root.call('GET', '/api/data/self')).body.data.length).toBeGreaterThan(0)
    // neko-api-key-tool reads a key's logs with ?key=; current new-api clients send the header.
    const byQuery = await (await fetch(`${harness.server.url}/api/log/token?key=${own.key}`)).json()
    const byHeader = await (await fetch(`${harness.server.url}/api/log/token`, { headers: { authorization: `Bearer ${own.key}` } })).json()
    expect(byQuery.data).toHaveLength(1)
    expect(byHeader.data).toEqual(byQuery.data)
    expect(byQuery.data[0].other).not.toContain('admin_info')
    const pricing = (await fetch(`${harness.server.url}/api/pricing`).then((response) => response.json()))
    expect(pricing.data.find((row: { model_name: string }) => row.model_name === 'gpt-4o-mini')).toMatchObject({ quota_type: 0, model_ratio: 0.075 })
  })
})

describe('streaming timeout', () => {
  test('the StreamingTimeout option (set in the console) ends a stream that goes silent, with a final error event', async () => {
    expect((await harness.root.call('PUT', '/api/option/', { key: 'StreamingTimeout', value: '0' })).body.message).toBe('StreamingTimeout must be a whole number from 1 to 3600')
    await harness.setOption('StreamingTimeout', '1')
    harness.upstream.setOptions({ chunkCount: 3, chunkIntervalMs: 2500 })
    try {
      const started = Date.now()
      const response = await fetch(`${harness.server.url}/v1/chat/completions`, {
        method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      })
      const text = await response.text()
      expect(Date.now() - started).toBeLessThan(2400)
      expect(text).toContain('"code":"stream_error"')
      expect(text).toContain('silent for 1 s')
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true)
    } finally {
      harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 0 })
      await harness.setOption('StreamingTimeout', '300')
    }
  })

  test('a stream that keeps talking outlives the timeout in total (the limit is on silence, not length)', async () => {
    await harness.setOption('StreamingTimeout', '1')
    harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 300 })
    try {
      let text = ''
      for await (const chunk of await harness.client(key).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
        text += chunk.choices[0]?.delta?.content ?? ''
      }
      expect(text.length).toBeGreaterThan(100) // ~3 s of chunks 300 ms apart all arrived
    } finally {
      harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 0 })
      await harness.setOption('StreamingTimeout', '300')
    }
  })
})
