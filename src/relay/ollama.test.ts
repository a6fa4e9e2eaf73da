import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockOllama, type MockOllama } from '../testing/mock-ollama.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Ollama channels (type 4) end to end on Ollama's native API: the real gateway, the official OpenAI SDK as the
 * client, a local Ollama (behind a key-checking proxy, as servers exposed to a network usually are), and new-api's
 * `/api/channel/ollama/*` model management through the channel.
 */

let harness: RelayHarness
let ollama: MockOllama
let key: string
let channelId: number
const models = ['llama3.2', 'all-minilm', 'llama9']

beforeAll(async () => {
  ollama = startMockOllama({ key: 'ollama-proxy-key', models: ['llama3.2:latest', 'all-minilm:latest'] })
  harness = await startRelayHarness()
  channelId = await harness.addChannel({
    type: 4, name: 'ollama', key: 'ollama-proxy-key', base_url: ollama.url, models: models.join(','),
    param_override: JSON.stringify({ operations: [{ path: 'keep_alive', mode: 'set', value: '30m' }, { path: 'options.num_ctx', mode: 'set', value: 8192 }] }),
  })
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  ollama.stop()
})

const lastCall = (path: string) => ollama.calls.filter((call) => call.path === path).at(-1)!

describe('Ollama native chat, embeddings and completions', () => {
  test('non-stream: /api/chat with options and the channel\'s keep_alive / num_ctx, the answer and eval counts as usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Why is the sky blue?' }], max_tokens: 50, temperature: 0.1 })
    expect(completion.choices[0]!.message.content).toBe('The sky is blue because of Rayleigh scattering.')
    expect(completion.usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 9, total_tokens: 35 })
    const call = lastCall('/api/chat')
    expect(call.authorization).toBe('Bearer ollama-proxy-key')
    expect(call.body).toEqual({ model: 'llama3.2', stream: false, messages: [{ role: 'user', content: 'Why is the sky blue?' }], options: { temperature: 0.1, num_predict: 50, num_ctx: 8192 }, keep_alive: '30m' })
  })

  test('stream with usage: NDJSON lines become OpenAI chunks, then the usage chunk', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } })
    let content = ''
    let usage: unknown
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(content).toBe('The sky is blue because of Rayleigh scattering.')
    expect(usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 9 })
    expect(lastCall('/api/chat').body!.stream).toBe(true)
  })

  test('a tool call, whole and streamed', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
    const completion = await harness.client(key).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools })
    expect(completion.choices[0]!.finish_reason).toBe('tool_calls')
    expect(completion.choices[0]!.message.tool_calls?.[0]).toMatchObject({ type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } })
    expect(lastCall('/api/chat').body!.tools).toEqual(tools)
    const stream = await harness.client(key).chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, stream: true })
    let name = ''
    let args = ''
    let finish = ''
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += call.function?.name ?? ''
        args += call.function?.arguments ?? ''
      }
      finish ||= chunk.choices[0]?.finish_reason ?? ''
    }
    expect({ name, args, finish }).toEqual({ name: 'get_weather', args: '{"city":"Paris","unit":"celsius"}', finish: 'tool_calls' })
  })

  test('embeddings through /api/embed, billed by prompt_eval_count', async () => {
    const embeddings = await harness.client(key).embeddings.create({ model: 'all-minilm', input: ['first', 'second'] })
    expect(embeddings.data.map((entry) => entry.embedding.length)).toEqual([4, 4])
    expect(embeddings.usage.prompt_tokens).toBe(8)
    // The channel's parameter overrides reach /api/embed too (it takes keep_alive and options like /api/chat).
    expect(lastCall('/api/embed').body).toEqual({ model: 'all-minilm', input: ['first', 'second'], keep_alive: '30m', options: { num_ctx: 8192 } })
  })

  test('legacy completions pass through Ollama\'s /v1/completions', async () => {
    const completion = await harness.client(key).completions.create({ model: 'llama3.2', prompt: 'The sky is' })
    expect(completion.choices[0]!.text).toBe('blue.')
    expect(lastCall('/v1/completions').authorization).toBe('Bearer ollama-proxy-key')
    const stream = await harness.client(key).completions.create({ model: 'llama3.2', prompt: 'The sky is', stream: true, stream_options: { include_usage: true } })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(text).toBe('blue.')
    expect(usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 2 })
  })

  test('a model that is not pulled: Ollama\'s 404 message reaches the client', async () => {
    const error = await harness.client(key).chat.completions.create({ model: 'llama9', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(404)
    expect(error.message).toContain("model 'llama9' not found")
  })
})

describe('/api/channel/ollama/* model management', () => {
  test('list (fetch_models), pull with streamed progress, pull whole, version, delete', async () => {
    const listed = await harness.root.call('GET', `/api/channel/fetch_models/${channelId}`)
    expect(listed.body.data).toEqual(['llama3.2:latest', 'all-minilm:latest'])

    const streamed = await harness.root.call('POST', '/api/channel/ollama/pull/stream', { channel_id: channelId, model_name: 'qwen3' })
    expect(streamed.headers.get('content-type')).toContain('text/event-stream')
    const events = (streamed.body as string).split('\n\n').filter(Boolean).map((event) => event.replace(/^data: /, ''))
    expect(events[0]).toBe('{"status":"pulling manifest"}')
    expect(events.some((event) => event.includes('"completed":1009688688'))).toBe(true)
    expect(events.slice(-3)).toEqual(['{"status":"success"}', '{"message":"Model qwen3 pulled successfully"}', '[DONE]'])
    expect(lastCall('/api/pull').body).toEqual({ model: 'qwen3', stream: true })
    expect(ollama.models.has('qwen3:latest')).toBe(true)

    const whole = await harness.root.call('POST', '/api/channel/ollama/pull', { channel_id: channelId, model_name: 'gemma3:1b' })
    expect(whole.body).toMatchObject({ success: true, message: 'Model gemma3:1b pulled successfully' })
    expect(lastCall('/api/pull').body).toEqual({ model: 'gemma3:1b', stream: false })

    const version = await harness.root.call('GET', `/api/channel/ollama/version/${channelId}`)
    expect(version.body.data).toEqual({ version: '0.12.6' })

    const deleted = await harness.root.call('DELETE', '/api/channel/ollama/delete', { channel_id: channelId, model_name: 'qwen3' })
    expect(deleted.body).toMatchObject({ success: true })
    expect(lastCall('/api/delete')).toMatchObject({ method: 'DELETE', authorization: 'Bearer ollama-proxy-key', body: { model: 'qwen3' } })
    expect(ollama.models.has('qwen3:latest')).toBe(false)
  })

  test('failures: Ollama\'s error named; a non-Ollama channel refused; the streamed pull ends with an error event', async () => {
    const missing = await harness.root.call('DELETE', '/api/channel/ollama/delete', { channel_id: channelId, model_name: 'nothing-here' })
    expect(missing.status).toBe(502)
    expect(missing.body.message).toContain("model 'nothing-here' not found")
    const other = await harness.addChannel({ type: 1, name: 'openai', models: 'gpt-4o-mini' })
    const refused = await harness.root.call('POST', '/api/channel/ollama/pull', { channel_id: other, model_name: 'qwen3' })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toContain('only supported for Ollama channels')
    const unnamed = await harness.root.call('POST', '/api/channel/ollama/pull', { channel_id: channelId })
    expect(unnamed.status).toBe(400)
    const failed = await harness.root.call('POST', '/api/channel/ollama/pull', { channel_id: channelId, model_name: 'missing-model' })
    expect(failed.status).toBe(502)
    expect(failed.body.message).toContain('pull model manifest: file does not exist')
    const broken = await harness.root.call('POST', '/api/channel/ollama/pull/stream', { channel_id: channelId, model_name: 'broken-model' })
    expect((broken.body as string).split('\n\n').filter(Boolean)).toEqual(['data: {"status":"pulling manifest"}', 'data: {"error":"max retries exceeded: unexpected EOF"}', 'data: [DONE]'])
  })
})
