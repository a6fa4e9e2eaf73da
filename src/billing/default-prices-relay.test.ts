import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Issue 17 as a new user met it: a fresh install (no price option saved) with an Anthropic channel relays
 * `claude-sonnet-4-20250514` instead of refusing it with `model_price_error`, and bills it at the default table's
 * figures. The mock upstream answers as Anthropic's Messages API does, checking the key and version headers it checks.
 */

const CHANNEL_KEY = 'sk-ant-default-prices'
const USAGE = { input_tokens: 1000, cache_read_input_tokens: 600, cache_creation_input_tokens: 200, output_tokens: 300 }
// $3 / $15, cache read 0.1×, cache write 1.25× ⇒ (1000 + 600 × 0.1 + 200 × 1.25 + 300 × 5) × ModelRatio 1.5 = 4215.
const EXPECTED_QUOTA = 4215

let harness: RelayHarness
let key: string

beforeAll(async () => {
  harness = await startRelayHarness({
    upstream: {
      onRequest: (request) => {
        if (request.path !== '/v1/messages') return undefined
        if (request.headers['x-api-key'] !== CHANNEL_KEY) return Response.json({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, { status: 401 })
        if (!request.headers['anthropic-version']) return Response.json({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } }, { status: 400 })
        const model = (request.body as { model: string }).model
        return Response.json({ id: 'msg_default_prices', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'Priced.' }], stop_reason: 'end_turn', stop_sequence: null, usage: USAGE })
      },
    },
  })
  await harness.addChannel({ type: 14, name: 'anthropic', key: CHANNEL_KEY, base_url: harness.upstream.url, models: 'claude-sonnet-4-20250514,claude-3-5-haiku-20241022' })
  key = (await harness.addToken()).key
})
afterAll(() => harness.dispose())

async function lastRow(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${model}&page_size=1`)).body.data.items[0]
  return { ...row, other: JSON.parse(row.other) }
}

describe('a fresh install prices current Claude models', () => {
  test('claude-sonnet-4-20250514 is relayed, not refused, and costs its list price with cache reads and writes', async () => {
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
    const message = await anthropic.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 64, messages: [{ role: 'user', content: 'What does this cost?' }] })
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Priced.' })
    const row = await lastRow('claude-sonnet-4-20250514')
    expect(row.quota).toBe(EXPECTED_QUOTA)
    expect(row.other).toMatchObject({ model_ratio: 1.5, completion_ratio: 5, cache_ratio: 0.1 })
  })

  test('an OpenAI client reaches claude-3-5-haiku-20241022 at its own price ($0.80 / $4)', async () => {
    const answer = await harness.client(key).chat.completions.create({ model: 'claude-3-5-haiku-20241022', messages: [{ role: 'user', content: 'And this?' }], max_tokens: 64 })
    expect(answer.choices[0]!.message.content).toBe('Priced.')
    // (1000 + 60 + 250 + 1500) × ModelRatio 0.4 = 1124.
    expect((await lastRow('claude-3-5-haiku-20241022')).quota).toBe(1124)
  })
})
