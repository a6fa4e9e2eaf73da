import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { createChunkRewriter } from './chunk-rewriter.ts'
import { thinkingChunkRewrite, thinkingToContent } from '../providers/thinking-to-content.ts'

const createThinkingRewriter = () => createChunkRewriter([thinkingChunkRewrite()])

const encoder = new TextEncoder()
const event = (delta: Record<string, unknown>, finish: string | null = null) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'r1', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
const contents = (sse: string) => sse.split('\n\n').filter((line) => line.startsWith('data: {')).map((line) => (JSON.parse(line.slice(6)) as { choices: { delta: { content?: string; reasoning_content?: string } }[] }).choices[0]!.delta)

describe('thinking_to_content', () => {
  test('a whole answer: reasoning in <think> before the content', () => {
    const body = thinkingToContent({ choices: [{ index: 0, message: { role: 'assistant', reasoning_content: 'Let me see.', content: 'Four.' } }] })
    expect(body.choices).toEqual([{ index: 0, message: { role: 'assistant', content: '<think>\nLet me see.\n</think>\nFour.' } }])
    const plain = { choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' } }] }
    expect(thinkingToContent(plain).choices).toEqual(plain.choices)
  })

  test('a stream: the tag opens on the first reasoning delta and closes on the first other one, across chunk splits', () => {
    const rewriter = createThinkingRewriter()
    const sse = event({ role: 'assistant', reasoning_content: 'Two' }) + event({ reasoning_content: ' plus two.' }) + event({ content: 'Four' }) + event({}, 'stop') + 'data: [DONE]\n\n'
    const bytes = encoder.encode(sse)
    const out = rewriter.push(bytes.slice(0, 37)) + rewriter.push(bytes.slice(37)) + rewriter.finish()
    expect(contents(out).map((delta) => delta.content)).toEqual(['<think>\nTwo', ' plus two.', '\n</think>\nFour', undefined])
    expect(contents(out).some((delta) => 'reasoning_content' in delta)).toBe(false)
    expect(out.endsWith('data: [DONE]\n\n')).toBe(true)
    // Reasoning that ends with the finish closes the tag there.
    const short = createThinkingRewriter()
    expect(contents(short.push(encoder.encode(event({ reasoning_content: 'Hm' }) + event({}, 'stop')))).map((delta) => delta.content)).toEqual(['<think>\nHm', '\n</think>\n'])
  })
})

describe('thinking_to_content through the relay', () => {
  let harness: RelayHarness
  let key: string
  beforeAll(async () => {
    harness = await startRelayHarness()
    key = (await harness.addToken()).key
    await harness.setOption('ModelRatio', { 'deep-think': 1 })
    await harness.addChannel({ name: 'reasoner', models: 'deep-think', setting: JSON.stringify({ thinking_to_content: true }) })
    harness.upstream.setOptions({
      onRequest: (request) => {
        const body = request.body as { stream?: boolean }
        if (!body.stream) return Response.json({ id: 'c', object: 'chat.completion', created: 0, model: 'deep-think', choices: [{ index: 0, message: { role: 'assistant', reasoning_content: 'Hmm.', content: 'Yes.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } })
        return new Response(event({ role: 'assistant', reasoning_content: 'Hmm.' }) + event({ content: 'Yes.' }) + event({}, 'stop') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
      },
    })
  })
  afterAll(() => harness.dispose())

  test('the OpenAI client sees the reasoning in the content, whole and streamed', async () => {
    const client = harness.client(key)
    const whole = await client.chat.completions.create({ model: 'deep-think', messages: [{ role: 'user', content: 'Is it?' }] })
    expect(whole.choices[0]!.message.content).toBe('<think>\nHmm.\n</think>\nYes.')
    let streamed = ''
    for await (const chunk of await client.chat.completions.create({ model: 'deep-think', stream: true, messages: [{ role: 'user', content: 'Is it?' }] })) streamed += chunk.choices[0]?.delta?.content ?? ''
    expect(streamed).toBe('<think>\nHmm.\n</think>\nYes.')
  })
})

describe('thinking_to_content on a converted channel (Claude thinking to an OpenAI client)', () => {
  let harness: RelayHarness
  let key: string
  beforeAll(async () => {
    harness = await startRelayHarness()
    key = (await harness.addToken()).key
    await harness.setOption('ModelRatio', { 'claude-thinker': 1 })
    await harness.addChannel({ type: 14, name: 'claude', models: 'claude-thinker', setting: JSON.stringify({ thinking_to_content: true }) })
  })
  afterAll(() => harness.dispose())

  test('the recorded thinking answer reaches the content in <think> tags, whole and streamed', async () => {
    const client = harness.client(key)
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-clear-thinking.1.json' })
    const whole = await client.chat.completions.create({ model: 'claude-thinker', messages: [{ role: 'user', content: 'What is 925 / 5?' }] })
    const content = whole.choices[0]!.message.content!
    expect(content).toStartWith('<think>\n925 divided by 5 = 185\n</think>\n')
    expect('reasoning_content' in whole.choices[0]!.message).toBe(false)
    harness.upstream.setOptions({ replay: 'anthropic/anthropic-clear-thinking.1.chunks.txt' })
    let streamed = ''
    let reasoningSeen = false
    for await (const chunk of await client.chat.completions.create({ model: 'claude-thinker', stream: true, messages: [{ role: 'user', content: 'What is 925 / 5?' }] })) {
      streamed += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.choices[0]?.delta && 'reasoning_content' in chunk.choices[0].delta) reasoningSeen = true
    }
    expect(streamed).toStartWith('<think>\n')
    expect(streamed).toContain('\n</think>\n')
    expect(reasoningSeen).toBe(false)
  })
})
