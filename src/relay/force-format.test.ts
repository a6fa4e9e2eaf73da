import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { forceFormatChunks, forceFormatResponse } from './force-format.ts'

const defaults = { id: 'chatcmpl-fallback', model: 'asked-for', created: 1_700_000_000 }

/** An OpenAI-compatible vendor that strays from OpenAI's shape, as some self-hosted servers and resellers do. */
const strayAnswer = {
  choices: [{ message: { content: [{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }], reasoning: 'greeting' }, finish_reason: 'stop', vendor_trace: 'x' }],
  usage: { prompt_tokens: 5, completion_tokens: 2, cost_usd: 0.001 },
  vendor_request_id: 'r-1',
}
const strayChunks = [
  { choices: [{ delta: { role: 'assistant', content: 'Hel' }, vendor_trace: 'x' }] },
  { choices: [{ delta: { content: 'lo' } }], node: 'gpu-3' },
  { choices: [{ delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 2 } },
]

describe('force_format', () => {
  test('a whole answer gets exactly OpenAI\'s fields, with the required ones filled in', () => {
    expect(forceFormatResponse(strayAnswer, defaults)).toEqual({
      id: 'chatcmpl-fallback', object: 'chat.completion', created: 1_700_000_000, model: 'asked-for',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello', reasoning_content: 'greeting' }, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    })
    // What the upstream did send is kept.
    const proper = { id: 'chatcmpl-up', object: 'chat.completion', created: 5, model: 'gpt-x', system_fingerprint: 'fp', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{}' } }] }, logprobs: null, finish_reason: 'tool_calls' }] }
    expect(forceFormatResponse(proper, defaults)).toEqual(proper)
  })

  test('stream chunks: one id for the stream, indexes and finish reasons filled in, vendor fields gone', () => {
    const rewrite = forceFormatChunks(defaults)
    const out = strayChunks.map((chunk) => rewrite(structuredClone(chunk)))
    for (const chunk of out) expect(Object.keys(chunk).sort()).toEqual(['choices', 'created', 'id', 'model', 'object', ...('usage' in chunk ? ['usage'] : [])].sort())
    expect(out[0]).toEqual({ id: 'chatcmpl-fallback', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'asked-for', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, logprobs: null, finish_reason: null }] })
    expect(out[2]!.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 })
  })
})

describe('force_format through the relay', () => {
  let harness: RelayHarness
  let key: string
  beforeAll(async () => {
    harness = await startRelayHarness()
    key = (await harness.addToken()).key
    await harness.setOption('ModelRatio', { stray: 1, 'stray-plain': 1 })
    await harness.addChannel({ name: 'strict', models: 'stray', setting: JSON.stringify({ force_format: true }) })
    await harness.addChannel({ name: 'plain', models: 'stray-plain' })
    harness.upstream.setOptions({
      onRequest: (request) => {
        const body = request.body as { stream?: boolean }
        if (!body.stream) return Response.json(strayAnswer)
        return new Response(`${strayChunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`, { headers: { 'content-type': 'text/event-stream' } })
      },
    })
  })
  afterAll(() => harness.dispose())

  test('the OpenAI SDK reads the rewritten answer, whole and streamed, and it is billed from its usage', async () => {
    const client = harness.client(key)
    const whole = await client.chat.completions.create({ model: 'stray', messages: [{ role: 'user', content: 'hi' }] })
    expect(whole.object).toBe('chat.completion')
    expect(whole.id).toStartWith('chatcmpl-')
    expect(whole.choices[0]!.message.content).toBe('Hello')
    expect(whole.usage!.total_tokens).toBe(7)
    expect('vendor_request_id' in whole).toBe(false)
    const chunks = []
    for await (const chunk of await client.chat.completions.create({ model: 'stray', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })) chunks.push(chunk)
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Hello')
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1)
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && !('node' in chunk))).toBe(true)
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', '/api/log/?page_size=1')).body.data.items[0] as { prompt_tokens: number; completion_tokens: number }
    expect([row.prompt_tokens, row.completion_tokens]).toEqual([5, 2])
  })

  test('a channel without it passes the upstream\'s bytes untouched', async () => {
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'stray-plain', messages: [{ role: 'user', content: 'hi' }] }) })
    expect(await response.json()).toEqual(strayAnswer)
  })
})
