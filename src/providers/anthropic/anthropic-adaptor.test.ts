import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import {
  assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser,
} from '../replay-fixture.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { anthropicAdaptor } from './anthropic-adaptor.ts'

const target: UpstreamTarget = { baseUrl: 'https://api.anthropic.com', key: 'sk-ant', model: 'claude-sonnet-4-5', stream: true, other: '', setting: {}, channelType: 14 }

function replay(path: string, pieceSize: number) {
  const events = decodeInPieces(frameAsSse(readFixtureChunks(path), { eventLines: true }), pieceSize)
  return runParser(anthropicAdaptor.createStreamParser(target), events)
}

describe('Anthropic stream parser replaying recordings', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`anthropic-text: text, end_turn → stop, usage 12 in / 30 out from message_delta (pieces of ${pieceSize})`, () => {
      const result = replay('anthropic/anthropic-text.chunks.txt', pieceSize)
      expect(assembleChunks(result.chunks).content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?")
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toEqual({
        inputTokens: 12, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 30, reasoningTokens: 0,
      })
    })
  }

  test('anthropic-issue-5942-cache-write: prompt = 3 uncached + 17603 cache write, max_tokens → length', () => {
    const result = replay('anthropic/anthropic-issue-5942-cache-write.chunks.txt', 7)
    expect(result.usage).toEqual({
      inputTokens: 17606, cachedInputTokens: 0, cacheWriteInputTokens: 17603, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 2, reasoningTokens: 0,
    })
    expect(result.finishReason).toBe('length')
    expect(assembleChunks(result.chunks).content).toBe('I see')
  })

  test('anthropic-tool-no-args: a tool with an empty partial_json gets "{}" arguments, tool_use → tool_calls', () => {
    const result = replay('anthropic/anthropic-tool-no-args.chunks.txt', 3)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.content).toBe("I'll update the issue list for you.")
    expect(assembled.toolCalls).toEqual([{ id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP', name: 'updateIssueList', arguments: '{}' }])
    expect(assembled.finishReasons).toEqual(['tool_calls'])
    expect(result.usage).toMatchObject({ inputTokens: 565, outputTokens: 48 })
  })

  test('anthropic-clear-thinking: thinking deltas become reasoning_content and the signature is kept', () => {
    const result = replay('anthropic/anthropic-clear-thinking.1.chunks.txt', 1)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.reasoning).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185')
    expect(assembled.content).toBe('925 ÷ 5 = 185')
    const signatureChunk = result.chunks.find((chunk) => (chunk.choices[0] as any).delta.thinking_blocks)
    expect((signatureChunk?.choices[0] as any).delta.thinking_blocks[0].signature).toStartWith('EvQBCkYICxgCKkAxhD4N')
    expect(result.usage).toMatchObject({ inputTokens: 69, outputTokens: 53 })
  })

  test('an overloaded_error event throws a retryable UpstreamStreamError', () => {
    const parser = anthropicAdaptor.createStreamParser(target)
    let thrown: unknown
    try {
      parser.push({ event: 'error', data: '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}' })
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(UpstreamStreamError)
    expect((thrown as UpstreamStreamError).upstream).toMatchObject({ status: 529, retryable: true, message: 'Overloaded' })
  })
})

describe('Anthropic non-stream bodies', () => {
  test('anthropic-text.json: text and usage 12/29', () => {
    const { response, usage } = anthropicAdaptor.fromUpstream(readFixtureJson('anthropic/anthropic-text.json'), target)
    expect((response.choices[0] as any).message.content).toStartWith('Hello! I')
    expect((response.choices[0] as any).finish_reason).toBe('stop')
    expect(usage).toMatchObject({ inputTokens: 12, outputTokens: 29 })
    expect(response.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41 })
  })

  test('anthropic-tool-no-args.json: tool_use with input {} → arguments "{}"', () => {
    const { response, usage } = anthropicAdaptor.fromUpstream(readFixtureJson('anthropic/anthropic-tool-no-args.json'), target)
    const choice = response.choices[0] as any
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.tool_calls).toEqual([{ id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } }])
    expect(usage).toMatchObject({ inputTokens: 602, outputTokens: 93 })
  })

  test('anthropic-clear-thinking.1.json: reasoning_content plus signed thinking_blocks', () => {
    const { response } = anthropicAdaptor.fromUpstream(readFixtureJson('anthropic/anthropic-clear-thinking.1.json'), target)
    const message = (response.choices[0] as any).message
    expect(message.reasoning_content).toBe('925 divided by 5 = 185')
    expect(message.thinking_blocks[0].signature).toStartWith('Er4BCkYICxgC')
    expect(message.content).toBe('925 ÷ 5 = 185')
  })
})

describe('Anthropic errors', () => {
  test('anthropic-parallel-provider-client-tools.error.json: 400 invalid_request_error, not retryable', () => {
    const error = anthropicAdaptor.mapError(400, readFixtureText('anthropic/anthropic-parallel-provider-client-tools.error.json'))
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'invalid_request_error', retryable: false })
    expect(error.message).toStartWith('messages.1: `tool_use` ids were found without `tool_result`')
  })

  test('529 overloaded and 429 rate limit are retryable on another channel; a low credit balance is a quota error', () => {
    expect(anthropicAdaptor.mapError(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}').retryable).toBe(true)
    expect(anthropicAdaptor.mapError(429, '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}').retryable).toBe(true)
    const credit = anthropicAdaptor.mapError(400, '{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API."}}')
    expect(credit).toMatchObject({ code: 'insufficient_quota', retryable: false })
  })
})

describe('canonical request → Anthropic Messages', () => {
  const base: ChatRequest = { model: 'client', messages: [] }

  test('system is hoisted, tool results join the next user turn, images and tools convert, headers are Anthropic', () => {
    const native = anthropicAdaptor.toUpstream({
      ...base,
      messages: [
        { role: 'system', content: 'rule one' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }, { type: 'image_url', image_url: { url: 'https://x.example/cat.jpg' } }] },
        { role: 'assistant', content: 'calling', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'result', is_error: true },
        { role: 'developer', content: 'rule two' },
        { role: 'user', content: 'thanks' },
      ],
      tools: [{ type: 'function', function: { name: 'get', description: 'gets', parameters: { type: 'object', properties: { a: { type: 'number' } } } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
      stop: 'END',
      temperature: 0.5,
      user: 'u-1',
    }, target)
    expect(native).toEqual({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'rule one' }, { type: 'text', text: 'rule two' }],
      messages: [
        { role: 'user', content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
          { type: 'image', source: { type: 'url', url: 'https://x.example/cat.jpg' } },
        ] },
        { role: 'assistant', content: [{ type: 'text', text: 'calling' }, { type: 'tool_use', id: 'toolu_1', name: 'get', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'result', is_error: true }, { type: 'text', text: 'thanks' }] },
      ],
      max_tokens: 8192,
      temperature: 0.5,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      stream: true,
      tools: [{ name: 'get', description: 'gets', input_schema: { type: 'object', properties: { a: { type: 'number' } } } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    })
    const built = anthropicAdaptor.buildRequest(native, target)
    expect(built.url).toBe('https://api.anthropic.com/v1/messages')
    expect(built.headers).toMatchObject({ 'x-api-key': 'sk-ant', 'anthropic-version': '2023-06-01' })
  })

  test('reasoning_effort becomes a thinking budget below max_tokens, and signed thinking blocks are replayed', () => {
    const native = anthropicAdaptor.toUpstream({
      ...base,
      reasoning_effort: 'medium',
      max_tokens: 1000,
      temperature: 0.2,
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a', reasoning_content: 'unsigned text is not sent', thinking_blocks: [{ type: 'thinking', thinking: 'hm', signature: 'sig' }] },
        { role: 'user', content: 'q2' },
      ],
    }, { ...target, stream: false })
    expect(native.thinking).toEqual({ type: 'enabled', budget_tokens: 4096 })
    expect(native.max_tokens).toBe(5096)
    expect('temperature' in native).toBe(false)
    expect((native.messages as any)[1].content).toEqual([{ type: 'thinking', thinking: 'hm', signature: 'sig' }, { type: 'text', text: 'a' }])
  })

  test('refused with a named ConversionError: bmp image, audio, non-object tool schema, bad tool name, broken tool arguments', () => {
    const cases: [ChatRequest, RegExp][] = [
      [{ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,Qk0=' } }] }] }, /not image\/bmp/],
      [{ ...base, messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }, /audio/],
      [{ ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }] }, /type "object"/],
      [{ ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'has space', parameters: { type: 'object' } } }] }, /tool names/],
      [{ ...base, messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{oops' } }] }] }, /not valid JSON/],
    ]
    for (const [request, message] of cases) {
      let thrown: unknown
      try {
        anthropicAdaptor.toUpstream(request, target)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(ConversionError)
      expect((thrown as ConversionError).status).toBe(400)
      expect((thrown as Error).message).toMatch(message)
    }
  })
})
