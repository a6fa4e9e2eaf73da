import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

// STREAM_CONVERSION=worker: the same conversions, run in the worker pool instead of on the event loop.
let harness: RelayHarness
let key: string

beforeAll(async () => {
  harness = await startRelayHarness({ env: { STREAM_CONVERSION: 'worker', WORKER_POOL_SIZE: '1' } })
  await harness.addChannel({ type: 1, name: 'openai', models: 'gpt-via-openai' })
  await harness.addChannel({ type: 14, name: 'anthropic', key: 'anthropic-key', models: 'claude-via-anthropic' })
  await harness.setOption('ModelRatio', { 'gpt-via-openai': 1, 'claude-via-anthropic': 1 })
  key = (await harness.addToken()).key
})
afterAll(() => harness.dispose())

async function lastConsume(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?model_name=${model}&type=2&page_size=1`)).body.data.items[0]
}

describe('stream conversions in worker threads', () => {
  test('OpenAI client -> Anthropic channel stream converted in a worker, billed from its usage', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.chunks.txt' })
    let text = ''
    for await (const chunk of await harness.client(key).chat.completions.create({ model: 'claude-via-anthropic', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? ''
    }
    expect(text.length).toBeGreaterThan(10)
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 })
  })

  test('Claude client -> OpenAI channel stream converted in a worker', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/openai-text.chunks.txt' })
    const final = await new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 }).messages.stream({ model: 'gpt-via-openai', max_tokens: 400, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    expect((final.content[0] as { text: string }).text.length).toBeGreaterThan(100)
    expect(await lastConsume('gpt-via-openai')).toMatchObject({ prompt_tokens: 16, completion_tokens: 300 })
  })

  test('missing usage is counted exactly by the tokenizer workers', async () => {
    harness.upstream.setOptions({ replay: undefined, omitUsage: true, responseBytes: 400 })
    const completion = await harness.client(key).chat.completions.create({ model: 'gpt-via-openai', messages: [{ role: 'user', content: 'count me please' }] })
    harness.upstream.setOptions({ omitUsage: false })
    const row = await lastConsume('gpt-via-openai')
    const { encode } = await import('gpt-tokenizer/encoding/cl100k_base')
    // Unknown models are counted with cl100k; the completion is exactly the delivered text.
    expect(row.completion_tokens).toBe(encode(completion.choices[0]!.message.content!).length)
    expect(row.prompt_tokens).toBeGreaterThan(3)
  })

  test('an upstream stream that breaks mid-way ends with the client format\'s error event from the worker', async () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Half an answer' } },
    ]
    harness.upstream.setOptions({
      replay: undefined,
      onRequest: () => new Response(new ReadableStream({
        start(controller) {
          for (const event of events) controller.enqueue(new TextEncoder().encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`))
          setTimeout(() => controller.error(new Error('connection reset')), 20)
        },
      }), { headers: { 'content-type': 'text/event-stream' } }),
    })
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-via-anthropic', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    })
    const text = await response.text()
    harness.upstream.setOptions({ onRequest: undefined })
    expect(text).toContain('Half an answer')
    const last = text.trim().split('\n\n').at(-1)!
    expect(last).toStartWith('data: {"error"')
  })
})
