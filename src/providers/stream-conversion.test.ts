import { describe, expect, test } from 'bun:test'
import { createAnthropicStreamParser } from './anthropic/anthropic-stream-parser.ts'
import { createGeminiStreamParser } from './gemini/gemini-stream-parser.ts'
import { createStreamConversion, getAdaptor, isPassThrough } from './index.ts'
import { createOpenAiChatStreamParser } from './openai/openai-chat-stream-parser.ts'
import { createOpenAiResponsesStreamParser } from './openai/openai-responses-stream-parser.ts'
import { assembleChunks, decodeInPieces, frameAsSse, readFixtureChunks, runParser } from './replay-fixture.ts'
import type { SseFraming } from './replay-fixture.ts'
import { createSseDecoder, encodeSse } from './sse.ts'
import type { SseEvent, StreamConversionSpec, StreamParser, Usage, WireFormat } from './types.ts'

interface Recording {
  provider: string
  path: string
  framing: SseFraming
}

const recordings: Recording[] = [
  { provider: 'openai', path: 'openai-chat/openai-text.chunks.txt', framing: { done: true } },
  { provider: 'deepseek', path: 'deepseek/deepseek-tool-call.chunks.txt', framing: { done: true } },
  { provider: 'mistral', path: 'mistral/mistral-tool-call.chunks.txt', framing: { done: true } },
  { provider: 'ali', path: 'openai-compatible/alibaba-tool-call.chunks.txt', framing: { done: true } },
  { provider: 'anthropic', path: 'anthropic/anthropic-clear-thinking.1.chunks.txt', framing: { eventLines: true } },
  { provider: 'anthropic', path: 'anthropic/anthropic-tool-no-args.chunks.txt', framing: { eventLines: true } },
  { provider: 'anthropic', path: 'anthropic/anthropic-issue-5942-cache-write.chunks.txt', framing: { eventLines: true } },
  { provider: 'gemini', path: 'google/google-text.chunks.txt', framing: {} },
  { provider: 'gemini', path: 'google/gemma-4-output-usage.chunks.txt', framing: {} },
  { provider: 'gemini', path: 'google/google-stream-tool-call-arguments.chunks.txt', framing: {} },
  { provider: 'openai-responses', path: 'openai-responses/azure-tool-call.1.chunks.txt', framing: { eventLines: true } },
  { provider: 'cohere', path: 'cohere/cohere-tool-call.chunks.txt', framing: {} },
  { provider: 'cohere', path: 'cohere/cohere-text.chunks.txt', framing: {} },
]

const parserForInbound: Record<string, () => StreamParser> = {
  'openai-chat': createOpenAiChatStreamParser,
  anthropic: createAnthropicStreamParser,
  gemini: createGeminiStreamParser,
  'openai-responses': createOpenAiResponsesStreamParser,
}

const inboundFormats: WireFormat[] = ['openai-chat', 'anthropic', 'gemini', 'openai-responses']

function spec(provider: string, inbound: WireFormat): StreamConversionSpec {
  return {
    provider, inbound, model: 'client-model', id: 'conv123',
    target: { baseUrl: 'https://upstream.example', model: 'upstream-model', stream: true, other: '', setting: {}, channelType: 1 },
  }
}

/** Upstream bytes → SSE decoder → conversion → encodeSse → bytes → decoder: exactly what a client receives. */
function convert(recording: Recording, inbound: WireFormat, pieceSize: number): { events: SseEvent[]; usage: Usage | null } {
  const conversion = createStreamConversion(spec(recording.provider, inbound))
  const upstream = decodeInPieces(frameAsSse(readFixtureChunks(recording.path), recording.framing), pieceSize)
  let wire = ''
  for (const event of upstream) for (const out of conversion.push(event)) wire += encodeSse(out)
  for (const out of conversion.flush()) wire += encodeSse(out)
  const decoder = createSseDecoder()
  const events = [...decoder.push(new TextEncoder().encode(wire)), ...decoder.flush()]
  return { events, usage: conversion.usage() }
}

/** Usage fields each inbound format can carry (Anthropic has no reasoning count, the others no cache-write count). */
function representable(usage: Usage | null, inbound: WireFormat): Partial<Usage> | null {
  if (usage === null) return null
  const { inputTokens, cachedInputTokens, outputTokens, reasoningTokens, cacheWriteInputTokens } = usage
  switch (inbound) {
    case 'anthropic': return { inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens }
    case 'openai-chat': return { inputTokens, cachedInputTokens, cacheWriteInputTokens, outputTokens, reasoningTokens }
    default: return { inputTokens, cachedInputTokens, outputTokens, reasoningTokens }
  }
}

describe('every recording converted to every inbound format reads back the same', () => {
  for (const recording of recordings) {
    const direct = runParser(
      getAdaptor(recording.provider).createStreamParser({ ...spec(recording.provider, 'openai-chat').target, key: '' }),
      decodeInPieces(frameAsSse(readFixtureChunks(recording.path), recording.framing), 1 << 30),
    )
    const expected = assembleChunks(direct.chunks)
    for (const inbound of inboundFormats) {
      if (isPassThrough(inbound, recording.provider)) continue
      test(`${recording.path} → ${inbound}: text, reasoning, tool calls, finish reason and usage survive`, () => {
        const { events, usage } = convert(recording, inbound, 5)
        expect(usage).toEqual(direct.usage)
        const readBack = runParser(parserForInbound[inbound](), events)
        const assembled = assembleChunks(readBack.chunks)
        expect(assembled.content).toBe(expected.content)
        expect(assembled.reasoning).toBe(expected.reasoning)
        expect(assembled.toolCalls.map((call) => [call.name, JSON.parse(call.arguments || '{}')]))
          .toEqual(expected.toolCalls.map((call) => [call.name, JSON.parse(call.arguments || '{}')]))
        expect(readBack.finishReason).toBe(direct.finishReason)
        expect(representable(readBack.usage, inbound)).toEqual(representable(direct.usage, inbound))
      })
    }
  }
})

describe('pass-through streams', () => {
  test('openai → openai-chat returns the very same events and finds usage only from the usage chunk', () => {
    const conversion = createStreamConversion(spec('openai', 'openai-chat'))
    const events = decodeInPieces(frameAsSse(readFixtureChunks('openai-chat/openai-text.chunks.txt'), { done: true }), 1 << 30)
    for (const event of events) expect(conversion.push(event)).toEqual([event])
    expect(conversion.push(events[0])[0]).toBe(events[0])
    conversion.flush()
    expect(conversion.usage()).toMatchObject({ inputTokens: 16, outputTokens: 300 })
  })

  test('includeUsage false withholds only the usage-only chunk (FORCE_STREAM_OPTION) and still bills it', () => {
    const conversion = createStreamConversion({ ...spec('openai', 'openai-chat'), includeUsage: false })
    const events = decodeInPieces(frameAsSse(readFixtureChunks('openai-chat/openai-text.chunks.txt'), { done: true }), 1 << 30)
    const forwarded = events.flatMap((event) => conversion.push(event))
    expect(forwarded.length).toBe(events.length - 1)
    expect(forwarded.some((event) => event.data.includes('"choices":[]'))).toBe(false)
    expect(conversion.usage()).toMatchObject({ inputTokens: 16, outputTokens: 300 })
  })

  test('anthropic → anthropic merges message_start and message_delta usage (cache write)', () => {
    const conversion = createStreamConversion(spec('anthropic', 'anthropic'))
    for (const event of decodeInPieces(frameAsSse(readFixtureChunks('anthropic/anthropic-issue-5942-cache-write.chunks.txt'), { eventLines: true }), 3)) conversion.push(event)
    expect(conversion.usage()).toEqual({
      inputTokens: 17606, cachedInputTokens: 0, cacheWriteInputTokens: 17603, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 2, reasoningTokens: 0,
    })
  })

  test('gemini → gemini and openai-responses → openai-responses read the last usage', () => {
    const gemini = createStreamConversion(spec('gemini', 'gemini'))
    for (const event of decodeInPieces(frameAsSse(readFixtureChunks('google/google-text.chunks.txt')), 7)) gemini.push(event)
    expect(gemini.usage()).toMatchObject({ inputTokens: 9, outputTokens: 208, reasoningTokens: 185 })
    const responses = createStreamConversion(spec('openai-responses', 'openai-responses'))
    for (const event of decodeInPieces(frameAsSse(readFixtureChunks('openai-responses/azure-tool-call.1.chunks.txt'), { eventLines: true }), 7)) responses.push(event)
    expect(responses.usage()).toMatchObject({ inputTokens: 45, outputTokens: 24 })
  })

  test('a Responses error event in a pass-through stream is reported as the upstream error', () => {
    const conversion = createStreamConversion(spec('openai-responses', 'openai-responses'))
    for (const event of decodeInPieces(frameAsSse(readFixtureChunks('openai-responses/openai-error.1.chunks.txt'), { eventLines: true }), 1 << 30)) conversion.push(event)
    expect(conversion.upstreamError()).toMatchObject({ code: 'insufficient_quota', retryable: false })
  })
})

describe('upstream errors inside converted streams', () => {
  test('a Responses quota error reaching an Anthropic client becomes an Anthropic error event and ends the stream', () => {
    const { events } = convert({ provider: 'openai-responses', path: 'openai-responses/openai-error.1.chunks.txt', framing: { eventLines: true } }, 'anthropic', 1 << 30)
    const last = events[events.length - 1]
    expect(last.event).toBe('error')
    expect(JSON.parse(last.data)).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: expect.stringMatching(/^You exceeded your current quota/) } })
    expect(events.some((event) => event.event === 'message_stop')).toBe(false)
  })

  test('fail() after a relay timeout gives the inbound error event once', () => {
    const conversion = createStreamConversion(spec('anthropic', 'openai-chat'))
    const events = conversion.fail({ status: 504, message: 'upstream went quiet', type: 'upstream_error', code: 'stream_timeout' })
    expect(events).toEqual([{ data: JSON.stringify({ error: { message: 'upstream went quiet', type: 'upstream_error', param: null, code: 'stream_timeout' } }) }])
    expect(conversion.fail({ status: 504, message: 'again', type: 'x', code: 'y' })).toEqual([])
    expect(conversion.flush()).toEqual([])
  })
})

describe('worker threads', () => {
  test('a conversion rebuilt from its plain-data spec inside a Bun Worker produces the same events and usage as inline', async () => {
    const conversionSpec = { ...spec('anthropic', 'openai-responses'), created: 1700000000 }
    const events = decodeInPieces(frameAsSse(readFixtureChunks('anthropic/anthropic-clear-thinking.1.chunks.txt'), { eventLines: true }), 1 << 30)
    const inline = createStreamConversion(conversionSpec)
    const expected = [...events.flatMap((event) => inline.push(event)), ...inline.flush()]

    const code = `
      import { createStreamConversion } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)}
      self.onmessage = (message) => {
        const conversion = createStreamConversion(message.data.spec)
        const out = []
        for (const event of message.data.events) out.push(...conversion.push(event))
        out.push(...conversion.flush())
        postMessage({ out, usage: conversion.usage() })
      }`
    const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'application/typescript' })))
    try {
      const result = await new Promise<{ out: SseEvent[]; usage: Usage | null }>((resolve, reject) => {
        worker.onmessage = (message) => resolve(message.data)
        worker.onerror = (error) => reject(error)
        worker.postMessage({ spec: structuredClone(conversionSpec), events })
      })
      expect(result.out).toEqual(expected)
      expect(result.usage).toEqual(inline.usage())
    } finally {
      worker.terminate()
    }
  })
})
