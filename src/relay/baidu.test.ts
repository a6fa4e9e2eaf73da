import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { frameAsSse, readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Baidu ERNIE channels (type 15) end to end: the real gateway, the official OpenAI SDK as the client, and a local
 * Baidu that does what the real one checks: `/oauth/2.0/token` issues access tokens only for the client id and
 * secret it knows, and the chat endpoints answer error 110 (HTTP 200) to any token it did not issue or has revoked.
 */

const apiKey = 'ernie-api-key-0001'
const secretKey = 'ernie-secret-key-0001'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
const issued = new Set<string>()
let exchanges = 0
let ernieChannel: number
const chats: { endpoint: string; token: string | null; body: Record<string, unknown> }[] = []

const json = (text: string, status = 200) => new Response(text, { status, headers: { 'content-type': 'application/json' } })

beforeAll(async () => {
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      if (url.pathname === '/oauth/2.0/token') {
        if (request.method !== 'POST' || url.searchParams.get('grant_type') !== 'client_credentials') return json('{"error":"unsupported_grant_type","error_description":"unsupported grant type"}', 400)
        if (url.searchParams.get('client_id') !== apiKey || url.searchParams.get('client_secret') !== secretKey) return json(readFixtureText('baidu/ernie-token-error.json'), 401)
        const token = `24.test-${++exchanges}`
        issued.add(token)
        return json(JSON.stringify({ ...JSON.parse(readFixtureText('baidu/ernie-token.json')), access_token: token }))
      }
      const match = /^\/rpc\/2\.0\/ai_custom\/v1\/wenxinworkshop\/chat\/([^/]+)$/.exec(url.pathname)
      if (!match) return json('{"error_code":3,"error_msg":"Unsupported openapi method"}')
      const body = await request.json() as Record<string, unknown>
      const token = url.searchParams.get('access_token')
      chats.push({ endpoint: match[1]!, token, body })
      if (!token || !issued.has(token)) return json(readFixtureText('baidu/ernie-error-110.json'))
      if (match[1] === 'ernie-busy') return json(readFixtureText('baidu/ernie-error-18.json'))
      if (match[1] === 'ernie-invalid') return json(readFixtureText('baidu/ernie-error-336003.json'))
      const functions = Array.isArray(body.functions) && body.functions.length > 0
      if (body.stream) return new Response(new TextDecoder().decode(frameAsSse(readFixtureChunks(functions ? 'baidu/ernie-function-call.chunks.txt' : 'baidu/ernie-text.chunks.txt'))), { headers: { 'content-type': 'text/event-stream' } })
      return json(readFixtureText(functions ? 'baidu/ernie-function-call.json' : 'baidu/ernie-text.json'))
    },
  })
  harness = await startRelayHarness()
  const base = `http://127.0.0.1:${mock.port}`
  ernieChannel = await harness.addChannel({ type: 15, name: 'ernie', key: `${apiKey}|${secretKey}`, base_url: base, models: 'ERNIE-4.0-8K,ERNIE-Busy,ERNIE-Invalid', auto_ban: 0 })
  await harness.addChannel({ type: 15, name: 'ernie-stranger', key: 'unknown-client|wrong-secret', base_url: base, models: 'ERNIE-Stranger', auto_ban: 0, model_mapping: JSON.stringify({ 'ERNIE-Stranger': 'ERNIE-3.5-8K' }) })
  const models = ['ERNIE-4.0-8K', 'ERNIE-Busy', 'ERNIE-Invalid', 'ERNIE-Stranger']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const lastChat = () => chats[chats.length - 1]!

describe('Baidu ERNIE through the gateway (OpenAI SDK)', () => {
  test('non-stream: one token exchange, the model\'s endpoint with ?access_token=, system in its own field, the usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'ERNIE-4.0-8K', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: '你好' }] })
    expect(exchanges).toBe(1)
    expect(lastChat()).toMatchObject({ endpoint: 'completions_pro', token: '24.test-1', body: { system: 'be brief', messages: [{ role: 'user', content: '你好' }] } })
    expect(completion.choices[0]!.message.content).toStartWith('您好，我是文心一言')
    expect(completion.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 67 })
  })

  test('stream with usage: the cached token, the text in order, the usage chunk last', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'ERNIE-4.0-8K', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: '你好' }] })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(exchanges).toBe(1)
    expect(lastChat().body.stream).toBe(true)
    expect(text).toBe('您好，我是文心一言，英文名是ERNIE Bot。我能够与人对话互动，回答问题，协助创作。')
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 32 })
  })

  test('tool call, non-stream and stream: tools go as functions, the call comes back as a tool call', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_current_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }]
    const messages = [{ role: 'user' as const, content: '北京天气' }]
    const completion = await harness.client(key).chat.completions.create({ model: 'ERNIE-4.0-8K', tools, messages })
    expect(lastChat().body.functions).toEqual([{ name: 'get_current_weather', parameters: tools[0]!.function.parameters }])
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ id: 'call_as-cx7x6dbpb3', function: { name: 'get_current_weather', arguments: '{"location":"北京","unit":"摄氏度"}' } })
    const stream = await harness.client(key).chat.completions.create({ model: 'ERNIE-4.0-8K', tools, messages, stream: true })
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
    expect([name, args, finish]).toEqual(['get_current_weather', '{"location":"北京","unit":"摄氏度"}', 'tool_calls'])
  })

  test('a revoked token (error 110) is renewed once and the request sent again', async () => {
    issued.clear()
    const completion = await harness.client(key).chat.completions.create({ model: 'ERNIE-4.0-8K', messages: [{ role: 'user', content: '你好' }] })
    expect(completion.choices[0]!.message.content).toStartWith('您好')
    expect(exchanges).toBe(2)
    expect(chats.slice(-2).map((chat) => chat.token)).toEqual(['24.test-1', '24.test-2'])
  })

  test('errors: QPS limit (18) → 429, invalid argument (336003) → 400, unknown client → 502 naming Baidu\'s error', async () => {
    const client = harness.client(key)
    const busy = await client.chat.completions.create({ model: 'ERNIE-Busy', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(lastChat().endpoint).toBe('ernie-busy')
    expect([busy.status, busy.message]).toEqual([429, '429 Open api qps request limit reached (error_code 18)'])
    const invalid = await client.chat.completions.create({ model: 'ERNIE-Invalid', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(invalid.status).toBe(400)
    const stranger = await client.chat.completions.create({ model: 'ERNIE-Stranger', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(stranger.status).toBe(502)
    expect(stranger.message).toContain('invalid_client: unknown client id')
    expect(stranger.message).not.toContain('wrong-secret')
  })

  test('the channel test goes through the same token flow', async () => {
    const tested = await harness.root.call('GET', `/api/channel/test/${ernieChannel}?model=ERNIE-4.0-8K`)
    expect(tested.body.success).toBe(true)
    expect(lastChat().endpoint).toBe('completions_pro')
  })

  test('saving a channel refuses a key without its SecretKey', async () => {
    const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 15, name: 'bad', key: apiKey, models: 'ERNIE-4.0-8K', group: 'default' } })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('APIKey|SecretKey')
  })
})
