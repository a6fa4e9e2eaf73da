import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

// Every inbound format with its official client, against channels of every format that replay recorded
// provider responses. Each test names the pair it proves and checks the bill against the recording's usage.
let harness: RelayHarness
let key: string

beforeAll(async () => {
  harness = await startRelayHarness()
  await harness.addChannel({ type: 1, name: 'openai', models: 'gpt-via-openai' })
  await harness.addChannel({ type: 14, name: 'anthropic', key: 'anthropic-key', models: 'claude-via-anthropic' })
  await harness.addChannel({ type: 24, name: 'gemini', key: 'gemini-key', models: 'gemini-via-gemini' })
  await harness.setOption('ModelRatio', { 'gpt-via-openai': 1, 'claude-via-anthropic': 1, 'gemini-via-gemini': 1 })
  await harness.setOption('CompletionRatio', { 'gpt-via-openai': 1, 'claude-via-anthropic': 1, 'gemini-via-gemini': 1 })
  key = (await harness.addToken()).key
})
afterAll(() => harness.dispose())
beforeEach(() => harness.upstream.setOptions({ replay: undefined, onRequest: undefined }))

async function lastConsume(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?model_name=${model}&type=2&page_size=1`)).body.data.items[0] as { prompt_tokens: number; completion_tokens: number; quota: number; other: string }
}
const anthropic = () => new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
const gemini = () => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.server.url } })

describe('Claude client', () => {
  test('Claude client -> Anthropic channel passes natively and bills cache-aware usage', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.json' })
    const message = await anthropic().messages.create({ model: 'claude-via-anthropic', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 29 })
    expect(harness.upstream.lastRequest!.path).toBe('/v1/messages')
    expect(harness.upstream.lastRequest!.headers['x-api-key']).toBe('anthropic-key')
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 12, completion_tokens: 29, quota: 41 })
  })

  test('Claude client -> Anthropic channel streams natively', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.chunks.txt' })
    const stream = anthropic().messages.stream({ model: 'claude-via-anthropic', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] })
    const final = await stream.finalMessage()
    expect(final.content[0]!.type).toBe('text')
    expect(final.usage.output_tokens).toBe(30)
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 })
  })

  test('Claude client -> OpenAI channel converts the request, the answer and the stream', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/issue-8132-long-tool-call-id.json' })
    const message = await anthropic().messages.create({ model: 'gpt-via-openai', max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] })
    expect(message.type).toBe('message')
    expect(message.content[0]!.type).toBe('text')
    const sent = harness.upstream.lastRequest!.body as { messages: { role: string }[] }
    expect(sent.messages.map((entry) => entry.role)).toEqual(['system', 'user'])
    const row = await lastConsume('gpt-via-openai')
    expect(row.prompt_tokens).toBe(message.usage.input_tokens)

    harness.upstream.setOptions({ replay: 'openai-chat/openai-text.chunks.txt' })
    const streamed = await anthropic().messages.stream({ model: 'gpt-via-openai', max_tokens: 400, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
    expect((streamed.content[0] as { text: string }).text.length).toBeGreaterThan(100)
    expect(await lastConsume('gpt-via-openai')).toMatchObject({ prompt_tokens: 16, completion_tokens: 300 })
  })

  test('Claude client tool use round-trips through an OpenAI channel', async () => {
    harness.upstream.setOptions({ replay: 'deepseek/deepseek-tool-call.chunks.txt' })
    const final = await anthropic().messages.stream({
      model: 'gpt-via-openai', max_tokens: 400, messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ name: 'weather', description: 'Get weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    }).finalMessage()
    expect(final.stop_reason).toBe('tool_use')
    expect(final.content.some((block) => block.type === 'tool_use')).toBe(true)
  })
})

describe('OpenAI client', () => {
  test('OpenAI client -> Anthropic channel, non-stream and stream', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-clear-thinking.1.json' })
    const completion = await harness.client(key).chat.completions.create({ model: 'claude-via-anthropic', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0]!.message.content).toBeTruthy()
    expect(completion.usage).toMatchObject({ prompt_tokens: 69, completion_tokens: 33 })
    expect(harness.upstream.lastRequest!.path).toBe('/v1/messages')
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 69, completion_tokens: 33, quota: 102 })

    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.chunks.txt' })
    let text = ''
    for await (const chunk of await harness.client(key).chat.completions.create({ model: 'claude-via-anthropic', messages: [{ role: 'user', content: 'hi' }], stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? ''
    }
    expect(text.length).toBeGreaterThan(10)
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 })
  })

  test('OpenAI client -> Anthropic channel bills cache writes with CreateCacheRatio', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-issue-5942-cache-write.chunks.txt' })
    for await (const _ of await harness.client(key).chat.completions.create({ model: 'claude-via-anthropic', messages: [{ role: 'user', content: 'hi' }], stream: true })) { /* drain */ }
    const row = await lastConsume('claude-via-anthropic')
    // 3 fresh + 17 603 written to the cache (× 1.25 default CreateCacheRatio) + output × 1.
    expect(row.prompt_tokens).toBe(17_606)
    expect(row.quota).toBe(Math.round(3 + 17_603 * 1.25 + row.completion_tokens))
    expect(JSON.parse(row.other).cache_write_tokens).toBe(17_603)
  })

  test('OpenAI client -> Gemini channel', async () => {
    harness.upstream.setOptions({ replay: 'google/google-text.json' })
    const completion = await harness.client(key).chat.completions.create({ model: 'gemini-via-gemini', messages: [{ role: 'user', content: 'hi' }] })
    expect(completion.choices[0]!.message.content).toBeTruthy()
    expect(harness.upstream.lastRequest!.path).toContain(':generateContent')
    expect(harness.upstream.lastRequest!.headers['x-goog-api-key']).toBe('gemini-key')
    // Thoughts are output tokens: 28 candidates + 244 thoughts.
    expect(await lastConsume('gemini-via-gemini')).toMatchObject({ prompt_tokens: 9, completion_tokens: 272 })
  })
})

describe('Gemini client', () => {
  test('Gemini client -> Gemini channel passes natively, stream and not', async () => {
    harness.upstream.setOptions({ replay: 'google/google-text.json' })
    const response = await gemini().models.generateContent({ model: 'gemini-via-gemini', contents: 'hi' })
    expect(response.text).toBeTruthy()
    expect(await lastConsume('gemini-via-gemini')).toMatchObject({ prompt_tokens: 9, completion_tokens: 272 })

    harness.upstream.setOptions({ replay: 'google/google-text.chunks.txt' })
    let text = ''
    for await (const chunk of await gemini().models.generateContentStream({ model: 'gemini-via-gemini', contents: 'hi' })) text += chunk.text ?? ''
    expect(text.length).toBeGreaterThan(10)
    expect(harness.upstream.lastRequest!.path).toContain(':streamGenerateContent')
  })

  test('Gemini client -> OpenAI channel', async () => {
    harness.upstream.setOptions({ replay: 'openai-chat/issue-8132-long-tool-call-id.json' })
    const response = await gemini().models.generateContent({ model: 'gpt-via-openai', contents: 'hi', config: { systemInstruction: 'Be brief.' } })
    expect(response.text).toBeTruthy()
    expect(response.usageMetadata?.promptTokenCount).toBeGreaterThan(0)
    const sent = harness.upstream.lastRequest!.body as { model: string; messages: { role: string }[] }
    expect(sent.model).toBe('gpt-via-openai')
    expect(sent.messages[0]!.role).toBe('system')

    harness.upstream.setOptions({ replay: 'openai-chat/openai-text.chunks.txt' })
    let text = ''
    for await (const chunk of await gemini().models.generateContentStream({ model: 'gpt-via-openai', contents: 'hi' })) text += chunk.text ?? ''
    expect(text.length).toBeGreaterThan(100)
    expect(await lastConsume('gpt-via-openai')).toMatchObject({ prompt_tokens: 16, completion_tokens: 300 })
  })
})

describe('Responses client', () => {
  test('Responses client -> OpenAI channel goes to the Responses endpoint natively', async () => {
    harness.upstream.setOptions({ replay: 'openai-responses/openai-input-file-csv.json' })
    const response = await harness.client(key).responses.create({ model: 'gpt-via-openai', input: 'hi' })
    expect(response.output_text).toBeTruthy()
    expect(harness.upstream.lastRequest!.path).toBe('/v1/responses')
    expect(await lastConsume('gpt-via-openai')).toMatchObject({ prompt_tokens: 68, completion_tokens: 4 })
  })

  test('Responses client -> Anthropic channel, non-stream and stream', async () => {
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.json' })
    const response = await harness.client(key).responses.create({ model: 'claude-via-anthropic', input: 'hi', instructions: 'Be brief.' })
    expect(response.output_text.length).toBeGreaterThan(5)
    expect(response.usage).toMatchObject({ input_tokens: 12, output_tokens: 29 })

    harness.upstream.setOptions({ replay: 'anthropic/anthropic-text.chunks.txt' })
    const stream = await harness.client(key).responses.create({ model: 'claude-via-anthropic', input: 'hi', stream: true })
    let completed = false
    let text = ''
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta
      if (event.type === 'response.completed') completed = true
    }
    expect(completed).toBe(true)
    expect(text.length).toBeGreaterThan(10)
    expect(await lastConsume('claude-via-anthropic')).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 })
  })
})

describe('bad input in the caller\'s format', () => {
  test('a body valid in no format: a 400 in the Anthropic error shape for a Claude client', async () => {
    const response = await fetch(`${harness.server.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-via-anthropic', messages: 'not a list' }) })
    expect(response.status).toBe(400)
    const body = await response.json()
    expect(body.type).toBe('error')
    expect(body.error.message).toContain('messages')
  })

  test('an unknown key: 401 in the Gemini error shape for a Gemini client', async () => {
    const response = await fetch(`${harness.server.url}/v1beta/models/gemini-via-gemini:generateContent?key=sk-nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contents: [] }) })
    expect(response.status).toBe(401)
    const body = await response.json()
    expect(body.error.code).toBe(401)
    expect(body.error.message).toContain('Invalid token')
  })

  test('an image type the target refuses: 4xx naming it, never a silent drop', async () => {
    const response = await fetch(`${harness.server.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-via-anthropic', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }),
    })
    expect(response.status).toBeGreaterThanOrEqual(400)
    expect(response.status).toBeLessThan(500)
    expect((await response.json()).error.message).toContain('image/bmp')
  })

  test('models list answers in the Anthropic and Gemini shapes when asked that way', async () => {
    const claude = await (await fetch(`${harness.server.url}/v1/models`, { headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } })).json()
    expect(claude.data[0]).toMatchObject({ type: 'model' })
    const google = await (await fetch(`${harness.server.url}/v1beta/models?key=${key}`)).json()
    expect(google.models.map((model: { name: string }) => model.name)).toContain('models/gemini-via-gemini')
  })

  test('@google/genai lists and gets models (GET /v1/models with x-goog-api-key) in the Gemini shape', async () => {
    const names: string[] = []
    for await (const model of await gemini().models.list()) names.push(model.name!)
    expect(names).toContain('models/gemini-via-gemini')
    const one = await gemini().models.get({ model: 'gemini-via-gemini' })
    expect(one).toMatchObject({ name: 'models/gemini-via-gemini', displayName: 'gemini-via-gemini' })
    expect(one.supportedActions).toContain('generateContent')
    const missing = await fetch(`${harness.server.url}/v1beta/models/not-served`, { headers: { 'x-goog-api-key': key } })
    expect(missing.status).toBe(404)
  })
})
