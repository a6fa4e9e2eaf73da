import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { frameAsSse, readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * OpenRouter (20), Perplexity (27) and DeepSeek (43) channels end to end: the real gateway, the official OpenAI,
 * Anthropic and Google SDKs as clients, and one local server standing in for the three vendors at their paths,
 * refusing any key but the channel's (401 in the vendor's OpenAI-shaped error) and replaying recorded answers.
 */

let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
const calls: { path: string; body: Record<string, unknown> }[] = []
const lastCall = () => calls[calls.length - 1]!
const keys: Record<string, string[]> = { '/openrouter/v1/chat/completions': ['sk-or'], '/perplexity/chat/completions': ['pplx-key'], '/deepseek/v1/chat/completions': ['sk-ds', 'sk-ds-empty'] }

const json = (file: string, status = 200) => new Response(readFixtureText(file), { status, headers: { 'content-type': 'application/json' } })
const sse = (file: string, done = true) => new Response(new TextDecoder().decode(frameAsSse(readFixtureChunks(file), { done })), { headers: { 'content-type': 'text/event-stream' } })

function vendor(path: string, authorization: string, body: Record<string, unknown>): Response {
  if (!keys[path]?.some((allowed) => authorization === `Bearer ${allowed}`)) return Response.json({ error: { message: 'Invalid API key', type: 'authentication_error', code: 'invalid_api_key' } }, { status: 401 })
  if (authorization === 'Bearer sk-ds-empty') return json('deepseek/deepseek-402-insufficient-balance.json', 402)
  if (path.startsWith('/openrouter')) return body.stream ? sse('openrouter/openrouter-reasoning.chunks.txt') : json('openrouter/openrouter-reasoning.json')
  // Perplexity's stream ends without [DONE] in vercel/ai's recording; its non-stream answers are the two recorded bodies.
  if (path.startsWith('/perplexity')) return body.stream ? sse('perplexity/perplexity-citations.chunks.txt', false) : json(body.model === 'sonar-fee' ? 'perplexity/perplexity-usage-raw-live.json' : 'perplexity/perplexity-citations.json')
  return body.stream ? sse('deepseek/deepseek-tool-call.chunks.txt') : json('deepseek/deepseek-reasoning.json')
}

beforeAll(async () => {
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = await request.json() as Record<string, unknown>
      calls.push({ path, body })
      return vendor(path, request.headers.get('authorization') ?? '', body)
    },
  })
  const base = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  await harness.addChannel({ type: 20, name: 'openrouter', key: 'sk-or', base_url: `${base}/openrouter`, models: 'anthropic/claude-sonnet-4.5' })
  await harness.addChannel({ type: 27, name: 'perplexity', key: 'pplx-key', base_url: `${base}/perplexity`, models: 'sonar,sonar-fee' })
  // An account with no balance is tried first; its 402 moves the request to the funded one.
  await harness.addChannel({ type: 43, name: 'deepseek-empty', key: 'sk-ds-empty', base_url: `${base}/deepseek`, models: 'deepseek-reasoner', priority: 10, auto_ban: 0 })
  await harness.addChannel({ type: 43, name: 'deepseek', key: 'sk-ds', base_url: `${base}/deepseek`, models: 'deepseek-reasoner' })
  const models = ['anthropic/claude-sonnet-4.5', 'sonar', 'sonar-fee', 'deepseek-reasoner']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CacheRatio', { 'deepseek-reasoner': 0.1 })
  await harness.setOption('RetryTimes', 1)
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

async function lastRow(model: string) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/log/?type=2&model_name=${encodeURIComponent(model)}&page_size=1`)).body.data.items[0]
}

describe('OpenRouter', () => {
  test('OpenAI client: provider routing, models and transforms pass as sent; reasoning_effort becomes reasoning.effort; reasoning reaches the client', async () => {
    const routing = { provider: { order: ['anthropic', 'amazon-bedrock'], allow_fallbacks: false, sort: 'throughput' }, models: ['openai/gpt-5'], transforms: ['middle-out'] }
    const stream = await harness.client(key).chat.completions.create({
      model: 'anthropic/claude-sonnet-4.5', stream: true, reasoning_effort: 'high', messages: [{ role: 'user', content: '17 × 23?' }], ...routing,
    } as never) as unknown as AsyncIterable<{ choices: { delta: Record<string, unknown> }[] }>
    let reasoning = ''
    let content = ''
    for await (const chunk of stream) {
      reasoning += (chunk.choices[0]?.delta.reasoning as string | null) ?? ''
      content += (chunk.choices[0]?.delta.content as string | null) ?? ''
    }
    expect(lastCall().path).toBe('/openrouter/v1/chat/completions')
    expect(lastCall().body).toMatchObject({ ...routing, reasoning: { effort: 'high' }, stream_options: { include_usage: true } })
    expect(lastCall().body.reasoning_effort).toBeUndefined()
    expect(reasoning).toBe('The user asks for 17 × 23.17 × 20 = 340 and 17 × 3 = 51, so 391.')
    expect(content).toBe('17 × 23 = **391**.')
    expect(await lastRow('anthropic/claude-sonnet-4.5')).toMatchObject({ prompt_tokens: 41, completion_tokens: 58 })
  })

  test('Anthropic client with extended thinking: the budget becomes reasoning.max_tokens; the answer has a signed thinking block', async () => {
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
    const message = await anthropic.messages.stream({
      model: 'anthropic/claude-sonnet-4.5', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4000 }, messages: [{ role: 'user', content: '17 × 23?' }],
    }).finalMessage()
    expect(lastCall().body.reasoning).toEqual({ max_tokens: 4000 })
    expect(message.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user asks for 17 × 23.17 × 20 = 340 and 17 × 3 = 51, so 391.', signature: 'EqQBCkYIBxgCKkBsig-test-signature' })
    expect(message.content[1]).toMatchObject({ type: 'text', text: '17 × 23 = **391**.' })
    // The next turn sends that signed thinking back; OpenRouter gets it as the turn's reasoning_details.
    await anthropic.messages.create({
      model: 'anthropic/claude-sonnet-4.5', max_tokens: 8000, thinking: { type: 'enabled', budget_tokens: 4000 },
      messages: [{ role: 'user', content: '17 × 23?' }, { role: 'assistant', content: message.content as Anthropic.ContentBlockParam[] }, { role: 'user', content: 'And × 2?' }],
    })
    expect((lastCall().body.messages as Record<string, unknown>[])[1]).toMatchObject({
      role: 'assistant', content: '17 × 23 = **391**.',
      reasoning_details: [{ type: 'reasoning.text', text: 'The user asks for 17 × 23.17 × 20 = 340 and 17 × 3 = 51, so 391.', signature: 'EqQBCkYIBxgCKkBsig-test-signature', format: 'anthropic-claude-v1' }],
    })
  })
})

describe('Perplexity', () => {
  test('OpenAI client: citations and Perplexity\'s usage (search fee included) reach the client as sent', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'sonar', messages: [{ role: 'user', content: 'Population of SF?' }] }) as unknown as { citations: string[] }
    expect(lastCall().path).toBe('/perplexity/chat/completions')
    expect(completion.citations).toHaveLength(7)
    const fee = await harness.client(key).chat.completions.create({ model: 'sonar-fee', messages: [{ role: 'user', content: 'ok?' }] })
    expect((fee.usage as unknown as { cost: { request_cost: number } }).cost.request_cost).toBe(0.005)
    const stream = await harness.client(key).chat.completions.create({ model: 'sonar', stream: true, messages: [{ role: 'user', content: 'Population of SF?' }] })
    const cited: unknown[] = []
    for await (const chunk of stream) cited.push((chunk as unknown as { citations?: string[] }).citations)
    expect(cited.every((list) => Array.isArray(list) && list.length === 7)).toBe(true)
    expect(lastCall().body.stream_options).toBeUndefined()
    expect(await lastRow('sonar')).toMatchObject({ prompt_tokens: 10, completion_tokens: 336 })
  })

  test('Gemini client: the sources arrive as groundingMetadata, whole and streamed', async () => {
    const genai = new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: harness.server.url } })
    const answer = await genai.models.generateContent({ model: 'sonar', contents: 'Population of SF?' })
    expect(answer.candidates?.[0]?.groundingMetadata?.groundingChunks?.[1]?.web?.uri).toBe('https://en.wikipedia.org/wiki/San_Francisco')
    let sources = 0
    for await (const chunk of await genai.models.generateContentStream({ model: 'sonar', contents: 'Population of SF?' })) sources = Math.max(sources, chunk.candidates?.[0]?.groundingMetadata?.groundingChunks?.length ?? 0)
    expect(sources).toBe(7)
  })
})

describe('DeepSeek', () => {
  test('Anthropic client, stream: reasoning_content as a thinking block, then the tool call; cache hits billed as cached; the empty account\'s 402 moved on', async () => {
    const before = calls.filter((call) => call.path.startsWith('/deepseek')).length
    const anthropic = new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
    const message = await anthropic.messages.stream({
      model: 'deepseek-reasoner', max_tokens: 1000, messages: [{ role: 'user', content: 'Weather in SF?' }],
      tools: [{ name: 'weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    }).finalMessage()
    expect(calls.filter((call) => call.path.startsWith('/deepseek')).length - before).toBe(2)
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use'])
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 19, cache_read_input_tokens: 320 })
    const row = await lastRow('deepseek-reasoner')
    expect(JSON.parse(row.other)).toMatchObject({ cache_tokens: 320, cache_ratio: 0.1 })
    // (339 − 320 + 320 × 0.1 + 83 × 1) × 1
    expect(row.quota).toBe(134)
  })

  test('OpenAI client, non-stream: reasoning_content untouched', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'deepseek-reasoner', messages: [{ role: 'user', content: 'How many rs in strawberry?' }] })
    expect((completion.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content).toStartWith('We are asked')
  })
})
