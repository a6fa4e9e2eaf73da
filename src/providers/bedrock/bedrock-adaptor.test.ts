import { describe, expect, test } from 'bun:test'
import { createAnthropicStreamParser } from '../anthropic/anthropic-stream-parser.ts'
import { ConversionError } from '../errors.ts'
import { createStreamConversion, providerForChannelType, createUpstreamDecoder } from '../index.ts'
import { assembleChunks, readFixtureChunks, readFixtureJson, runParser } from '../replay-fixture.ts'
import type { SseEvent, UpstreamTarget } from '../types.ts'
import { createEventStreamDecoder, encodeEventStreamMessage, EventStreamDecodeError } from './aws-eventstream.ts'
import { signAwsRequest } from './aws-sigv4.ts'
import { bedrockAdaptor } from './bedrock-adaptor.ts'

const target: UpstreamTarget = {
  baseUrl: '', key: 'AKIDEXAMPLE|wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY|us-east-1', model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
  stream: true, other: '', setting: {}, channelType: 33,
}

/** A recording framed as Bedrock sends it: one eventstream message per line, `:event-type` = the line's key. */
function frameRecording(path: string): Uint8Array {
  const messages = readFixtureChunks(path).map((line) => {
    const [[eventType, payload]] = Object.entries(JSON.parse(line) as Record<string, unknown>)
    return encodeEventStreamMessage({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify(payload))
  })
  const bytes = new Uint8Array(messages.reduce((total, message) => total + message.length, 0))
  let offset = 0
  for (const message of messages) {
    bytes.set(message, offset)
    offset += message.length
  }
  return bytes
}

function decodeInPieces(bytes: Uint8Array, pieceSize: number): SseEvent[] {
  const decoder = createUpstreamDecoder('bedrock')
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) events.push(...decoder.push(bytes.subarray(offset, offset + pieceSize)))
  events.push(...decoder.flush())
  return events
}

describe('AWS SigV4', () => {
  const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
  const date = new Date('2015-08-30T12:36:00Z')

  test('AWS test suite get-vanilla and post-vanilla signatures', () => {
    const get = signAwsRequest({ method: 'GET', url: 'https://example.amazonaws.com/', headers: {}, body: '', region: 'us-east-1', service: 'service', credentials, date })
    expect(get.authorization).toBe('AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31')
    const post = signAwsRequest({ method: 'POST', url: 'https://example.amazonaws.com/', headers: {}, body: '', region: 'us-east-1', service: 'service', credentials, date })
    expect(post.authorization).toEndWith('Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b')
  })

  test('a Bedrock model id with ":" is signed double-encoded, matching @smithy/signature-v4 for the same request', () => {
    const body = '{"messages":[{"role":"user","content":[{"text":"hi"}]}]}'
    const signed = signAwsRequest({
      method: 'POST', url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse-stream', body,
      headers: { 'content-type': 'application/json', 'x-amz-content-sha256': new Bun.CryptoHasher('sha256').update(body).digest('hex') },
      region: 'us-east-1', service: 'bedrock', credentials: { ...credentials, sessionToken: 'tok' }, date: new Date('2025-01-02T03:04:05Z'),
    })
    // Value produced by @smithy/signature-v4 (the AWS SDK's signer) for this exact request.
    expect(signed.authorization).toEndWith('Signature=fa359c564aae2f6e2b2e160871895cd944c9970f767f24c905492a996c86ff84')
  })
})

describe('AWS eventstream decoder', () => {
  test('every piece size yields the same events, named by :event-type', () => {
    const bytes = frameRecording('bedrock/amazon-bedrock-text.chunks.txt')
    const whole = decodeInPieces(bytes, bytes.length)
    expect(whole[0]).toEqual({ event: 'messageStart', data: '{"role":"assistant"}' })
    expect(whole).toHaveLength(readFixtureChunks('bedrock/amazon-bedrock-text.chunks.txt').length)
    for (const pieceSize of [1, 3, 7, 64]) expect(decodeInPieces(bytes, pieceSize)).toEqual(whole)
  })

  test('a corrupted byte fails the CRC, a truncated stream fails at flush, exceptions are named', () => {
    const message = encodeEventStreamMessage({ ':event-type': 'messageStart', ':message-type': 'event' }, '{"role":"assistant"}')
    const corrupted = message.slice()
    corrupted[corrupted.length - 6] ^= 1
    expect(() => createEventStreamDecoder().push(corrupted)).toThrow(EventStreamDecodeError)
    const truncated = createEventStreamDecoder()
    expect(truncated.push(message.subarray(0, 20))).toEqual([])
    expect(() => truncated.flush()).toThrow(/ended inside a message/)
    const exception = encodeEventStreamMessage({ ':exception-type': 'throttlingException', ':message-type': 'exception' }, '{"message":"Too many requests"}')
    expect(createEventStreamDecoder().push(exception)).toEqual([{ event: 'exception:throttlingException', data: '{"message":"Too many requests"}' }])
  })
})

describe('Bedrock Converse adaptor replaying recordings', () => {
  test('amazon-bedrock-text: text, end_turn → stop, usage 22/55', () => {
    const result = runParser(bedrockAdaptor.createStreamParser(target), decodeInPieces(frameRecording('bedrock/amazon-bedrock-text.chunks.txt'), 5))
    const expected = readFixtureChunks('bedrock/amazon-bedrock-text.chunks.txt').map((line) => JSON.parse(line).contentBlockDelta?.delta?.text ?? '').join('')
    expect(assembleChunks(result.chunks).content).toBe(expected)
    expect(result.finishReason).toBe('stop')
    expect(result.usage).toEqual({ inputTokens: 22, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 55, reasoningTokens: 0 })
  })

  test('amazon-bedrock-reasoning: reasoning text and its signature, then the answer; usage 51/94', () => {
    const result = runParser(bedrockAdaptor.createStreamParser(target), decodeInPieces(frameRecording('bedrock/amazon-bedrock-reasoning.chunks.txt'), 11))
    const assembled = assembleChunks(result.chunks)
    expect(assembled.reasoning).toStartWith("Let me count the r's in \"strawberry\"")
    expect(assembled.content).toStartWith("There are **3** r's")
    expect(result.chunks.some((chunk) => (chunk.choices[0] as any).delta.thinking_blocks?.[0]?.signature?.startsWith('Ep0CCkgICxAB'))).toBe(true)
    expect(result.usage).toMatchObject({ inputTokens: 51, outputTokens: 94 })
  })

  test('amazon-bedrock-reasoning converted for an Anthropic client reads back with thinking, text and usage', () => {
    const conversion = createStreamConversion({ provider: 'bedrock', inbound: 'anthropic', model: 'claude', id: 'b1', target })
    const out: SseEvent[] = []
    for (const event of decodeInPieces(frameRecording('bedrock/amazon-bedrock-reasoning.chunks.txt'), 9)) out.push(...conversion.push(event))
    out.push(...conversion.flush())
    const readBack = runParser(createAnthropicStreamParser(), out)
    expect(assembleChunks(readBack.chunks).reasoning).toStartWith("Let me count the r's")
    expect(readBack.usage).toMatchObject({ inputTokens: 51, outputTokens: 94 })
  })

  test('amazon-bedrock-text.json: text and usage 22/57', () => {
    const { response, usage } = bedrockAdaptor.fromUpstream(readFixtureJson('bedrock/amazon-bedrock-text.json'), target)
    expect((response.choices[0] as any).message.content).toStartWith('Let me count the "r"s')
    expect(usage).toMatchObject({ inputTokens: 22, outputTokens: 57, cachedInputTokens: 0 })
  })
})

describe('Bedrock requests and errors', () => {
  test('channel type 33 is Bedrock; the request is SigV4-signed with the model id percent-encoded in the path', () => {
    expect(providerForChannelType(33)?.chat?.id).toBe('bedrock')
    const native = bedrockAdaptor.toUpstream({
      model: 'x', max_tokens: 100, stop: ['END'],
      messages: [
        { role: 'system', content: 'terse' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR' } }] },
        { role: 'assistant', content: '', tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'done', is_error: true },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'number' } } } } }],
      tool_choice: 'required',
    }, target)
    expect(native).toEqual({
      system: [{ text: 'terse' }],
      messages: [
        { role: 'user', content: [{ text: 'look' }, { image: { format: 'png', source: { bytes: 'iVBOR' } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: { a: 1 } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'done' }], status: 'error' } }] },
      ],
      inferenceConfig: { maxTokens: 100, stopSequences: ['END'] },
      toolConfig: { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: { a: { type: 'number' } } } } } }], toolChoice: { any: {} } },
    })
    const built = bedrockAdaptor.buildRequest(native, target)
    expect(built.url).toBe('https://bedrock-runtime.us-east-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse-stream')
    expect(built.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/)
    const withApiKey = bedrockAdaptor.buildRequest(native, { ...target, key: 'bedrock-api-key|eu-west-1', stream: false })
    expect(withApiKey.url).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse')
    expect(withApiKey.headers.authorization).toBe('Bearer bedrock-api-key')
  })

  test('image URLs are refused by name (Converse takes bytes only)', () => {
    expect(() => bedrockAdaptor.toUpstream({ model: 'x', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x.example/a.png' } }] }] }, target))
      .toThrow(ConversionError)
  })

  test('ValidationException 400 is not retryable; throttling 429 is; an in-stream exception throws', () => {
    expect(bedrockAdaptor.mapError(400, '{"message":"Malformed input request"}')).toMatchObject({ code: 'ValidationException', retryable: false, message: 'Malformed input request' })
    expect(bedrockAdaptor.mapError(429, '{"message":"Too many requests"}')).toMatchObject({ code: 'ThrottlingException', retryable: true })
    const parser = bedrockAdaptor.createStreamParser(target)
    expect(() => parser.push({ event: 'exception:throttlingException', data: '{"message":"slow down"}' })).toThrow('slow down')
  })
})
