import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockSpark, type MockSpark } from '../testing/mock-spark.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Xunfei Spark channels (type 18) end to end: the real gateway, the official OpenAI SDK as the client, and a local
 * Spark WebSocket server that checks the signed URL like Xunfei's gateway and answers with frames from the API
 * reference. Spark's error frames map to OpenAI-shaped errors with their retry class.
 */

const credentials = { appId: 'app123', apiSecret: 'secret-of-app123', apiKey: 'apikey-of-app123' }
let harness: RelayHarness
let spark: MockSpark
let key: string
const models = ['spark-max', 'spark-lite', 'spark-bad-secret', 'spark-fallback', 'SparkDesk-v4.0']

beforeAll(async () => {
  spark = startMockSpark(credentials)
  harness = await startRelayHarness()
  const sparkKey = `${credentials.appId}|${credentials.apiSecret}|${credentials.apiKey}`
  await harness.addChannel({ type: 18, name: 'spark', key: sparkKey, base_url: spark.url, models: 'spark-max,SparkDesk-v4.0', other: 'v3.5' })
  await harness.addChannel({ type: 18, name: 'spark-lite', key: sparkKey, base_url: spark.url, models: 'spark-lite', other: 'v1.1' })
  await harness.addChannel({ type: 18, name: 'spark-bad', key: `${credentials.appId}|wrong-secret|${credentials.apiKey}`, base_url: spark.url, models: 'spark-bad-secret', auto_ban: 0 })
  // A channel whose key has no licence tried first, and a good one behind it.
  await harness.addChannel({ type: 18, name: 'spark-unlicensed', key: sparkKey, base_url: spark.url, models: 'spark-fallback', priority: 10, auto_ban: 0, param_override: JSON.stringify({ operations: [{ path: 'payload.message.text.-1.content', mode: 'append', value: ' license' }] }) })
  await harness.addChannel({ type: 18, name: 'spark-backup', key: sparkKey, base_url: spark.url, models: 'spark-fallback', priority: 0 })
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('RetryTimes', 2)
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  spark.stop()
})

const lastRequest = () => spark.requests[spark.requests.length - 1]!

describe('Xunfei Spark over its signed WebSocket', () => {
  test('non-stream: the frames aggregated into one completion with the last frame\'s usage; the request frame as Spark reads it', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'spark-max', messages: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: '你是谁' }], temperature: 0.5, max_tokens: 100, user: 'u-1' })
    expect(completion.choices[0]!.message.content).toBe('你好！我是讯飞星火认知大模型，很高兴为你服务。')
    expect(completion.choices[0]!.finish_reason).toBe('stop')
    expect(completion.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 16, total_tokens: 21 })
    expect(lastRequest().path).toBe('/v3.5/chat')
    expect(lastRequest().frame).toEqual({
      header: { app_id: 'app123', uid: 'u-1' },
      parameter: { chat: { domain: 'generalv3.5', temperature: 0.5, max_tokens: 100 } },
      payload: { message: { text: [{ role: 'system', content: 'Be kind.' }, { role: 'user', content: '你是谁' }] } },
    })
  })

  test('stream with usage: one chunk per frame, then the usage chunk', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'spark-max', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
    let content = ''
    let usage: unknown
    const finishes: string[] = []
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason)
      if (chunk.usage) usage = chunk.usage
    }
    expect(content).toBe('你好！我是讯飞星火认知大模型，很高兴为你服务。')
    expect(finishes).toEqual(['stop'])
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 16 })
  })

  test('a connection lost mid-answer ends the client\'s stream with an error, after the text that arrived', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'spark-max', messages: [{ role: 'user', content: 'cut' }], stream: true })
    let content = ''
    const failure = await (async () => {
      for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? ''
    })().catch((caught: Error) => caught)
    expect(content).toBe('你好！')
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toContain('WebSocket closed before the last frame')
  })

  test('the version in other picks the path and domain (v1.1 → Lite)', async () => {
    await harness.client(key).chat.completions.create({ model: 'spark-lite', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastRequest().path).toBe('/v1.1/chat')
    expect(lastRequest().frame.parameter.chat.domain).toBe('lite')
  })

  test('a model named <name>-<version> picks that version on any Spark channel, as in new-api (SparkDesk-v4.0 → 4.0 Ultra)', async () => {
    await harness.client(key).chat.completions.create({ model: 'SparkDesk-v4.0', messages: [{ role: 'user', content: 'hi' }] })
    expect(lastRequest().path).toBe('/v4.0/chat')
    expect(lastRequest().frame.parameter.chat.domain).toBe('4.0Ultra')
  })

  test('tools become Spark functions and its function_call a tool call', async () => {
    const completion = await harness.client(key).chat.completions.create({
      model: 'spark-max', messages: [{ role: 'user', content: '合肥天气' }],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
    })
    expect(lastRequest().frame.payload.functions).toEqual({ text: [{ name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { location: { type: 'string' } } } }] })
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'weather', arguments: '{"location":"合肥"}' } })
  })

  test('a content-review refusal (10013) is a 400 content_filter, not retried', async () => {
    const before = spark.requests.length
    const error = await harness.client(key).chat.completions.create({ model: 'spark-max', messages: [{ role: 'user', content: 'please audit this' }] }).catch((caught) => caught)
    expect(error.status).toBe(400)
    expect(error.error).toMatchObject({ code: 'content_filter' })
    expect(error.message).toContain('input content audit failed')
    expect(spark.requests.length).toBe(before + 1)
  })

  test('a key without licence (11200) is a 401 class failure: the next channel answers', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'spark-fallback', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0]!.message.content).toContain('讯飞星火')
    const [unlicensed, backup] = spark.requests.slice(-2)
    expect(unlicensed!.frame.payload.message.text.at(-1).content).toBe('hi license')
    expect(backup!.frame.payload.message.text.at(-1).content).toBe('hi')
  })

  test('a wrong APISecret: Spark refuses the handshake, the gateway answers 502 without leaking the key', async () => {
    const refusedBefore = spark.refused.length
    const error = await harness.client(key).chat.completions.create({ model: 'spark-bad-secret', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(502)
    expect(error.message).toContain('Upstream request failed')
    expect(error.message).not.toContain('wrong-secret')
    expect(spark.refused.slice(refusedBefore)).toEqual(['HMAC signature does not match'])
  })

  test('function calls and their results have no place in a Spark history: 400 naming the message', async () => {
    const error = await harness.client(key).chat.completions.create({
      model: 'spark-max',
      messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'sunny' }],
    }).catch((caught) => caught)
    expect(error.status).toBe(400)
    expect(error.message).toContain('messages[1].tool_calls')
  })

  test('the channel test goes over the same WebSocket and passes', async () => {
    const channels = await harness.root.call('GET', '/api/channel/?p=1&page_size=50')
    const sparkChannel = (channels.body.data.items as { id: number; name: string }[]).find((channel) => channel.name === 'spark')!
    const before = spark.requests.length
    const result = await harness.root.call('GET', `/api/channel/test/${sparkChannel.id}`)
    expect(result.body).toMatchObject({ success: true })
    expect(spark.requests.length).toBe(before + 1)
    expect(lastRequest().frame.payload.message.text).toEqual([{ role: 'user', content: 'hi' }])
  })

  test('saving a channel refuses a key that cannot sign and an unknown version, naming the field', async () => {
    const badKey = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 18, name: 'x', key: 'only-one-part', models: 'spark-max', group: 'default' } })
    expect(badKey.status).toBe(400)
    expect(badKey.body.message).toContain('APPID|APISecret|APIKey')
    const badVersion = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 18, name: 'x', key: 'a|b|c', models: 'spark-max', group: 'default', other: 'v9' } })
    expect(badVersion.status).toBe(400)
    expect(badVersion.body.message).toContain('other (Xunfei Spark version)')
  })
})
