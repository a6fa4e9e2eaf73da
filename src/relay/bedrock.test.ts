import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import Anthropic from '@anthropic-ai/sdk'
import { readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { frameInvokeStream, hasValidSignature } from '../testing/mock-bedrock.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Bedrock channels (type 33) with Claude models end to end: the real gateway, the official OpenAI and Anthropic SDKs
 * as clients, and a local Bedrock that refuses any request whose SigV4 signature it cannot recompute with the
 * channel's secret (as AWS answers 403), then replays recorded Anthropic answers through InvokeModel's framing.
 */

const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let refused = 0
const calls: { path: string; body: Record<string, unknown>; headers: Headers }[] = []
const lastCall = () => calls[calls.length - 1]!

function bedrock(path: string, body: Record<string, unknown>): Response {
  const invoke = /^\/model\/([^/]+)\/(invoke|invoke-with-response-stream)$/.exec(path)
  if (!invoke) return Response.json({ message: `Unknown operation ${path}` }, { status: 404 })
  if (invoke[2] === 'invoke') return new Response(readFixtureText('anthropic/anthropic-text.json'), { headers: { 'content-type': 'application/json' } })
  // A prompt marked for caching gets the recorded answer that wrote the cache.
  const recording = JSON.stringify(body).includes('cache_control') ? 'anthropic-issue-5942-cache-write' : 'anthropic-text'
  return new Response(frameInvokeStream(readFixtureChunks(`anthropic/${recording}.chunks.txt`)), { headers: { 'content-type': 'application/vnd.amazon.eventstream' } })
}

beforeAll(async () => {
  mock = Bun.serve({
    port: 0,
    async fetch(request) {
      const text = await request.text()
      const path = new URL(request.url).pathname
      if (!hasValidSignature(request, text, secret)) {
        refused++
        return Response.json({ message: 'The request signature we calculated does not match the signature you provided.' }, { status: 403, headers: { 'x-amzn-errortype': 'InvalidSignatureException' } })
      }
      const body = JSON.parse(text) as Record<string, unknown>
      calls.push({ path, body, headers: request.headers })
      return bedrock(path, body)
    },
  })
  const base = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  // A channel whose secret is wrong is tried first; its 403 moves the request on.
  await harness.addChannel({ type: 33, name: 'wrong-secret', key: 'AKIDEXAMPLE|not-the-secret|us-east-1', base_url: base, models: 'claude-sonnet-4-5-20250929', priority: 10, auto_ban: 0 })
  await harness.addChannel({ type: 33, name: 'bedrock', key: `AKIDEXAMPLE|${secret}|us-east-1`, base_url: base, models: 'claude-sonnet-4-5-20250929,claude-mapped', model_mapping: JSON.stringify({ 'claude-mapped': 'anthropic.claude-sonnet-4-5-20250929-v1:0' }) })
  await harness.addChannel({ type: 33, name: 'bedrock-pass', key: `AKIDEXAMPLE|${secret}|eu-west-1`, base_url: base, models: 'claude-3-7-sonnet-20250219', setting: JSON.stringify({ pass_through_body_enabled: true }) })
  const models = ['claude-sonnet-4-5-20250929', 'claude-mapped', 'claude-3-7-sonnet-20250219']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('RetryTimes', 1)
  key = (await harness.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const anthropic = () => new Anthropic({ apiKey: key, baseURL: harness.server.url, maxRetries: 0 })
const recordedText = (path: string) => readFixtureChunks(path).map((line) => JSON.parse(line)).filter((event) => event.delta?.type === 'text_delta').map((event) => event.delta.text).join('')

describe('Bedrock Claude through InvokeModel', () => {
  test('OpenAI client, non-stream: the us. profile in the path, Anthropic\'s body with anthropic_version, the answer and usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'Hello' }] })
    expect(lastCall().path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke')
    expect(lastCall().body).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 100, system: [{ type: 'text', text: 'terse' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }] })
    expect(lastCall().body.model).toBeUndefined()
    expect(completion.choices[0]!.message.content).toBe("Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?")
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29 })
    // The wrong-secret channel (higher priority) was asked first, refused with 403, and the request moved on.
    expect(refused).toBe(1)
  })

  test('OpenAI client, stream with usage: invoke-with-response-stream, the recorded text, the usage chunk', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'claude-sonnet-4-5-20250929', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hello' }] })
    let text = ''
    let usage: unknown
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastCall().path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream')
    expect(lastCall().body.stream).toBeUndefined()
    expect(text).toBe(recordedText('anthropic/anthropic-text.chunks.txt'))
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 30 })
  })

  test('Anthropic client, stream: cache_control and the anthropic-beta header reach Bedrock in its body; the cache write is billed', async () => {
    const stream = anthropic().messages.stream({
      model: 'claude-mapped', max_tokens: 50,
      system: [{ type: 'text', text: 'A long policy.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Hello' }],
    }, { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } })
    const message = await stream.finalMessage()
    expect(lastCall().path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream')
    expect(lastCall().body).toMatchObject({ anthropic_version: 'bedrock-2023-05-31', anthropic_beta: ['context-1m-2025-08-07'], system: [{ type: 'text', text: 'A long policy.', cache_control: { type: 'ephemeral' } }] })
    expect(lastCall().body.model).toBeUndefined()
    expect(lastCall().body.stream).toBeUndefined()
    expect(message.stop_reason).toBe('max_tokens')
    expect(message.usage).toMatchObject({ input_tokens: 3, cache_creation_input_tokens: 17603 })
    await harness.server.flushUsage()
    const row = (await harness.root.call('GET', '/api/log/?type=2&model_name=claude-mapped&page_size=1')).body.data.items[0]
    expect(row.prompt_tokens).toBe(17606)
    expect(JSON.parse(row.other)).toMatchObject({ cache_write_tokens: 17603, upstream_model_name: 'anthropic.claude-sonnet-4-5-20250929-v1:0' })
  })

  test('Anthropic client, non-stream: the Messages body passes natively and the answer comes back as Bedrock sent it', async () => {
    const message = await anthropic().messages.create({ model: 'claude-sonnet-4-5-20250929', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
    expect(lastCall().path).toEndWith('/invoke')
    expect(message.id).toBe('msg_01VdEjxAP5ahtHKrrRdNBteQ')
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 29 })
  })

  test('pass_through_body_enabled cannot send a Claude client\'s bytes to InvokeModel (model in the path, a signed body): the body is still built', async () => {
    const message = await anthropic().messages.create({ model: 'claude-3-7-sonnet-20250219', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
    expect(lastCall().path).toBe('/model/eu.anthropic.claude-3-7-sonnet-20250219-v1%3A0/invoke')
    expect(lastCall().body.anthropic_version).toBe('bedrock-2023-05-31')
    expect(message.content[0]).toMatchObject({ type: 'text' })
  })
})
