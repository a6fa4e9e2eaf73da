import Anthropic from '@anthropic-ai/sdk'
import { GoogleGenAI } from '@google/genai'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { createStreamConversion, getAdaptor, getInbound } from './index.ts'
import { decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson } from './replay-fixture.ts'
import type { SseFraming } from './replay-fixture.ts'
import { encodeSse } from './sse.ts'
import type { UpstreamTarget, WireFormat } from './types.ts'

/**
 * The official SDKs as judges: a local Bun.serve on 127.0.0.1 answers each SDK with a recorded upstream
 * response converted into the SDK's format by our inbound writers (and reads the SDK's request with our
 * toCanonical). The SDKs' own stream accumulators validate event order and shapes.
 */

interface Scenario {
  provider: string
  /** Recording replayed for streams. */
  chunks?: string
  framing?: SseFraming
  /** Recording returned for non-stream calls. */
  body?: string
}

const scenarios: Record<string, Scenario> = {
  'anthropic-thinking': { provider: 'anthropic', chunks: 'anthropic/anthropic-clear-thinking.1.chunks.txt', framing: { eventLines: true }, body: 'anthropic/anthropic-clear-thinking.1.json' },
  'anthropic-tool': { provider: 'anthropic', chunks: 'anthropic/anthropic-tool-no-args.chunks.txt', framing: { eventLines: true }, body: 'anthropic/anthropic-tool-no-args.json' },
  'deepseek-tool': { provider: 'deepseek', chunks: 'deepseek/deepseek-tool-call.chunks.txt', framing: { done: true }, body: 'deepseek/deepseek-reasoning.json' },
  'gemini-partial-args': { provider: 'gemini', chunks: 'google/google-stream-tool-call-arguments.chunks.txt', framing: {}, body: 'google/google-tool-call.json' },
  'gemini-text': { provider: 'gemini', chunks: 'google/google-text.chunks.txt', framing: {}, body: 'google/google-text.json' },
  'responses-tool': { provider: 'openai-responses', chunks: 'openai-responses/azure-tool-call.1.chunks.txt', framing: { eventLines: true }, body: 'openai-responses/openai-reasoning-encrypted-content.1.json' },
  'openai-text': { provider: 'openai', chunks: 'openai-chat/openai-text.chunks.txt', framing: { done: true }, body: 'openai-chat/issue-8132-long-tool-call-id.json' },
}

const target: UpstreamTarget = { baseUrl: 'http://unused', key: '', model: 'upstream', stream: false, other: '', setting: {}, channelType: 1 }
let server: ReturnType<typeof Bun.serve>
let baseUrl = ''
/** The canonical request our inbound parsed from the SDK's last request, to check requests too. */
let lastCanonical: Record<string, unknown> | null = null

function respond(inbound: WireFormat, model: string, stream: boolean): Response {
  const scenario = scenarios[model]
  if (scenario === undefined) {
    const error = getInbound(inbound).errorBody({ status: 400, message: `unknown scenario ${model}`, type: 'invalid_request_error', code: 'unknown_scenario' })
    return Response.json(error, { status: 400 })
  }
  if (!stream) {
    const { response, usage } = getAdaptor(scenario.provider).fromUpstream(readFixtureJson(scenario.body!), target)
    return Response.json(getInbound(inbound).fromCanonical(response, usage))
  }
  const conversion = createStreamConversion({ provider: scenario.provider, inbound, model, id: 'gw_1', target: { ...target, stream: true } })
  const upstream = decodeInPieces(frameAsSse(readFixtureChunks(scenario.chunks!), scenario.framing), 64)
  const encoder = new TextEncoder()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const event of upstream) {
        const text = conversion.push(event).map(encodeSse).join('')
        if (text.length > 0) controller.enqueue(encoder.encode(text))
      }
      controller.enqueue(encoder.encode(conversion.flush().map(encodeSse).join('')))
      controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}

beforeAll(() => {
  server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const body = (await request.json()) as Record<string, unknown>
      if (url.pathname === '/v1/chat/completions') {
        lastCanonical = getInbound('openai-chat').toCanonical(body)
        return respond('openai-chat', String(body.model), body.stream === true)
      }
      if (url.pathname === '/v1/messages') {
        lastCanonical = getInbound('anthropic').toCanonical(body)
        return respond('anthropic', String(body.model), body.stream === true)
      }
      if (url.pathname === '/v1/responses') {
        lastCanonical = getInbound('openai-responses').toCanonical(body)
        return respond('openai-responses', String(body.model), body.stream === true)
      }
      // @google/genai 3.x calls /v1/models/...; older clients and curl examples use /v1beta.
      const gemini = /^\/v1(?:beta)?\/models\/([^:]+):(generateContent|streamGenerateContent)$/.exec(url.pathname)
      if (gemini !== null) {
        lastCanonical = getInbound('gemini').toCanonical({ ...body, model: gemini[1] })
        return respond('gemini', gemini[1], gemini[2] === 'streamGenerateContent')
      }
      return new Response('not found', { status: 404 })
    },
  })
  baseUrl = `http://127.0.0.1:${server.port}`
})

afterAll(() => {
  server.stop(true)
})

const openai = () => new OpenAI({ apiKey: 'sk-test', baseURL: `${baseUrl}/v1`, maxRetries: 0 })
const anthropic = () => new Anthropic({ apiKey: 'sk-ant-test', baseURL: baseUrl, maxRetries: 0 })
const google = () => new GoogleGenAI({ apiKey: 'g-test', httpOptions: { baseUrl } })

describe('openai SDK chat completions reading converted answers', () => {
  test('Anthropic thinking stream → chat stream: the SDK accumulates reasoning, text and usage', async () => {
    const stream = openai().chat.completions.stream({ model: 'anthropic-thinking', messages: [{ role: 'user', content: 'divide' }], stream_options: { include_usage: true } })
    // The SDK keeps only the last value of fields it does not model, so reasoning is gathered from the chunks.
    let reasoning = ''
    stream.on('chunk', (chunk) => { reasoning += (chunk.choices[0]?.delta as any)?.reasoning_content ?? '' })
    const completion = await stream.finalChatCompletion()
    const message = completion.choices[0].message as any
    expect(message.content).toBe('925 ÷ 5 = 185')
    expect(reasoning).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185')
    expect(completion.usage).toMatchObject({ prompt_tokens: 69, completion_tokens: 53 })
  })

  test('Gemini streamed partialArgs → chat stream: two complete tool calls, finish tool_calls', async () => {
    const completion = await openai().chat.completions.stream({ model: 'gemini-partial-args', messages: [{ role: 'user', content: 'weather' }] }).finalChatCompletion()
    const calls = completion.choices[0].message.tool_calls!.map((call: any) => [call.function.name, JSON.parse(call.function.arguments)])
    expect(calls).toEqual([['getWeather', { location: 'Boston' }], ['getWeather', { location: 'San Francisco' }]])
    expect(completion.choices[0].finish_reason).toBe('tool_calls')
  })

  test('Anthropic tool_use body → chat completion with a parseable tool call', async () => {
    const completion = await openai().chat.completions.create({ model: 'anthropic-tool', messages: [{ role: 'user', content: 'update' }] })
    expect(completion.choices[0].message.tool_calls![0]).toMatchObject({ id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', function: { name: 'updateIssueList', arguments: '{}' } })
    expect(completion.usage).toMatchObject({ prompt_tokens: 602, completion_tokens: 93 })
  })
})

describe('openai SDK responses reading converted answers', () => {
  test('DeepSeek reasoning + tool stream → Responses stream: finalResponse has reasoning, function call and usage', async () => {
    const response = await openai().responses.stream({ model: 'deepseek-tool', input: 'weather?' }).finalResponse()
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'function_call'])
    const call = response.output[1] as any
    expect(JSON.parse(call.arguments)).toBeObject()
    expect(response.usage).toMatchObject({ input_tokens: 339, output_tokens: 83, input_tokens_details: { cached_tokens: 320 }, output_tokens_details: { reasoning_tokens: 39 } })
    expect(lastCanonical?.messages).toEqual([{ role: 'user', content: 'weather?' }])
  })

  test('Gemini text stream → Responses stream: output_text and thought-inclusive usage', async () => {
    const response = await openai().responses.stream({ model: 'gemini-text', input: 'count the r' }).finalResponse()
    expect(response.output_text).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y')
    expect(response.usage).toMatchObject({ input_tokens: 9, output_tokens: 208, output_tokens_details: { reasoning_tokens: 185 } })
  })

  test('DeepSeek reasoning body → Response object: output_text and reasoning summary', async () => {
    const response = await openai().responses.create({ model: 'deepseek-tool', input: 'strawberry' })
    expect(response.output_text).toStartWith('The word "strawberry" contains three')
    expect((response.output[0] as any).summary[0].text).toStartWith('We are asked')
  })
})

describe('@anthropic-ai/sdk reading converted answers', () => {
  test('DeepSeek tool stream → Messages stream: finalMessage has thinking, tool_use with parsed input, usage incl. cache read', async () => {
    const message = await anthropic().messages.stream({ model: 'deepseek-tool', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] }).finalMessage()
    expect(message.content.map((block) => block.type)).toEqual(['thinking', 'tool_use'])
    const toolUse = message.content[1] as any
    expect(toolUse.input).toBeObject()
    expect(message.stop_reason).toBe('tool_use')
    expect(message.usage).toMatchObject({ input_tokens: 19, cache_read_input_tokens: 320, output_tokens: 83 })
  })

  test('OpenAI text stream → Messages stream: 300-token answer text arrives whole', async () => {
    const stream = anthropic().messages.stream({ model: 'openai-text', max_tokens: 400, messages: [{ role: 'user', content: 'holidays' }] })
    let deltas = ''
    stream.on('text', (text) => { deltas += text })
    const message = await stream.finalMessage()
    expect((message.content[0] as any).text).toBe(deltas)
    expect(deltas.startsWith('**Holiday Name')).toBe(true)
    expect(message.usage).toMatchObject({ input_tokens: 16, output_tokens: 300 })
  })

  test('Gemini tool-call body → Message with tool_use; the SDK request reached us as canonical with tools', async () => {
    const message = await anthropic().messages.create({
      model: 'gemini-partial-args', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ name: 'weather', description: 'w', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    })
    expect(message.content[0]).toMatchObject({ type: 'tool_use', name: 'weather', input: { location: 'San Francisco' } })
    expect(message.stop_reason).toBe('tool_use')
    expect((lastCanonical?.tools as any)[0].function.name).toBe('weather')
  })

  test('an error body in the Anthropic shape surfaces as the SDK\'s BadRequestError with our message', async () => {
    let thrown: any
    try {
      await anthropic().messages.create({ model: 'no-such-scenario', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(Anthropic.BadRequestError)
    expect(thrown.error.error.message).toBe('unknown scenario no-such-scenario')
  })
})

describe('@google/genai reading converted answers', () => {
  test('Anthropic thinking stream → Gemini stream: thought parts, text and usage metadata', async () => {
    let text = ''
    let thoughts = ''
    let usage: any
    for await (const chunk of await google().models.generateContentStream({ model: 'anthropic-thinking', contents: 'divide' })) {
      for (const part of chunk.candidates?.[0]?.content?.parts ?? []) {
        if (part.thought) thoughts += part.text ?? ''
        else text += part.text ?? ''
      }
      usage = chunk.usageMetadata ?? usage
    }
    expect(text).toBe('925 ÷ 5 = 185')
    expect(thoughts).toStartWith('The previous result was 925.')
    expect(usage).toMatchObject({ promptTokenCount: 69, candidatesTokenCount: 53, totalTokenCount: 122 })
  })

  test('DeepSeek tool stream → Gemini stream: the SDK exposes one whole function call', async () => {
    const calls: any[] = []
    for await (const chunk of await google().models.generateContentStream({ model: 'deepseek-tool', contents: 'weather' })) {
      calls.push(...(chunk.functionCalls ?? []))
    }
    expect(calls).toHaveLength(1)
    expect(calls[0].args).toBeObject()
  })

  test('Responses reasoning body → generateContent response: text and thoughts', async () => {
    const response = await google().models.generateContent({ model: 'responses-tool', contents: 'sum' })
    expect(response.text).toBe('12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570')
    expect(response.usageMetadata?.thoughtsTokenCount).toBe(128)
  })
})
