import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { frameAsSse, readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { tc3Signature } from '../providers/tencent/tc3-sign.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Tencent Hunyuan channels (type 23) end to end: the real gateway, the official OpenAI SDK as the client, and a local
 * Tencent Cloud API endpoint that checks the TC3-HMAC-SHA256 signature as Tencent does (scope, timestamp, the
 * signature recomputed over the received headers and body) before replaying the fixtures built from the API reference.
 */

const secretId = 'AKIDtestSecretId0000000000000000'
const secretKey = 'testSecretKey0000000000000000000'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let hunyuanChannel: number
const calls: { headers: Headers; body: Record<string, unknown> }[] = []

const json = (text: string) => new Response(text, { headers: { 'content-type': 'application/json' } })

/** Tencent answers a bad signature with HTTP 200 and `AuthFailure.SignatureFailure`. */
function verify(request: Request, body: string): string | null {
  const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/hunyuan\/tc3_request, SignedHeaders=content-type;host, Signature=([0-9a-f]{64})$/.exec(request.headers.get('authorization') ?? '')
  if (!match || match[1] !== secretId) return 'AuthFailure.SecretIdNotFound'
  const timestamp = Number(request.headers.get('x-tc-timestamp'))
  if (Math.abs(Date.now() / 1000 - timestamp) > 300) return 'AuthFailure.SignatureExpire'
  if (match[2] !== new Date(timestamp * 1000).toISOString().slice(0, 10)) return 'AuthFailure.SignatureFailure'
  const expected = tc3Signature({ secretKey, service: 'hunyuan', host: request.headers.get('host') ?? '', contentType: request.headers.get('content-type') ?? '', body, timestamp })
  return expected === match[3] ? null : 'AuthFailure.SignatureFailure'
}

beforeAll(async () => {
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const text = await request.text()
      const failure = verify(request, text)
      if (failure) return json(JSON.stringify({ Response: { Error: { Code: failure, Message: 'The provided credentials could not be validated.' }, RequestId: 'r' } }))
      if (request.headers.get('x-tc-action') !== 'ChatCompletions' || request.headers.get('x-tc-version') !== '2023-09-01') return json('{"Response":{"Error":{"Code":"InvalidAction","Message":"no such action"}}}')
      const body = JSON.parse(text) as Record<string, unknown>
      calls.push({ headers: request.headers, body })
      if (body.Model === 'hunyuan-busy') return json(readFixtureText('tencent/hunyuan-limit-exceeded.json'))
      const tools = Array.isArray(body.Tools) && body.Tools.length > 0
      if (body.Stream) {
        const sse = new TextDecoder().decode(frameAsSse(readFixtureChunks(tools ? 'tencent/hunyuan-tool-call.chunks.txt' : 'tencent/hunyuan-text.chunks.txt')))
        return new Response(sse, { headers: { 'content-type': 'text/event-stream' } })
      }
      return json(readFixtureText(tools ? 'tencent/hunyuan-tool-call.json' : 'tencent/hunyuan-text.json'))
    },
  })
  harness = await startRelayHarness()
  const base = `http://127.0.0.1:${mock.port}`
  hunyuanChannel = await harness.addChannel({ type: 23, name: 'hunyuan', key: `1300000000|${secretId}|${secretKey}`, base_url: base, models: 'hunyuan-turbo,hunyuan-busy', other: 'ap-guangzhou' })
  await harness.addChannel({ type: 23, name: 'hunyuan-wrong', key: `1300000000|${secretId}|not-the-secret`, base_url: base, models: 'hunyuan-wrong', auto_ban: 0, model_mapping: JSON.stringify({ 'hunyuan-wrong': 'hunyuan-turbo' }) })
  const models = ['hunyuan-turbo', 'hunyuan-busy', 'hunyuan-wrong']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const lastCall = () => calls[calls.length - 1]!

describe('Tencent Hunyuan through the gateway (OpenAI SDK)', () => {
  test('non-stream: a signed ChatCompletions call with the region, the answer and its usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'hunyuan-turbo', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: '你好' }] })
    expect(lastCall().headers.get('x-tc-region')).toBe('ap-guangzhou')
    expect(lastCall().body).toMatchObject({ Model: 'hunyuan-turbo', Stream: false, Messages: [{ Role: 'system', Content: 'be brief' }, { Role: 'user', Content: '你好' }] })
    expect(completion.choices[0]!.message.content).toBe('你好！有什么我可以帮你的吗？')
    expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 9 })
  })

  test('stream with usage: the text in order, the usage chunk last', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'hunyuan-turbo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: '你好' }] })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastCall().body.Stream).toBe(true)
    expect(text).toBe('你好！有什么我可以帮你的吗？')
    expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 9 })
  })

  test('tool call, non-stream and stream: the function and its arguments reach the client', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_current_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
    const messages = [{ role: 'user' as const, content: '北京天气' }]
    const completion = await harness.client(key).chat.completions.create({ model: 'hunyuan-turbo', tools, messages })
    expect(lastCall().body.Tools).toEqual([{ Type: 'function', Function: { Name: 'get_current_weather', Parameters: JSON.stringify(tools[0]!.function.parameters) } }])
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_cp7hm6s2v4h8ua6b3ug0', function: { name: 'get_current_weather', arguments: '{"location":"北京"}' } })
    const stream = await harness.client(key).chat.completions.create({ model: 'hunyuan-turbo', tools, messages, stream: true })
    let name = ''
    let args = ''
    let finish: string | null = null
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? ''
        args += call.function?.arguments ?? ''
      }
      finish = chunk.choices[0]?.finish_reason ?? finish
    }
    expect([name, args, finish]).toEqual(['get_current_weather', '{"location":"北京"}', 'tool_calls'])
  })

  test('errors in HTTP 200 bodies: a wrong SecretKey is a 401, RequestLimitExceeded a 429', async () => {
    const client = harness.client(key)
    const wrong = await client.chat.completions.create({ model: 'hunyuan-wrong', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(wrong.status).toBe(401)
    expect(wrong.message).toContain('AuthFailure.SignatureFailure')
    const busy = await client.chat.completions.create({ model: 'hunyuan-busy', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(busy.status).toBe(429)
    expect(busy.message).toContain('RequestLimitExceeded')
  })

  test('the channel test is signed like relayed traffic', async () => {
    const tested = await harness.root.call('GET', `/api/channel/test/${hunyuanChannel}?model=hunyuan-turbo`)
    expect(tested.body.success).toBe(true)
    expect(lastCall().body.Model).toBe('hunyuan-turbo')
  })

  test('saving a channel refuses a key without its three parts, naming what is missing', async () => {
    const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 23, name: 'bad', key: `${secretId}|${secretKey}`, models: 'hunyuan-turbo', group: 'default' } })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('AppId|SecretId|SecretKey')
  })
})
