import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import {
  assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, runParser,
} from '../replay-fixture.ts'
import type { UpstreamTarget } from '../types.ts'
import { azureResponsesAdaptor, openAiResponsesAdaptor } from './openai-responses-adaptor.ts'

const target: UpstreamTarget = { baseUrl: 'https://api.openai.com', key: 'sk-test', model: 'gpt-5.1', stream: true, other: '', setting: {}, channelType: 1 }

/** The reasoning recording holds four consecutive responses of one agent run; split on response.created. */
function splitResponses(lines: string[]): string[][] {
  const responses: string[][] = []
  for (const line of lines) {
    if (JSON.parse(line).type === 'response.created') responses.push([])
    responses[responses.length - 1].push(line)
  }
  return responses
}

describe('Responses stream parser replaying recordings', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`azure-tool-call: one function call with streamed arguments, finish tool_calls, usage 45/24 (pieces of ${pieceSize})`, () => {
      const events = decodeInPieces(frameAsSse(readFixtureChunks('openai-responses/azure-tool-call.1.chunks.txt'), { eventLines: true }), pieceSize)
      expect(events[0].event).toBe('response.created')
      const result = runParser(openAiResponsesAdaptor.createStreamParser(target), events)
      const assembled = assembleChunks(result.chunks)
      expect(assembled.toolCalls).toEqual([{ id: 'call_H5DxLSFnsGhiROnUiDHmgyc8', name: 'weather', arguments: '{"location":"San Francisco"}' }])
      expect(assembled.finishReasons).toEqual(['tool_calls'])
      expect(result.usage).toEqual({
        inputTokens: 45, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 24, reasoningTokens: 0,
      })
    })
  }

  test('openai-reasoning-encrypted-content: summary text becomes reasoning_content, then a call; the last response answers in text', () => {
    const responses = splitResponses(readFixtureChunks('openai-responses/openai-reasoning-encrypted-content.1.chunks.txt'))
    expect(responses).toHaveLength(4)
    const first = runParser(openAiResponsesAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(responses[0], { eventLines: true }), 5))
    const firstAssembled = assembleChunks(first.chunks)
    expect(firstAssembled.reasoning).toBe("**Calculating step-by-step using calculator**\n\nI'll compute 12 plus 7, then multiply the result by 3, and finally multiply that by 10, reporting the final product.")
    expect(firstAssembled.toolCalls).toEqual([{ id: 'call_AB6AaRZ1FYZB2RwS6A5vbdqn', name: 'calculator', arguments: '{"a":12,"b":7,"op":"add"}' }])
    expect(first.usage).toMatchObject({ inputTokens: 134, outputTokens: 28 })

    const last = runParser(openAiResponsesAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(responses[3]), 1 << 30))
    expect(assembleChunks(last.chunks).content.length).toBeGreaterThan(0)
    expect(last.finishReason).toBe('stop')
    expect(last.usage).toMatchObject({ inputTokens: 299, outputTokens: 12 })
  })

  test('openai-error stream: the error event throws insufficient_quota, not retryable', () => {
    const parser = openAiResponsesAdaptor.createStreamParser(target)
    const events = decodeInPieces(frameAsSse(readFixtureChunks('openai-responses/openai-error.1.chunks.txt'), { eventLines: true }), 1 << 30)
    let thrown: unknown
    try {
      for (const event of events) parser.push(event)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(UpstreamStreamError)
    expect((thrown as UpstreamStreamError).upstream).toMatchObject({ status: 429, code: 'insufficient_quota', retryable: false })
  })
})

describe('Responses non-stream bodies', () => {
  test('azure-tool-call.1.json: function_call output becomes a tool call', () => {
    const { response, usage } = openAiResponsesAdaptor.fromUpstream(readFixtureJson('openai-responses/azure-tool-call.1.json'), target)
    expect(response.choices[0]).toEqual({
      index: 0,
      finish_reason: 'tool_calls',
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_YunNGbIwdVJ2i0y0Mybva4Pw', type: 'function', function: { name: 'weather', arguments: '{"location":"San Francisco"}' } }] },
    })
    expect(usage).toMatchObject({ inputTokens: 45, outputTokens: 24 })
  })

  test('openai-reasoning-encrypted-content.1.json: summary as reasoning_content and 128 reasoning tokens', () => {
    const body = readFixtureJson('openai-responses/openai-reasoning-encrypted-content.1.json')
    const { response, usage } = openAiResponsesAdaptor.fromUpstream(body, target)
    const message = (response.choices[0] as any).message
    expect(message.content).toBe('12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570')
    expect(message.reasoning_content).toStartWith('**Reporting final result**')
    expect(usage?.reasoningTokens).toBe(128)
    expect(usage?.outputTokens).toBe((body.usage as any).output_tokens)
  })

  test('openai-input-file-csv.json: plain text answer with usage 68/4', () => {
    const { response, usage } = openAiResponsesAdaptor.fromUpstream(readFixtureJson('openai-responses/openai-input-file-csv.json'), target)
    expect((response.choices[0] as any).message.content).toBe('Ada,Grace')
    expect((response.choices[0] as any).finish_reason).toBe('stop')
    expect(usage).toMatchObject({ inputTokens: 68, outputTokens: 4, cachedInputTokens: 0 })
  })
})

describe('canonical request → Responses request', () => {
  test('messages, tools, tool choice, reasoning and JSON schema map to their Responses fields', () => {
    const native = openAiResponsesAdaptor.toUpstream({
      model: 'x',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'https://img.example/a.png', detail: 'low' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"q":1}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      ],
      tools: [{ type: 'function', function: { name: 'look', description: 'looks', parameters: { type: 'object', properties: { q: { type: 'number' } } } } }],
      tool_choice: { type: 'function', function: { name: 'look' } },
      max_tokens: 50,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
      stop: ['END'],
    }, target)
    expect(native).toEqual({
      model: 'gpt-5.1',
      store: false,
      stream: true,
      max_output_tokens: 50,
      reasoning: { effort: 'low' },
      input: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'input_text', text: 'what is this' }, { type: 'input_image', image_url: 'https://img.example/a.png', detail: 'low' }] },
        { type: 'function_call', call_id: 'call_1', name: 'look', arguments: '{"q":1}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'a cat' },
      ],
      tools: [{ type: 'function', name: 'look', description: 'looks', parameters: { type: 'object', properties: { q: { type: 'number' } } }, strict: false }],
      tool_choice: { type: 'function', name: 'look' },
      text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object' }, strict: true } },
    })
  })

  test('audio input and n > 1 are refused with a ConversionError naming the field', () => {
    expect(() => openAiResponsesAdaptor.toUpstream({ model: 'x', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }, target))
      .toThrow(ConversionError)
    expect(() => openAiResponsesAdaptor.toUpstream({ model: 'x', n: 2, messages: [{ role: 'user', content: 'hi' }] }, target)).toThrow(/n=2/)
  })

  test('Azure Responses URL uses azure_responses_version and the api-key header', () => {
    const built = azureResponsesAdaptor.buildRequest({}, { ...target, baseUrl: 'https://res.openai.azure.com', setting: { azure_responses_version: 'preview' } })
    expect(built.url).toBe('https://res.openai.azure.com/openai/responses?api-version=preview')
    expect(built.headers['api-key']).toBe('sk-test')
  })
})
