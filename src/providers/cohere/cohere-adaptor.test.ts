import { describe, expect, test } from 'bun:test'
import { ConversionError } from '../errors.ts'
import { getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, runParser } from '../replay-fixture.ts'
import type { UpstreamTarget } from '../types.ts'
import { cohereAdaptor } from './cohere-adaptor.ts'

const target: UpstreamTarget = { baseUrl: 'https://api.cohere.ai', key: 'co-key', model: 'command-a-03-2025', stream: true, other: '', setting: {}, channelType: 34 }

function replay(path: string, pieceSize: number) {
  return runParser(cohereAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(readFixtureChunks(path)), pieceSize))
}

describe('Cohere v2 adaptor replaying recordings', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`cohere-text: text, COMPLETE → stop, billed units 12 in / 7 out (pieces of ${pieceSize})`, () => {
      const result = replay('cohere/cohere-text.chunks.txt', pieceSize)
      expect(assembleChunks(result.chunks).content).toBe('The capital of France is Paris.')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toEqual({ inputTokens: 12, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 7, reasoningTokens: 0 })
    })
  }

  test('cohere-tool-call: the tool plan becomes reasoning, two calls stream their arguments, TOOL_CALL → tool_calls', () => {
    const result = replay('cohere/cohere-tool-call.chunks.txt', 5)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.reasoning).toStartWith('I will')
    expect(assembled.toolCalls).toEqual([
      { id: 'weather_e8p4pn45zt0t', name: 'weather', arguments: '{"location": "San Francisco"}' },
      { id: 'cityAttractions_pyxssbwnq9fq', name: 'cityAttractions', arguments: '{"city": "San Francisco"}' },
    ])
    expect(result.finishReason).toBe('tool_calls')
    expect(result.usage).toMatchObject({ inputTokens: 119, outputTokens: 44 })
  })

  test('cohere-text.json: text and billed usage', () => {
    const { response, usage } = cohereAdaptor.fromUpstream(readFixtureJson('cohere/cohere-text.json'), target)
    expect((response.choices[0] as any).message.content).toBe('The capital of France is Paris.')
    expect(usage).toMatchObject({ inputTokens: 12, outputTokens: 7 })
  })

  test('channel type 34 resolves to Cohere, which is never a pass-through for any inbound format', () => {
    expect(providerForChannelType(34)?.chat?.id).toBe('cohere')
    expect(getAdaptor('cohere')).toBe(cohereAdaptor)
    expect(isPassThrough('openai-chat', 'cohere')).toBe(false)
  })

  test('request: renamed sampling fields, REQUIRED tool choice, safety mode; a forced named function is refused', () => {
    const native = cohereAdaptor.toUpstream({
      model: 'x', messages: [{ role: 'system', content: 'short' }, { role: 'user', content: 'hi' }],
      top_p: 0.9, top_k: 3, stop: 'END', max_tokens: 20, tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
    }, { ...target, setting: { cohereSafetySetting: 'NONE' } })
    expect(native).toMatchObject({ model: 'command-a-03-2025', p: 0.9, k: 3, stop_sequences: ['END'], max_tokens: 20, tool_choice: 'REQUIRED', safety_mode: 'NONE', stream: true })
    expect(cohereAdaptor.buildRequest(native, target).url).toBe('https://api.cohere.ai/v2/chat')
    expect(() => cohereAdaptor.toUpstream({ model: 'x', messages: [], tool_choice: { type: 'function', function: { name: 'f' } } }, target)).toThrow(ConversionError)
  })

  test('402 without a payment method is a quota error, not retried', () => {
    expect(cohereAdaptor.mapError(402, '{"id":"1","message":"Please add a payment method"}')).toMatchObject({ code: 'insufficient_quota', retryable: false, message: 'Please add a payment method' })
  })
})
