import { describe, expect, test } from 'bun:test'
import { createAnthropicStreamParser } from '../anthropic/anthropic-stream-parser.ts'
import { chatAdaptorFor, createStreamConversion, createUpstreamDecoder, providerForChannelType } from '../index.ts'
import { assembleChunks, readFixtureChunks, readFixtureJson, runParser } from '../replay-fixture.ts'
import type { SseEvent, UpstreamTarget } from '../types.ts'
import { frameInvokeStream, hasValidSignature } from '../../testing/mock-bedrock.ts'
import { encodeEventStreamMessage } from './aws-eventstream.ts'
import { bedrockAdaptor } from './bedrock-adaptor.ts'
import { bedrockInvokeAdaptor } from './bedrock-invoke-adaptor.ts'
import { bedrockModelId } from './bedrock-model-id.ts'

/**
 * Claude on Bedrock through InvokeModel. The streams are Anthropic's recorded events (anthropic/ fixtures) framed as
 * AWS's InvokeModelWithResponseStream reference describes: eventstream `chunk` events whose `bytes` are the base64
 * of each event's JSON.
 */

const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
const target: UpstreamTarget = {
  baseUrl: '', key: `AKIDEXAMPLE|${secret}|eu-west-1`, model: 'claude-sonnet-4-5-20250929', stream: true, other: '', setting: {}, channelType: 33,
}

function decode(path: string, pieceSize: number): SseEvent[] {
  const bytes = frameInvokeStream(readFixtureChunks(path))
  const decoder = createUpstreamDecoder('bedrock-anthropic')
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) events.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)))
  events.push(...decoder.flush())
  return events
}

describe('cross-Region inference profiles', () => {
  test('a Claude name becomes the Bedrock id with the prefix of the key\'s geography, when AWS defines that profile', () => {
    const cases: [string, string, string][] = [
      ['claude-sonnet-4-5-20250929', 'us-east-1', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-central-1', 'eu.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'ap-northeast-1', 'apac.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['claude-3-5-sonnet-20241022', 'eu-west-1', 'anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['claude-3-5-sonnet-20241022', 'ap-southeast-2', 'apac.anthropic.claude-3-5-sonnet-20241022-v2:0'],
      ['claude-opus-4-1-20250805', 'us-west-2', 'us.anthropic.claude-opus-4-1-20250805-v1:0'],
      ['claude-opus-4-1-20250805', 'eu-west-3', 'anthropic.claude-opus-4-1-20250805-v1:0'],
      ['amazon.nova-pro-v1:0', 'eu-west-1', 'eu.amazon.nova-pro-v1:0'],
      ['meta.llama3-3-70b-instruct-v1:0', 'us-east-2', 'us.meta.llama3-3-70b-instruct-v1:0'],
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-gov-west-1', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['anthropic.claude-sonnet-4-5-20250929-v1:0', 'ca-central-1', 'anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1', 'global.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-west-1', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0'],
      ['arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc', 'us-east-1', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc'],
      ['mistral.mistral-large-2402-v1:0', 'us-east-1', 'mistral.mistral-large-2402-v1:0'],
    ]
    for (const [model, region, expected] of cases) expect(`${model}@${region} → ${bedrockModelId(model, region, {})}`).toBe(`${model}@${region} → ${expected}`)
    expect(bedrockModelId('claude-sonnet-4-5-20250929', 'us-east-1', { bedrock_cross_region: false })).toBe('anthropic.claude-sonnet-4-5-20250929-v1:0')
  })

  test('Converse requests use the profile too', () => {
    const built = bedrockAdaptor.buildRequest({ messages: [] }, { ...target, model: 'amazon.nova-lite-v1:0', stream: false })
    expect(built.url).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.amazon.nova-lite-v1%3A0/converse')
  })
})

describe('Bedrock InvokeModel for Claude', () => {
  test('Claude models pick InvokeModel, the others Converse', () => {
    const provider = providerForChannelType(33)!
    for (const model of ['claude-sonnet-4-5-20250929', 'anthropic.claude-3-haiku-20240307-v1:0', 'us.anthropic.claude-sonnet-4-20250514-v1:0']) {
      expect(chatAdaptorFor(provider, 'openai-chat', model).id).toBe('bedrock-anthropic')
    }
    for (const model of ['amazon.nova-pro-v1:0', 'meta.llama3-3-70b-instruct-v1:0', 'mistral.mistral-large-2402-v1:0']) expect(chatAdaptorFor(provider, 'anthropic', model).id).toBe('bedrock')
  })

  test('the body is Anthropic\'s with anthropic_version and betas, no model or stream; the path names the profile, signed as AWS checks it', () => {
    const native = bedrockInvokeAdaptor.toUpstream({
      model: 'claude-sonnet-4-5-20250929', stream: true, max_tokens: 512, reasoning_effort: 'low',
      messages: [{ role: 'system', content: 'terse' }, { role: 'user', content: 'hi' }],
    }, target)
    const built = bedrockInvokeAdaptor.buildRequest(native, { ...target, anthropicBeta: 'context-1m-2025-08-07, interleaved-thinking-2025-05-14', setting: { anthropicBeta: 'context-1m-2025-08-07' } })
    expect(built.url).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream')
    const body = JSON.parse(built.body)
    expect(body.anthropic_version).toBe('bedrock-2023-05-31')
    expect(body.model).toBeUndefined()
    expect(body.stream).toBeUndefined()
    expect(body.anthropic_beta).toEqual(['context-1m-2025-08-07', 'interleaved-thinking-2025-05-14'])
    expect(body.system).toBeDefined()
    expect(body.thinking).toMatchObject({ type: 'enabled' })
    expect(built.headers.accept).toBe('application/vnd.amazon.eventstream')
    const request = new Request(built.url, { method: 'POST', headers: built.headers, body: built.body })
    expect(hasValidSignature(request, built.body, secret)).toBe(true)
    expect(hasValidSignature(request, built.body.replace('hi', 'ho'), secret)).toBe(false)
    expect(hasValidSignature(request, built.body, 'other-secret')).toBe(false)
    const whole = bedrockInvokeAdaptor.buildRequest(native, { ...target, stream: false, key: 'bedrock-api-key|us-east-1' })
    expect(whole.url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke')
    expect(whole.headers.authorization).toBe('Bearer bedrock-api-key')
  })

  test('stream: chunks unwrap into Anthropic events whatever the piece size; text, stop and usage', () => {
    const whole = decode('anthropic/anthropic-text.chunks.txt', 1 << 20)
    expect(whole.map((event) => event.event)).toEqual(readFixtureChunks('anthropic/anthropic-text.chunks.txt').map((line) => JSON.parse(line).type))
    for (const size of [1, 7, 64]) expect(decode('anthropic/anthropic-text.chunks.txt', size)).toEqual(whole)
    const result = runParser(bedrockInvokeAdaptor.createStreamParser(target), whole)
    expect(assembleChunks(result.chunks).content).toBe("Hello! I'm doing well, thank you for asking. How are you doing today? Is there anything I can help you with?")
    expect(result.finishReason).toBe('stop')
    expect(result.usage).toMatchObject({ inputTokens: 12, outputTokens: 30 })
  })

  test('stream: a cache write is billed as one; thinking with its signature survives; tool calls assemble', () => {
    expect(runParser(bedrockInvokeAdaptor.createStreamParser(target), decode('anthropic/anthropic-issue-5942-cache-write.chunks.txt', 9)).usage)
      .toMatchObject({ inputTokens: 17606, cacheWriteInputTokens: 17603, cachedInputTokens: 0 })
    const thinking = runParser(bedrockInvokeAdaptor.createStreamParser(target), decode('anthropic/anthropic-clear-thinking.1.chunks.txt', 13))
    expect(assembleChunks(thinking.chunks).reasoning).toStartWith('The previous')
    expect(thinking.chunks.some((chunk) => typeof (chunk.choices[0] as any).delta.thinking_blocks?.[0]?.signature === 'string')).toBe(true)
    const tool = runParser(bedrockInvokeAdaptor.createStreamParser(target), decode('anthropic/anthropic-tool-no-args.chunks.txt', 5))
    expect(assembleChunks(tool.chunks).toolCalls[0]).toMatchObject({ name: 'updateIssueList', arguments: '{}' })
    expect(tool.finishReason).toBe('tool_calls')
  })

  test('stream to a Claude client passes Anthropic events through (usage tapped); to a Gemini client converts', () => {
    const native = createStreamConversion({ provider: 'bedrock-anthropic', inbound: 'anthropic', model: 'claude', id: 'x', target })
    const events = decode('anthropic/anthropic-clear-thinking.1.chunks.txt', 11)
    const out = [...events.flatMap((event) => native.push(event)), ...native.flush()]
    expect(out).toEqual(events)
    expect(native.usage()).toMatchObject({ inputTokens: 69 })
    const gemini = createStreamConversion({ provider: 'bedrock-anthropic', inbound: 'gemini', model: 'claude', id: 'x', target })
    const converted = [...events.flatMap((event) => gemini.push(event)), ...gemini.flush()]
    expect(converted.some((event) => event.data.includes('"thought":true'))).toBe(true)
  })

  test('a Bedrock stream exception becomes Anthropic\'s error event, which the parser raises with the right class', () => {
    const decoder = createUpstreamDecoder('bedrock-anthropic')
    const events = decoder.push(encodeEventStreamMessage({ ':exception-type': 'throttlingException', ':message-type': 'exception', ':content-type': 'application/json' }, '{"message":"Too many tokens"}'))
    expect(events).toEqual([{ event: 'error', data: '{"type":"error","error":{"type":"rate_limit_error","message":"Too many tokens"}}' }])
    expect(() => createAnthropicStreamParser().push(events[0]!)).toThrow('Too many tokens')
  })

  test('non-stream: Anthropic\'s message body → canonical answer with usage; Bedrock error bodies map by status', () => {
    const { response, usage } = bedrockInvokeAdaptor.fromUpstream(readFixtureJson('anthropic/anthropic-text.json'), target)
    expect((response.choices[0] as any).message.content).toStartWith('Hello!')
    expect(usage).toMatchObject({ inputTokens: 12, outputTokens: 29 })
    expect(bedrockInvokeAdaptor.mapError(400, '{"message":"messages: roles must alternate"}')).toMatchObject({ code: 'ValidationException', retryable: false })
    expect(bedrockInvokeAdaptor.mapError(403, '{"message":"The security token included in the request is invalid."}')).toMatchObject({ code: 'AccessDeniedException', retryable: true })
    expect(bedrockInvokeAdaptor.mapError(429, '{"message":"Too many requests"}')).toMatchObject({ retryable: true })
  })
})
