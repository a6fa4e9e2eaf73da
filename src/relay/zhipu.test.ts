import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { decodeProtectedHeader, jwtVerify } from 'jose'
import { readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Zhipu v3 channels (type 16) end to end: the real gateway, the official OpenAI SDK as the client, and a local Zhipu
 * v3 API that checks the Authorization JWT as Zhipu does (HS256 signature with the key's secret, `sign_type: SIGN`,
 * the key id, a millisecond `exp` not passed) and answers 1002/1003 (HTTP 200) otherwise.
 */

const keyId = 'zhipu-key-id'
const keySecret = 'zhipu-key-secret-0001'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let zhipuChannel: number
const calls: { path: string; authorization: string; body: Record<string, unknown> }[] = []

const json = (text: string) => new Response(text, { headers: { 'content-type': 'application/json' } })

async function verify(token: string): Promise<string | null> {
  try {
    if (decodeProtectedHeader(token).sign_type !== 'SIGN') return '{"code":1002,"msg":"Authorization Token非法","success":false}'
    const { payload } = await jwtVerify(token, new TextEncoder().encode(keySecret), { algorithms: ['HS256'] })
    if (payload.api_key !== keyId || typeof payload.timestamp !== 'number') return '{"code":1002,"msg":"Authorization Token非法","success":false}'
    if (typeof payload.exp !== 'number' || payload.exp < Date.now()) return '{"code":1003,"msg":"Authorization Token已过期","success":false}'
    return null
  } catch {
    return readFixtureText('zhipu/chatglm-error-1002.json')
  }
}

beforeAll(async () => {
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const authorization = request.headers.get('authorization') ?? ''
      const failure = await verify(authorization)
      if (failure) return json(failure)
      const match = /^\/api\/paas\/v3\/model-api\/([^/]+)\/(invoke|sse-invoke)$/.exec(url.pathname)
      if (!match) return json('{"code":1211,"msg":"模型不存在","success":false}')
      const body = await request.json() as Record<string, unknown>
      calls.push({ path: url.pathname, authorization, body })
      if (match[1] === 'chatglm_long') return json(readFixtureText('zhipu/chatglm-error-1261.json'))
      if (match[2] === 'sse-invoke') return new Response(readFixtureText('zhipu/chatglm-text.sse.txt'), { headers: { 'content-type': 'text/event-stream' } })
      return json(readFixtureText('zhipu/chatglm-text.json'))
    },
  })
  harness = await startRelayHarness()
  const base = `http://127.0.0.1:${mock.port}`
  zhipuChannel = await harness.addChannel({ type: 16, name: 'zhipu', key: `${keyId}.${keySecret}`, base_url: base, models: 'chatglm_turbo,chatglm_long' })
  await harness.addChannel({ type: 16, name: 'zhipu-wrong', key: `${keyId}.not-the-secret`, base_url: base, models: 'chatglm_wrong', auto_ban: 0, model_mapping: JSON.stringify({ chatglm_wrong: 'chatglm_turbo' }) })
  const models = ['chatglm_turbo', 'chatglm_long', 'chatglm_wrong']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const lastCall = () => calls[calls.length - 1]!

describe('Zhipu v3 through the gateway (OpenAI SDK)', () => {
  test('non-stream: invoke with a verified JWT, the system prompt before the user turn, the decoded answer and usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'chatglm_turbo', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: '你好' }] })
    expect(lastCall().path).toBe('/api/paas/v3/model-api/chatglm_turbo/invoke')
    expect(lastCall().body).toEqual({ prompt: [{ role: 'user', content: 'be brief\n\n你好' }] })
    expect(completion.choices[0]!.message.content).toBe(' 你好👋！我是人工智能助手智谱清言，可以叫我小智🤖，很高兴见到你，欢迎问我任何问题。')
    expect(completion.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 28 })
  })

  test('stream with usage: sse-invoke, add events in order, the usage from the finish event\'s meta line', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'chatglm_turbo', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: '你好' }] })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastCall().path).toEndWith('/chatglm_turbo/sse-invoke')
    expect(lastCall().body.incremental).toBe(true)
    expect(text).toBe('你好👋！我是人工智能助手智谱清言。\n很高兴见到你。')
    expect(usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 16 })
  })

  test('the same JWT serves later requests (signed once per key until near expiry)', () => {
    expect(new Set(calls.map((call) => call.authorization)).size).toBe(1)
  })

  test('errors in HTTP 200 bodies: a JWT signed with the wrong secret → 401, prompt too long → 400', async () => {
    const client = harness.client(key)
    const wrong = await client.chat.completions.create({ model: 'chatglm_wrong', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(wrong.status).toBe(401)
    const long = await client.chat.completions.create({ model: 'chatglm_long', messages: [{ role: 'user', content: 'hi' }] }).catch((error) => error)
    expect(long.status).toBe(400)
    expect(long.message).toContain('Prompt 超长 (code 1261)')
  })

  test('the channel test carries the same JWT', async () => {
    const tested = await harness.root.call('GET', `/api/channel/test/${zhipuChannel}?model=chatglm_turbo`)
    expect(tested.body.success).toBe(true)
    expect(lastCall().path).toBe('/api/paas/v3/model-api/chatglm_turbo/invoke')
  })

  test('saving a channel refuses a key that is not id.secret', async () => {
    const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 16, name: 'bad', key: 'nodot', models: 'chatglm_turbo', group: 'default' } })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('id.secret')
  })
})
