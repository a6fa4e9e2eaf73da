import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import type { WireFormat } from '../providers/types.ts'
import { buildSensitiveMatcher } from '../security/sensitive-words.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { createCompletionStreamFilter } from './completion-filter.ts'

// The completion half of the sensitive-word filter, through the real server against a mock upstream whose streams
// are written one network chunk at a time (OpenAI's chat.completion.chunk and Anthropic's Messages stream events,
// as their API references describe them), so a word split across two chunks really arrives in two reads.
let harness: RelayHarness
let key: string
/** Whether the upstream's last stream was cancelled by the gateway, and how many of its chunks were read. */
let upstreamStream = { cancelled: false, pulled: 0 }

/** The two channels, prices and the filter's options, on a fresh harness; returns a token key. */
async function setUp(harness: RelayHarness): Promise<string> {
  await harness.addChannel({ type: 1, name: 'openai', models: 'gpt-via-openai' })
  await harness.addChannel({ type: 14, name: 'anthropic', key: 'anthropic-key', models: 'claude-via-anthropic' })
  await harness.setOption('ModelRatio', { 'gpt-via-openai': 1, 'claude-via-anthropic': 1 })
  await harness.setOption('CompletionRatio', { 'gpt-via-openai': 1, 'claude-via-anthropic': 1 })
  await harness.setOption('SensitiveWords', 'forbidden topic\n禁词')
  await harness.setOption('CheckSensitiveEnabled', 'true')
  await harness.setOption('CheckSensitiveOnCompletionEnabled', 'true')
  return (await harness.addToken()).key
}

beforeAll(async () => {
  harness = await startRelayHarness()
  key = await setUp(harness)
})
afterAll(() => harness.dispose())
beforeEach(() => harness.upstream.setOptions({ onRequest: undefined }))

const sse = 'text/event-stream'
/** Writes each chunk in its own read, `gapMs` apart; notes when the gateway cancels the stream. */
function paced(chunks: string[], gapMs = 30): Response {
  upstreamStream = { cancelled: false, pulled: 0 }
  const state = upstreamStream
  const encoder = new TextEncoder()
  return new Response(new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (state.pulled > 0) await Bun.sleep(gapMs)
      const chunk = chunks[state.pulled++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(encoder.encode(chunk))
    },
    cancel() { state.cancelled = true },
  }), { headers: { 'content-type': sse } })
}

const openAiChunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'gpt-via-openai', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
const openAiUsage = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 0, model: 'gpt-via-openai', choices: [], usage: { prompt_tokens: 9, completion_tokens: 40, total_tokens: 49 } })}\n\n`
/** An answer in which "forbidden topic" is split across two chunks, with more text after it. */
const openAiSplitWord = [
  openAiChunk({ role: 'assistant', content: '' }), openAiChunk({ content: 'We may discuss the Forb' }), openAiChunk({ content: 'idden Topic now' }),
  ...Array.from({ length: 20 }, () => openAiChunk({ content: ' and more after' })), openAiChunk({}, 'stop'), openAiUsage, 'data: [DONE]\n\n',
]
const anthropicEvent = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...payload })}\n\n`
const anthropicSplitWord = [
  anthropicEvent('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-via-anthropic', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 11, output_tokens: 1 } } }),
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'We may discuss the forb' } }),
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'idden topic now' } }),
  ...Array.from({ length: 20 }, () => anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: ' and more after' } })),
  anthropicEvent('content_block_stop', { index: 0 }),
  anthropicEvent('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 60 } }),
  anthropicEvent('message_stop', {}),
]

async function lastConsume(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?model_name=${model}&type=2&page_size=1`)).body.data.items[0] as { prompt_tokens: number; completion_tokens: number; quota: number; other: string }
  return { ...row, other: JSON.parse(row.other) as Record<string, unknown> }
}
const post = (path: string, body: Record<string, unknown>, anthropic = false) => fetch(`${harness.server.url}${path}`, {
  method: 'POST', body: JSON.stringify(body),
  headers: anthropic ? { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' } : { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
})
const ask = (model: string, stream: boolean, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 100, stream, messages: [{ role: 'user', content: 'Tell me something' }], ...extra })
/** The `data:` payloads of an SSE body, parsed (but `[DONE]`). */
const dataOf = (text: string) => text.split('\n').filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]').map((line) => JSON.parse(line.slice(6)))

describe('non-stream answers', () => {
  const openAiAnswer = (message: Record<string, unknown>) => Response.json({
    id: 'chatcmpl-1', object: 'chat.completion', created: 0, model: 'gpt-via-openai',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }], usage: { prompt_tokens: 7, completion_tokens: 13, total_tokens: 20 },
  })

  test('OpenAI client, OpenAI channel: content or reasoning with a word is refused with 400 sensitive_words_detected, billed as the upstream reported', async () => {
    harness.upstream.setOptions({ onRequest: () => openAiAnswer({ content: 'Sure, the FORBIDDEN topic is…' }) })
    const refused = await post('/v1/chat/completions', ask('gpt-via-openai', false))
    expect(refused.status).toBe(400)
    expect((await refused.json()).error).toMatchObject({ code: 'sensitive_words_detected', message: expect.stringContaining('forbidden topic') })
    const row = await lastConsume('gpt-via-openai')
    expect(row).toMatchObject({ prompt_tokens: 7, completion_tokens: 13, quota: 20 })
    expect(row.other.sensitive_words_detected).toBe(true)
    expect(row.other.client_disconnected).toBeUndefined()

    harness.upstream.setOptions({ onRequest: () => openAiAnswer({ reasoning_content: '这里有禁词', content: 'Fine.' }) })
    expect((await post('/v1/chat/completions', ask('gpt-via-openai', false))).status).toBe(400)
    harness.upstream.setOptions({ onRequest: () => openAiAnswer({ content: 'A harmless answer.' }) })
    const fine = await post('/v1/chat/completions', ask('gpt-via-openai', false))
    expect(fine.status).toBe(200)
    expect((await lastConsume('gpt-via-openai')).other.sensitive_words_detected).toBeUndefined()
  })

  test('Anthropic client: refused in Anthropic\'s error shape, natively (Anthropic channel) and converted (OpenAI channel)', async () => {
    harness.upstream.setOptions({
      onRequest: (request) => request.path.startsWith('/v1/messages')
        ? Response.json({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-via-anthropic', content: [{ type: 'text', text: 'About the forbidden topic: …' }], stop_reason: 'end_turn', stop_sequence: null, usage: { input_tokens: 5, output_tokens: 8 } })
        : openAiAnswer({ content: 'About the Forbidden Topic: …' }),
    })
    for (const model of ['claude-via-anthropic', 'gpt-via-openai']) {
      const refused = await post('/v1/messages', ask(model, false), true)
      expect(refused.status).toBe(400)
      expect(await refused.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('forbidden topic') } })
      const row = await lastConsume(model)
      expect(row.other.sensitive_words_detected).toBe(true)
      expect(row.quota).toBe(model === 'claude-via-anthropic' ? 13 : 20)
    }
  })
  test('Gemini client (converted) and Responses client (native, read in the canonical shape): refused in their error shapes', async () => {
    harness.upstream.setOptions({
      onRequest: (request) => request.path.startsWith('/v1/responses')
        ? Response.json({ id: 'resp_1', object: 'response', status: 'completed', model: 'gpt-via-openai', output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'About the forbidden topic: …', annotations: [] }] }], usage: { input_tokens: 4, output_tokens: 6, total_tokens: 10 } })
        : openAiAnswer({ content: 'About the forbidden topic: …' }),
    })
    const gemini = await fetch(`${harness.server.url}/v1beta/models/gpt-via-openai:generateContent`, {
      method: 'POST', headers: { 'x-goog-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Tell me' }] }] }),
    })
    expect(gemini.status).toBe(400)
    expect((await gemini.json()).error).toMatchObject({ code: 400, message: expect.stringContaining('forbidden topic') })
    const responses = await post('/v1/responses', { model: 'gpt-via-openai', input: 'Tell me' })
    expect(responses.status).toBe(400)
    expect((await responses.json()).error).toMatchObject({ code: 'sensitive_words_detected' })
  })
})

describe('streams', () => {
  test('pass-through (OpenAI to OpenAI): a word split across two chunks cuts the stream; the client gets the error event and nothing after', async () => {
    harness.upstream.setOptions({ onRequest: () => paced(openAiSplitWord) })
    const response = await post('/v1/chat/completions', ask('gpt-via-openai', true, { stream_options: { include_usage: true } }))
    expect(response.status).toBe(200)
    const text = await response.text()
    const events = dataOf(text)
    const content = events.map((event) => event.choices?.[0]?.delta?.content ?? '').join('')
    // The chunk that completes the word never goes out; what went before cannot be recalled.
    expect(content).toBe('We may discuss the Forb')
    expect(text).not.toContain('idden Topic now')
    expect(events.at(-1).error).toMatchObject({ code: 'sensitive_words_detected', message: expect.stringContaining('forbidden topic') })
    expect(text).toEndWith('data: [DONE]\n\n')
    // The upstream is aborted, long before its 25 chunks.
    await Bun.sleep(100)
    expect(upstreamStream.cancelled).toBe(true)
    expect(upstreamStream.pulled).toBeLessThan(10)
    // Billed for what was delivered: the prompt and the delivered text, counted (the upstream's usage never came).
    const row = await lastConsume('gpt-via-openai')
    expect(row.other.sensitive_words_detected).toBe(true)
    expect(row.other.client_disconnected).toBeUndefined()
    expect(row.completion_tokens).toBeGreaterThan(0)
    expect(row.completion_tokens).toBeLessThan(10)
    expect(row.quota).toBe(row.prompt_tokens + row.completion_tokens)
  })

  test('converted (Anthropic channel to an OpenAI client): cut at the word, OpenAI error event, billed at least the delivered text', async () => {
    harness.upstream.setOptions({ onRequest: () => paced(anthropicSplitWord) })
    const text = await (await post('/v1/chat/completions', ask('claude-via-anthropic', true))).text()
    const events = dataOf(text)
    expect(events.map((event) => event.choices?.[0]?.delta?.content ?? '').join('')).toBe('We may discuss the forb')
    expect(text).not.toContain('idden topic now')
    expect(events.at(-1).error).toMatchObject({ code: 'sensitive_words_detected' })
    const row = await lastConsume('claude-via-anthropic')
    expect(row.other.sensitive_words_detected).toBe(true)
    // The prompt as Anthropic reported it at message_start; the output counted from the delivered text (more than its 1).
    expect(row.prompt_tokens).toBe(11)
    expect(row.completion_tokens).toBeGreaterThan(1)
    expect(row.completion_tokens).toBeLessThan(10)
  })

  test('converted (OpenAI channel to an Anthropic client): cut at the word with Anthropic\'s error event', async () => {
    harness.upstream.setOptions({ onRequest: () => paced(openAiSplitWord) })
    const text = await (await post('/v1/messages', ask('gpt-via-openai', true), true)).text()
    const events = dataOf(text)
    expect(events.filter((event) => event.type === 'content_block_delta').map((event) => event.delta.text).join('')).toBe('We may discuss the Forb')
    expect(text).not.toContain('idden Topic now')
    expect(text).toContain('event: error')
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('forbidden topic') } })
    expect((await lastConsume('gpt-via-openai')).other.sensitive_words_detected).toBe(true)
  })

  test('native (Anthropic client and channel): cut at the word with Anthropic\'s error event', async () => {
    harness.upstream.setOptions({ onRequest: () => paced(anthropicSplitWord) })
    const text = await (await post('/v1/messages', ask('claude-via-anthropic', true), true)).text()
    const events = dataOf(text)
    expect(events.filter((event) => event.type === 'content_block_delta').map((event) => event.delta.text).join('')).toBe('We may discuss the forb')
    expect(text).not.toContain('idden topic now')
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('forbidden topic') } })
  })

  test('a stream without a word passes byte for byte with the check on; the option off leaves even a listed word alone', async () => {
    const harmless = openAiSplitWord.map((chunk) => chunk.replace('idden Topic', 'ty Topic'))
    harness.upstream.setOptions({ onRequest: () => paced(harmless, 1) })
    const body = ask('gpt-via-openai', true, { stream_options: { include_usage: true } })
    expect(await (await post('/v1/chat/completions', body)).text()).toBe(harmless.join(''))
    expect((await lastConsume('gpt-via-openai')).other.sensitive_words_detected).toBeUndefined()

    await harness.setOption('CheckSensitiveOnCompletionEnabled', 'false')
    try {
      harness.upstream.setOptions({ onRequest: () => paced(openAiSplitWord, 1) })
      expect(await (await post('/v1/chat/completions', body)).text()).toBe(openAiSplitWord.join(''))
      const row = await lastConsume('gpt-via-openai')
      expect(row).toMatchObject({ prompt_tokens: 9, completion_tokens: 40 })
      expect(row.other.sensitive_words_detected).toBeUndefined()
    } finally {
      await harness.setOption('CheckSensitiveOnCompletionEnabled', 'true')
    }
  })

  test('an event split across two reads is held until complete, then checked and forwarded whole', async () => {
    const whole = openAiChunk({ content: 'This is the forbidden topic' })
    harness.upstream.setOptions({ onRequest: () => paced([openAiChunk({ content: 'Hello. ' }), whole.slice(0, 40), whole.slice(40), openAiUsage, 'data: [DONE]\n\n']) })
    const text = await (await post('/v1/chat/completions', ask('gpt-via-openai', true, { stream_options: { include_usage: true } }))).text()
    const events = dataOf(text)
    expect(events.map((event) => event.choices?.[0]?.delta?.content ?? '').join('')).toBe('Hello. ')
    expect(text).not.toContain('This is the')
    expect(events.at(-1).error.code).toBe('sensitive_words_detected')
  })

  test('the flag is validated like its siblings', async () => {
    const response = await harness.root.call('PUT', '/api/option/', { key: 'CheckSensitiveOnCompletionEnabled', value: 'maybe' })
    expect(response.body.success).toBe(false)
    expect(response.body.message).toContain('CheckSensitiveOnCompletionEnabled')
  })
})

describe('STREAM_CONVERSION=worker', () => {
  let main: RelayHarness
  let mainKey: string
  beforeAll(async () => {
    [main, mainKey] = [harness, key]
    harness = await startRelayHarness({ env: { STREAM_CONVERSION: 'worker', WORKER_POOL_SIZE: '1' } })
    key = await setUp(harness)
  })
  afterAll(async () => {
    await harness.dispose()
    ;[harness, key] = [main, mainKey]
  })

  test('a conversion in a worker is cut the same way, its error event written by the worker', async () => {
    harness.upstream.setOptions({ onRequest: () => paced(anthropicSplitWord) })
    const text = await (await post('/v1/chat/completions', ask('claude-via-anthropic', true))).text()
    const events = dataOf(text)
    expect(events.map((event) => event.choices?.[0]?.delta?.content ?? '').join('')).toBe('We may discuss the forb')
    expect(text).not.toContain('idden topic now')
    expect(events.at(-1).error).toMatchObject({ code: 'sensitive_words_detected' })
    expect((await lastConsume('claude-via-anthropic')).other.sensitive_words_detected).toBe(true)
  })
})

describe('the stream filter on its own, per client format', () => {
  const matcher = buildSensitiveMatcher(['forbidden topic'])
  /** Runs chunks through a filtered source; what was forwarded, and the refusal event if the stream was cut. */
  async function run(format: WireFormat, chunks: (string | Uint8Array)[]) {
    const filter = createCompletionStreamFilter(matcher, format, (error) => `refusal:${error.code}`)
    let index = 0
    const source = filter.wrap({
      next: async () => (index < chunks.length ? { done: false, out: chunks[index++]! } : { done: true, out: null }),
      cancel: () => {}, finish: async () => {}, errorEvent: () => 'upstream failure',
    })
    const forwarded: (string | Uint8Array)[] = []
    try {
      for (;;) {
        const step = await source.next()
        if (step.out) forwarded.push(step.out)
        if (step.done) break
      }
    } catch {
      await source.prepareError!('cut')
      return { forwarded, refusal: source.errorEvent('cut'), word: filter.word(), delivered: filter.delivered() }
    }
    return { forwarded, refusal: undefined, word: filter.word(), delivered: filter.delivered() }
  }
  const data = (payload: unknown, type?: string) => `${type ? `event: ${type}\n` : ''}data: ${JSON.stringify(payload)}\n\n`

  test('Gemini: text parts of a candidate, thought parts on their own', async () => {
    const part = (text: string, thought = false) => data({ candidates: [{ index: 0, content: { role: 'model', parts: [{ text, ...(thought ? { thought } : {}) }] } }] })
    expect((await run('gemini', [part('the forbidden '), part('topic', true)])).word).toBeUndefined()
    const cut = await run('gemini', [part('Hi. '), part('the forbidden '), part('TOPIC here')])
    expect(cut).toMatchObject({ word: 'forbidden topic', refusal: 'refusal:sensitive_words_detected', delivered: 'Hi. the forbidden ' })
    expect(cut.forwarded.join('')).not.toContain('TOPIC')
  })

  test('Responses: output text and reasoning summary deltas, keyed by item', async () => {
    const delta = (type: string, text: string, outputIndex = 0) => data({ type, output_index: outputIndex, content_index: 0, summary_index: 0, delta: text }, type)
    expect((await run('openai-responses', [delta('response.output_text.delta', 'forbidden ', 0), delta('response.output_text.delta', 'topic', 1)])).word).toBeUndefined()
    expect((await run('openai-responses', [delta('response.reasoning_summary_text.delta', 'the forbid'), delta('response.reasoning_summary_text.delta', 'den topic')])).word).toBe('forbidden topic')
  })

  test('OpenAI completions text and CRLF framing; whole events go out as the same bytes, a split one waits', async () => {
    const chunk = (text: string) => data({ choices: [{ index: 0, text }] }).replaceAll('\n', '\r\n')
    const first = new TextEncoder().encode(chunk('a forbidden'))
    const second = chunk(' topic')
    const cut = await run('openai-chat', [first, second.slice(0, 10), second.slice(10)])
    expect(cut.word).toBe('forbidden topic')
    expect(cut.forwarded).toEqual([first])
    expect(cut.forwarded[0]).toBe(first)
    const fine = await run('openai-chat', [chunk('fine'), 'data: [DONE]\r\n\r\n'])
    expect(fine.forwarded.join('')).toBe(`${chunk('fine')}data: [DONE]\r\n\r\n`)
  })

  test('a character split across two reads is decoded whole', async () => {
    const bytes = new TextEncoder().encode(data({ choices: [{ index: 0, delta: { content: '这是 forbidden topic' } }] }))
    const at = bytes.indexOf(0xe8) + 1 // inside 这's three bytes
    const cut = await run('openai-chat', [bytes.subarray(0, at), bytes.subarray(at)])
    expect(cut.word).toBe('forbidden topic')
    const fine = new TextEncoder().encode(data({ choices: [{ index: 0, delta: { content: '这是' } }] }))
    const split = fine.indexOf(0xe8) + 2
    const passed = await run('openai-chat', [fine.subarray(0, split), fine.subarray(split)])
    expect(passed.delivered).toBe('这是')
    expect(passed.forwarded.join('')).toBe(new TextDecoder().decode(fine))
  })
})
