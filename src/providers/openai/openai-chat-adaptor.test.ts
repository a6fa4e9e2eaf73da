import { describe, expect, test } from 'bun:test'
import { createOpenAiCompatibleProvider, openAiCompatibleVendors } from '../openai-compatible/vendors.ts'
import {
  assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser,
} from '../replay-fixture.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { azureAdaptor } from './azure.ts'
import { convertOpenAiUsage } from './convert-openai-usage.ts'
import { openAiAdaptor } from './openai-chat-adaptor.ts'

function target(overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return { baseUrl: 'https://api.openai.com', key: 'sk-test', model: 'gpt-4.1-nano', stream: true, other: '', setting: {}, channelType: 1, ...overrides }
}

function vendor(id: string) {
  const found = openAiCompatibleVendors.find((entry) => entry.id === id)
  if (found === undefined) throw new Error(`no vendor ${id}`)
  return createOpenAiCompatibleProvider(found).chat
}

function replay(path: string, pieceSize: number, adaptor = openAiAdaptor) {
  const events = decodeInPieces(frameAsSse(readFixtureChunks(path), { done: true }), pieceSize)
  return runParser(adaptor.createStreamParser(target()), events)
}

describe('OpenAI chat stream parser replaying recordings', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`openai-text: text, finish "stop" and the final usage-only chunk's usage (pieces of ${pieceSize} bytes)`, () => {
      const expectedText = readFixtureChunks('openai-chat/openai-text.chunks.txt')
        .map((line) => JSON.parse(line).choices[0]?.delta?.content ?? '').join('')
      const result = replay('openai-chat/openai-text.chunks.txt', pieceSize)
      const assembled = assembleChunks(result.chunks)
      expect(assembled.content).toBe(expectedText)
      expect(assembled.content.startsWith('**Holiday Name')).toBe(true)
      expect(assembled.finishReasons).toEqual(['stop'])
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toEqual({
        inputTokens: 16, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
        outputTokens: 300, reasoningTokens: 0,
      })
      // usage is delivered by the writer at finish, never inside a forwarded chunk
      expect(result.chunks.every((chunk) => chunk.usage === undefined)).toBe(true)
    })
  }

  test('mistral-text: usage on the finish chunk is read (no separate usage chunk)', () => {
    const result = replay('mistral/mistral-text.chunks.txt', 5, vendor('mistral'))
    expect(assembleChunks(result.chunks).content).toBe('Hello, world! This is a test response.')
    expect(result.finishReason).toBe('stop')
    expect(result.usage?.inputTokens).toBe(13)
    expect(result.usage?.outputTokens).toBe(8)
  })

  test('mistral-tool-call: a whole call without index or type gets index 0 and type function', () => {
    const result = replay('mistral/mistral-tool-call.chunks.txt', 4, vendor('mistral'))
    const call = (result.chunks[1].choices[0] as any).delta.tool_calls[0]
    expect(call.index).toBe(0)
    expect(call.type).toBe('function')
    expect(assembleChunks(result.chunks).toolCalls).toEqual([{ id: 'gSIMJiOkT', name: 'weather', arguments: '{"location": "San Francisco"}' }])
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toMatchObject({ inputTokens: 124, outputTokens: 22 })
  })

  test('groq-tool-call: usage on the finish chunk, and from x_groq.usage when the top-level copy is absent', () => {
    const result = replay('openai-compatible/groq-tool-call.chunks.txt', 9, vendor('groq'))
    expect(assembleChunks(result.chunks).toolCalls).toEqual([{ id: 'tk85n1k4m', name: 'weather', arguments: '{}' }])
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toMatchObject({ inputTokens: 210, outputTokens: 15 })

    const withoutTopLevel = readFixtureChunks('openai-compatible/groq-tool-call.chunks.txt').map((line) => {
      const chunk = JSON.parse(line)
      delete chunk.usage
      return JSON.stringify(chunk)
    })
    const parser = vendor('groq').createStreamParser(target())
    runParser(parser, decodeInPieces(frameAsSse(withoutTopLevel, { done: true }), 1 << 30))
    expect(parser.usage()).toMatchObject({ inputTokens: 210, outputTokens: 15 })
  })

  test('alibaba-tool-call: empty continuation ids are removed and the doubled finish_reason is emitted once', () => {
    const result = replay('openai-compatible/alibaba-tool-call.chunks.txt', 11, vendor('ali'))
    const assembled = assembleChunks(result.chunks)
    expect(assembled.toolCalls).toEqual([{ id: 'call_eee11723464a4b9eb8cee71d', name: 'weather', arguments: '{"location": "San Francisco"}' }])
    expect(assembled.finishReasons).toEqual(['tool_calls'])
    const continuation = (result.chunks[1].choices[0] as any).delta.tool_calls[0]
    expect('id' in continuation).toBe(false)
    expect('type' in continuation).toBe(false)
    expect(result.usage).toMatchObject({ inputTokens: 295, outputTokens: 22, cachedInputTokens: 0 })
  })

  test('deepseek-tool-call: reasoning_content, streamed tool arguments and prompt-cache usage', () => {
    const result = replay('deepseek/deepseek-tool-call.chunks.txt', 13, vendor('deepseek'))
    const assembled = assembleChunks(result.chunks)
    expect(assembled.reasoning.length).toBeGreaterThan(50)
    expect(assembled.toolCalls).toHaveLength(1)
    expect(JSON.parse(assembled.toolCalls[0].arguments)).toBeObject()
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toEqual({
      inputTokens: 339, cachedInputTokens: 320, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
      outputTokens: 83, reasoningTokens: 39,
    })
  })

  test('an error object inside the stream throws UpstreamStreamError with its message', () => {
    const parser = openAiAdaptor.createStreamParser(target())
    expect(() => parser.push({ data: '{"error":{"message":"overloaded","type":"server_error","code":"overloaded"}}' })).toThrow('overloaded')
  })
})

describe('OpenAI chat non-stream bodies', () => {
  test('deepseek-reasoning: reasoning tokens and cache-miss usage', () => {
    const { response, usage } = vendor('deepseek').fromUpstream(readFixtureJson('deepseek/deepseek-reasoning.json'), target())
    expect((response.choices[0] as any).message.reasoning_content).toStartWith('We are asked')
    expect(usage).toEqual({
      inputTokens: 18, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
      outputTokens: 345, reasoningTokens: 315,
    })
  })

  test('openai-chat-cached-input-tokens-11178: the second attempt reads 9984 cached of 10122 prompt tokens', () => {
    const wrapper = readFixtureJson('openai-chat/openai-chat-cached-input-tokens-11178.json') as any
    expect(openAiAdaptor.readUsage(wrapper.attempts[0].rawResponseBody)?.cachedInputTokens).toBe(0)
    expect(openAiAdaptor.readUsage(wrapper.attempts[1].rawResponseBody)).toMatchObject({ inputTokens: 10122, cachedInputTokens: 9984, outputTokens: 1 })
  })

  test('issue-8132 body passes through as the canonical response with its usage', () => {
    const body = readFixtureJson('openai-chat/issue-8132-long-tool-call-id.json')
    const { response, usage } = openAiAdaptor.fromUpstream(body, target())
    expect((response.choices[0] as any).message.content).toBe('OpenAI API Documentation')
    expect(usage).toMatchObject({ inputTokens: 72, outputTokens: 4 })
  })

  test('xAI-style usage that reports reasoning outside completion_tokens counts it as output', () => {
    const usage = convertOpenAiUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 115, completion_tokens_details: { reasoning_tokens: 100 } })
    expect(usage).toMatchObject({ outputTokens: 105, reasoningTokens: 100 })
    const openAiStyle = convertOpenAiUsage({ prompt_tokens: 10, completion_tokens: 105, total_tokens: 115, completion_tokens_details: { reasoning_tokens: 100 } })
    expect(openAiStyle).toMatchObject({ outputTokens: 105, reasoningTokens: 100 })
  })
})

describe('OpenAI errors and retry classes', () => {
  test('reasoning-model-legacy-parameter-error: 400 unsupported_parameter is not retryable', () => {
    const error = openAiAdaptor.mapError(400, readFixtureText('openai-chat/reasoning-model-legacy-parameter-error.json'))
    expect(error).toEqual({
      status: 400, type: 'invalid_request_error', code: 'unsupported_parameter', retryable: false,
      message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
    })
  })

  test('insufficient_quota 429 is not retryable; a rate-limit 429 is', () => {
    const quota = openAiAdaptor.mapError(429, readFixtureText('openai-responses/openai-error.1.json'))
    expect(quota).toMatchObject({ status: 429, code: 'insufficient_quota', retryable: false })
    const rateLimit = openAiAdaptor.mapError(429, '{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}')
    expect(rateLimit.retryable).toBe(true)
  })

  test('an HTML 502 from a proxy keeps an excerpt and is retryable; 504 is not', () => {
    const error = openAiAdaptor.mapError(502, '<html><body>Bad Gateway</body></html>')
    expect(error.message).toContain('Bad Gateway')
    expect(error.retryable).toBe(true)
    expect(openAiAdaptor.mapError(504, '').retryable).toBe(false)
  })
})

describe('OpenAI request building', () => {
  const request: ChatRequest = { model: 'client-name', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, stream_options: { include_usage: false } }

  test('a reasoning model gets max_completion_tokens instead of max_tokens', () => {
    const native = openAiAdaptor.toUpstream(request, target({ model: 'gpt-5-mini', stream: false }))
    expect(native).toMatchObject({ model: 'gpt-5-mini', max_completion_tokens: 100 })
    expect('max_tokens' in native).toBe(false)
    expect('stream_options' in native).toBe(false)
  })

  test('streams always ask for usage, and canonical extension fields never reach OpenAI', () => {
    const native = openAiAdaptor.toUpstream({
      ...request, reasoning_effort: 'high', thinking_budget: 2048, top_k: 5,
      messages: [{ role: 'assistant', content: 'x', thinking_blocks: [{ type: 'thinking', thinking: 't', signature: 's' }] }],
    }, target({ model: 'gpt-4o' }))
    expect(native.stream_options).toEqual({ include_usage: true })
    expect(native.stream).toBe(true)
    expect('thinking_budget' in native || 'top_k' in native || 'reasoning_effort' in native).toBe(false)
    expect((native.messages as any)[0]).toEqual({ role: 'assistant', content: 'x' })
  })

  test('vendor URLs: doubled /v1 is avoided, Perplexity has no /v1, custom channels use the whole base URL', () => {
    const body = vendor('deepseek').toUpstream(request, target())
    expect(vendor('deepseek').buildRequest(body, target({ baseUrl: 'https://api.deepseek.com/v1' })).url).toBe('https://api.deepseek.com/v1/chat/completions')
    expect(vendor('perplexity').buildRequest(body, target({ baseUrl: 'https://api.perplexity.ai' })).url).toBe('https://api.perplexity.ai/chat/completions')
    expect(vendor('custom').buildRequest(body, target({ baseUrl: 'https://gw.example/run/{model}/chat', model: 'm1' })).url).toBe('https://gw.example/run/m1/chat')
    const built = openAiAdaptor.buildRequest(body, target())
    expect(built.url).toBe('https://api.openai.com/v1/chat/completions')
    expect(built.headers.authorization).toBe('Bearer sk-test')
  })

  test('Azure: deployments URL with api-version from the channel, then from the configured default, and api-key header', () => {
    const azureTarget = target({ baseUrl: 'https://res.openai.azure.com/', model: 'gpt-4o', other: '2024-10-21', channelType: 3 })
    const built = azureAdaptor.buildRequest({}, azureTarget)
    expect(built.url).toBe('https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21')
    expect(built.headers['api-key']).toBe('sk-test')
    expect(built.headers.authorization).toBeUndefined()
    const fromDefault = azureAdaptor.buildRequest({}, { ...azureTarget, other: '', setting: { azureDefaultApiVersion: '2025-01-01-preview' } })
    expect(fromDefault.url).toEndWith('?api-version=2025-01-01-preview')
    expect(azureAdaptor.buildRequest({}, { ...azureTarget, other: 'v1' }).url).toBe('https://res.openai.azure.com/openai/v1/chat/completions')
  })
})
