import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'

/** count_tokens through the Anthropic SDK: asked of an Anthropic channel, or counted here; never billed. */

let harness: RelayHarness
let upstream: ReturnType<typeof Bun.serve>
let key: string
const seen: { path: string; apiKey: string | null; body: Record<string, unknown> }[] = []

beforeAll(async () => {
  // Anthropic's count_tokens answers only `input_tokens`; this one counts characters so the test can tell.
  upstream = Bun.serve({
    port: 0,
    async fetch(request) {
      const body = await request.json() as Record<string, unknown>
      seen.push({ path: new URL(request.url).pathname, apiKey: request.headers.get('x-api-key'), body })
      if (JSON.stringify(body).includes('fail upstream')) return Response.json({ type: 'error', error: { type: 'overloaded_error', message: 'busy' } }, { status: 529 })
      return Response.json({ input_tokens: 4242 })
    },
  })
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.addChannel({ type: 14, name: 'claude', key: 'ant-key', base_url: `http://127.0.0.1:${upstream.port}`, models: 'claude-sonnet-4-5', model_mapping: JSON.stringify({ 'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929' }) })
  await harness.addChannel({ name: 'openai', models: 'gpt-4o' })
})
afterAll(async () => {
  await harness.dispose()
  upstream.stop(true)
})

const anthropic = () => new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })

describe('POST /v1/messages/count_tokens', () => {
  test('a model on an Anthropic channel is counted by Anthropic (model mapped, key of the channel)', async () => {
    seen.length = 0
    const counted = await anthropic().messages.countTokens({ model: 'claude-sonnet-4-5', system: 'Be brief.', messages: [{ role: 'user', content: 'Hello there' }] })
    expect(counted.input_tokens).toBe(4242)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ path: '/v1/messages/count_tokens', apiKey: 'ant-key', body: { model: 'claude-sonnet-4-5-20250929', system: 'Be brief.' } })
  })

  test('a model without an Anthropic channel, or a failing upstream, is counted locally; longer prompts count more', async () => {
    seen.length = 0
    const short = await anthropic().messages.countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] })
    const long = await anthropic().messages.countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello '.repeat(50) }] })
    expect(seen).toHaveLength(0)
    expect(short.input_tokens).toBeGreaterThan(0)
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 40)
    const fallback = await anthropic().messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'fail upstream' }] })
    expect(seen).toHaveLength(1)
    expect(fallback.input_tokens).toBeGreaterThan(0)
    expect(fallback.input_tokens).not.toBe(4242)
  })

  test('is never billed or logged, and refuses bad keys and bodies in the Anthropic error shape', async () => {
    await harness.server.flushUsage()
    const logs = (await harness.root.call('GET', '/api/log/?page_size=100')).body.data.total
    expect(logs).toBe(0)
    const badKey = await fetch(`${harness.server.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': 'sk-wrong' }, body: JSON.stringify({ model: 'gpt-4o', messages: [] }) })
    expect(badKey.status).toBe(401)
    expect(await badKey.json()).toMatchObject({ type: 'error', error: { message: 'Invalid token' } })
    const badBody = await fetch(`${harness.server.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': key }, body: JSON.stringify({ model: 'gpt-4o', messages: 'hi' }) })
    expect(badBody.status).toBe(400)
    expect((await badBody.json() as { type: string }).type).toBe('error')
  })
})
