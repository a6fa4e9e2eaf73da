import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import type { MockRequest } from '../../bench/mock-upstream.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

let harness: RelayHarness
let key: string
const seen: MockRequest[] = []

beforeAll(async () => {
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.setOption('ModelRatio', { 'shared-embed': 1, 'claude-only': 1, 'override-model': 1 })
  harness.upstream.setOptions({ onRequest: (request) => { seen.push(request); return undefined } })
})
afterAll(() => harness.dispose())

describe('routing by provider capability', () => {
  test('an embeddings request skips a higher-priority channel whose provider has no embeddings, and uses the one that does', async () => {
    const anthropic = await harness.addChannel({ type: 14, name: 'claude', key: 'key-claude', models: 'shared-embed', priority: 10 })
    const openai = await harness.addChannel({ name: 'openai', key: 'key-openai', models: 'shared-embed', priority: 0 })
    seen.length = 0
    const result = await harness.client(key).embeddings.create({ model: 'shared-embed', input: 'hello' })
    expect(result.data.length).toBeGreaterThan(0)
    // Only the OpenAI channel was called, on its embeddings path; the Anthropic one was not even attempted.
    expect(seen.map((request) => `${request.path} ${request.headers.authorization ?? request.headers['x-api-key']}`)).toEqual(['/v1/embeddings Bearer key-openai'])
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', '/api/log/?type=2&model_name=shared-embed&page_size=1')).body.data.items[0]
    expect(row.channel).toBe(openai)
    expect(JSON.parse(row.other).admin_info.use_channel).toEqual([openai])
    expect(anthropic).not.toBe(openai)
  })

  test('when no channel of the model serves the endpoint the refusal says so, and nothing is sent', async () => {
    await harness.addChannel({ type: 14, name: 'claude-only', key: 'key-claude-only', models: 'claude-only' })
    seen.length = 0
    const response = await fetch(`${harness.server.url}/v1/embeddings`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-only', input: 'x' }),
    })
    expect(response.status).toBe(503)
    const body = await response.json() as { error: { message: string; code: string } }
    expect(body.error.code).toBe('model_not_found')
    expect(body.error.message).toContain('that serves /v1/embeddings')
    expect(seen).toHaveLength(0)
    // Chat to the same model still reaches the Anthropic channel.
    const chat = await harness.client(key).chat.completions.create({ model: 'claude-only', messages: [{ role: 'user', content: 'hi' }] })
    expect(chat.choices[0]!.message.content).toBeTruthy()
    expect(seen.map((request) => request.path)).toEqual(['/v1/messages'])
  })
})

describe('one way to call a channel', () => {
  let channel: number
  beforeAll(async () => {
    channel = await harness.addChannel({
      name: 'overridden', key: 'key-overridden', models: 'override-model',
      header_override: JSON.stringify({ 'x-team': 'blue', 'x-auth-copy': 'copy {api_key}' }),
      param_override: JSON.stringify({ temperature: 0.25 }),
    })
  })

  test('relay traffic, the channel test, model discovery and the balance check all carry the channel\'s overrides', async () => {
    seen.length = 0
    await harness.client(key).chat.completions.create({ model: 'override-model', messages: [{ role: 'user', content: 'hi' }] })
    const tested = await harness.root.call('GET', `/api/channel/test/${channel}`)
    expect(tested.body.success).toBe(true)
    const models = await harness.root.call('GET', `/api/channel/fetch_models/${channel}`)
    expect(models.body.data).toContain('gpt-4o-mini')
    const balance = await harness.root.call('GET', `/api/channel/update_balance/${channel}`)
    expect(balance.body.balance).toBeCloseTo(100 - 12.345, 6)
    const calls = seen.map((request) => `${request.method} ${request.path}`)
    expect(calls).toEqual(['POST /v1/chat/completions', 'POST /v1/chat/completions', 'GET /v1/models', 'GET /v1/dashboard/billing/subscription', 'GET /v1/dashboard/billing/usage'])
    for (const request of seen) {
      expect(request.headers['x-team']).toBe('blue')
      expect(request.headers['x-auth-copy']).toBe('copy key-overridden')
    }
    // Parameter overrides reach the bodies of the relayed call and the test alike.
    expect(seen.slice(0, 2).map((request) => (request.body as { temperature?: number }).temperature)).toEqual([0.25, 0.25])
  })

  test('model discovery refuses a provider without a model list, naming it', async () => {
    const bedrock = await harness.root.call('POST', '/api/channel/fetch_models', { type: 33, key: 'AKIA|secret|us-east-1' })
    expect(bedrock.status).toBe(400)
    expect(bedrock.body.message).toContain('not available for bedrock channels')
  })
})

describe('the key holder\'s own logs', () => {
  test('/api/log/token takes the key from the header or ?key=, and refuses a disabled key with the relay\'s message', async () => {
    const token = await harness.addToken({ name: 'reader' })
    await harness.client(token.key).chat.completions.create({ model: 'override-model', messages: [{ role: 'user', content: 'hi' }] })
    await harness.server.flushUsage()
    const byHeader = await fetch(`${harness.server.url}/api/log/token`, { headers: { authorization: `Bearer ${token.key}` } })
    const byQuery = await fetch(`${harness.server.url}/api/log/token?key=${token.key}`)
    expect((await byHeader.json() as { data: unknown[] }).data).toHaveLength(1)
    expect((await byQuery.json() as { data: unknown[] }).data).toHaveLength(1)
    await harness.root.call('PUT', '/api/token/?status_only=true', { id: token.id, status: 2 })
    const disabled = await fetch(`${harness.server.url}/api/log/token?key=${token.key}`)
    expect(disabled.status).toBe(401)
    expect(await disabled.json()).toEqual({ success: false, message: 'Invalid token' })
  })
})
