import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { MockRequest } from '../../bench/mock-upstream.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

// A started (2xx) stream whose upstream ends it with an error event echoing the credential, as OpenAI's and
// Anthropic's error texts do ("Incorrect API key provided: sk-…", "invalid x-api-key"). The events are built from the
// providers' references: OpenAI's error object (https://platform.openai.com/docs/guides/error-codes) as a `data:`
// event, Anthropic's `event: error` (https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events).
const OPENAI_KEYS = ['sk-proj-StreamKeyOne0123456789abcdefABCDEF', 'sk-proj-StreamKeyTwo0123456789abcdefABCDEF']
const ANTHROPIC_KEYS = ['sk-ant-api03-StreamAnthropicOne0123456789abcdef', 'sk-ant-api03-StreamAnthropicTwo0123456789abcdef']
const ALL_KEYS = [...OPENAI_KEYS, ...ANTHROPIC_KEYS]
let harness: RelayHarness
let token: string

const encoder = new TextEncoder()
/** A body that writes `parts` as separate reads, a few milliseconds apart. */
function slowStream(parts: string[]): Response {
  let index = 0
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index === parts.length) return controller.close()
      if (index > 0) await Bun.sleep(5)
      controller.enqueue(encoder.encode(parts[index++]!))
    },
  })
  return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } })
}

/** The key the gateway sent and, as a multi-key upstream account might name it, the channel's other key. */
function keysOf(given: string, keys: string[]) {
  return { given, other: keys.find((key) => key !== given)! }
}

/** Cuts `text` in the middle of `needle`, so the key straddles two reads. */
const cutInside = (text: string, needle: string) => {
  const at = text.indexOf(needle) + Math.floor(needle.length / 2)
  return [text.slice(0, at), text.slice(at)]
}

const openAiDelta = (content: string) => `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`

function openAiUpstream(request: MockRequest): Response {
  const given = (request.headers.authorization ?? '').replace(/^Bearer /, '')
  if (!OPENAI_KEYS.includes(given)) return new Response(JSON.stringify({ error: { message: 'no key', type: 'invalid_request_error', code: 'invalid_api_key' } }), { status: 401 })
  const { other } = keysOf(given, OPENAI_KEYS)
  const error = `data: ${JSON.stringify({ error: { message: `Incorrect API key provided: ${given} (also tried ${other}). You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } })}\n\n`
  // The model's own text mentions a key-shaped placeholder: not an upstream secret, it must arrive as written.
  return slowStream([openAiDelta('Your key looks like sk-example-placeholder'), openAiDelta(' and then'), ...cutInside(error, given), 'data: [DONE]\n\n'])
}

const anthropicEvent = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

function anthropicUpstream(request: MockRequest): Response {
  const given = request.headers['x-api-key'] ?? ''
  if (!ANTHROPIC_KEYS.includes(given)) return new Response(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }), { status: 401 })
  const { other } = keysOf(given, ANTHROPIC_KEYS)
  const error = anthropicEvent('error', { error: { type: 'authentication_error', message: `invalid x-api-key: ${given}; organisation keys ${other}` } })
  return slowStream([
    anthropicEvent('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-leaky', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
    anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello' } }),
    ...cutInside(error, given),
  ])
}

beforeAll(async () => {
  harness = await startRelayHarness()
  harness.upstream.setOptions({ onRequest: (request) => (request.path.startsWith('/v1/messages') ? anthropicUpstream(request) : openAiUpstream(request)) })
  await harness.addChannel({ key: OPENAI_KEYS.join('\n'), models: 'gpt-4o-mini', auto_ban: 0 }, 'multi_to_single')
  await harness.addChannel({ type: 14, name: 'anthropic', key: ANTHROPIC_KEYS.join('\n'), models: 'claude-leaky', auto_ban: 0 }, 'multi_to_single')
  await harness.setOption('ModelRatio', { 'gpt-4o-mini': 1, 'claude-leaky': 1 })
  await harness.setOption('CompletionRatio', { 'gpt-4o-mini': 1, 'claude-leaky': 1 })
  token = (await harness.addToken()).key
})
afterAll(() => harness.dispose())

const leaks = (text: string) => ALL_KEYS.filter((key) => text.includes(key) || text.includes(key.slice(0, 24)))

async function streamOf(path: string, body: Record<string, unknown>, headers: Record<string, string>): Promise<string> {
  const response = await fetch(harness.server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ ...body, stream: true }) })
  expect(response.status).toBe(200)
  return response.text()
}

const chat = (model: string) => streamOf('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${token}` })

test('an OpenAI pass-through stream: the error event reaches the client without any of the channel keys', async () => {
  // Four rounds so that both keys of the multi-key channel are the one given (and the one named as "other").
  for (let round = 0; round < 4; round++) {
    const text = await chat('gpt-4o-mini')
    expect(text).toContain('Your key looks like sk-example-placeholder')
    expect(text).toContain('Incorrect API key provided: [redacted] (also tried [redacted])')
    expect(text).toContain('data: [DONE]')
    expect(leaks(text)).toEqual([])
  }
})

test('an Anthropic channel converted for an OpenAI client: the error event is scrubbed', async () => {
  for (let round = 0; round < 4; round++) {
    const text = await chat('claude-leaky')
    expect(text).toContain('Hello')
    expect(text).toContain('invalid x-api-key: [redacted]; organisation keys [redacted]')
    expect(leaks(text)).toEqual([])
  }
})

test('a Claude client on an Anthropic channel (native bytes): the error event is scrubbed', async () => {
  for (let round = 0; round < 4; round++) {
    const text = await streamOf('/v1/messages', { model: 'claude-leaky', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': token })
    expect(text).toContain('event: content_block_delta')
    expect(text).toContain('event: error\ndata: {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key: [redacted]; organisation keys [redacted]"}}')
    expect(leaks(text)).toEqual([])
  }
})

test('no log row of those streams holds a key', async () => {
  await harness.server.flushUsage()
  const rows = (await harness.root.call('GET', '/api/log/?page_size=100')).body.data.items as { type: number; content: string; other: string }[]
  expect(rows.filter((row) => row.type === 2).length).toBeGreaterThanOrEqual(12)
  for (const row of rows) expect(leaks(`${row.content} ${row.other}`)).toEqual([])
})
