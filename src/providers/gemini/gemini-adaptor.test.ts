import { describe, expect, test } from 'bun:test'
import { ConversionError } from '../errors.ts'
import {
  assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser,
} from '../replay-fixture.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { convertToGeminiSchema } from './convert-to-gemini-schema.ts'
import { geminiAdaptor } from './gemini-adaptor.ts'

const target: UpstreamTarget = {
  baseUrl: 'https://generativelanguage.googleapis.com', key: 'g-key', model: 'gemini-3-pro-preview', stream: true, other: '', setting: {}, channelType: 24,
}

function replay(path: string, pieceSize: number) {
  return runParser(geminiAdaptor.createStreamParser(target), decodeInPieces(frameAsSse(readFixtureChunks(path)), pieceSize))
}

describe('Gemini stream parser replaying recordings', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`google-text: text, STOP → stop, output = candidates + thoughts (pieces of ${pieceSize})`, () => {
      const result = replay('google/google-text.chunks.txt', pieceSize)
      expect(assembleChunks(result.chunks).content).toBe('There are **3** "r"s in strawberry.\n\nst**r**awbe**rr**y')
      expect(result.finishReason).toBe('stop')
      expect(result.usage).toEqual({
        inputTokens: 9, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 208, reasoningTokens: 185,
      })
    })
  }

  test('gemma-4-output-usage: thought parts become reasoning, usage without candidatesTokenCount counts as 0 until the answer', () => {
    const result = replay('google/gemma-4-output-usage.chunks.txt', 5)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.content).toBe('hello')
    expect(assembled.reasoning).toStartWith('*   User input: "Reply with exactly: hello"')
    expect(assembled.reasoning).toEndWith('*   Output: "hello"')
    expect(result.usage).toMatchObject({ inputTokens: 6, outputTokens: 77, reasoningTokens: 76 })
  })

  test('google-tool-call: a whole function call keeps its thought signature; STOP after a call → tool_calls', () => {
    const result = replay('google/google-tool-call.chunks.txt', 7)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.toolCalls).toEqual([{ id: 'call_b36LacjwM668nsEP2tbsgQQ_0_0', name: 'weather', arguments: '{"location":"San Francisco"}' }])
    const call = result.chunks.flatMap((chunk) => (chunk.choices[0] as any).delta.tool_calls ?? [])[0]
    expect(call.extra_content.google.thought_signature).toStartWith('EqUCCqICAb4')
    expect(assembled.finishReasons).toEqual(['tool_calls'])
    expect(result.usage).toMatchObject({ inputTokens: 29, outputTokens: 60, reasoningTokens: 45 })
  })

  test('google-stream-tool-call-arguments: Vertex partialArgs are assembled into two complete calls', () => {
    const result = replay('google/google-stream-tool-call-arguments.chunks.txt', 11)
    const assembled = assembleChunks(result.chunks)
    expect(assembled.toolCalls.map((call) => [call.name, JSON.parse(call.arguments)])).toEqual([
      ['getWeather', { location: 'Boston' }],
      ['getWeather', { location: 'San Francisco' }],
    ])
    expect(new Set(assembled.toolCalls.map((call) => call.id)).size).toBe(2)
    expect(assembled.finishReasons).toEqual(['tool_calls'])
    expect(result.usage).toMatchObject({ inputTokens: 26, outputTokens: 155, reasoningTokens: 132 })
  })
})

describe('Gemini non-stream bodies and errors', () => {
  test('google-text.json: text and usage 9 in / 272 out of which 244 thoughts', () => {
    const { response, usage } = geminiAdaptor.fromUpstream(readFixtureJson('google/google-text.json'), target)
    expect((response.choices[0] as any).message.content).toBe("There are **3** r's in strawberry.\n\nHere is the breakdown: st**r**awbe**rr**y.")
    expect(usage).toMatchObject({ inputTokens: 9, outputTokens: 272, reasoningTokens: 244 })
    expect(response.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 272, completion_tokens_details: { reasoning_tokens: 244 } })
  })

  test('google-tool-call.json: function call → tool call with signature, finish tool_calls', () => {
    const { response, usage } = geminiAdaptor.fromUpstream(readFixtureJson('google/google-tool-call.json'), target)
    const choice = response.choices[0] as any
    expect(choice.finish_reason).toBe('tool_calls')
    expect(choice.message.tool_calls[0].function).toEqual({ name: 'weather', arguments: '{"location":"San Francisco"}' })
    expect(choice.message.tool_calls[0].extra_content.google.thought_signature).toStartWith('EskgCsYgAb4')
    expect(usage).toMatchObject({ inputTokens: 29, outputTokens: 908 })
  })

  test('google-429-retry-info: RESOURCE_EXHAUSTED is a retryable rate limit; an invalid key 400 is the channel\'s fault', () => {
    expect(geminiAdaptor.mapError(429, readFixtureText('google/google-429-retry-info.json'))).toMatchObject({
      status: 429, code: 'RESOURCE_EXHAUSTED', type: 'rate_limit_error', retryable: true, message: 'You exceeded your current quota, please check your plan.',
    })
    const badKey = geminiAdaptor.mapError(400, JSON.stringify({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] } }))
    expect(badKey).toMatchObject({ code: 'invalid_api_key', retryable: true })
    expect(geminiAdaptor.mapError(400, '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}').retryable).toBe(false)
  })
})

describe('canonical request → Gemini generateContent', () => {
  const base: ChatRequest = { model: 'client', messages: [] }

  test('roles, system instruction, function calls and responses, tools, thinking and safety map to Gemini fields', () => {
    const native = geminiAdaptor.toUpstream({
      ...base,
      messages: [
        { role: 'system', content: 'be terse' },
        { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklG' } }] },
        { role: 'assistant', content: null, tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } },
          { id: 'c2', type: 'function', function: { name: 'time', arguments: '{}' }, extra_content: { google: { thought_signature: 'sig2' } } },
        ] },
        { role: 'tool', tool_call_id: 'c1', content: '{"temp":3}' },
        { role: 'tool', tool_call_id: 'c2', content: 'noon' },
      ],
      tools: [
        { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: ['string', 'null'] } }, required: ['city'], additionalProperties: false } } },
        { type: 'function', function: { name: 'time', description: 'no args', parameters: { type: 'object', properties: {} } } },
      ],
      tool_choice: 'auto',
      max_tokens: 200,
      temperature: 0.3,
      reasoning_effort: 'high',
    }, { ...target, stream: false })
    expect(native).toEqual({
      systemInstruction: { parts: [{ text: 'be terse' }] },
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }, { inlineData: { mimeType: 'image/webp', data: 'UklG' } }] },
        { role: 'model', parts: [
          { functionCall: { name: 'weather', args: { city: 'Oslo' } }, thoughtSignature: 'skip_thought_signature_validator' },
          { functionCall: { name: 'time', args: {} }, thoughtSignature: 'sig2' },
        ] },
        { role: 'user', parts: [
          { functionResponse: { name: 'weather', response: { temp: 3 } } },
          { functionResponse: { name: 'time', response: { content: 'noon' } } },
        ] },
      ],
      generationConfig: { temperature: 0.3, maxOutputTokens: 200, thinkingConfig: { thinkingLevel: 'high', includeThoughts: true } },
      safetySettings: [
        { category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' },
        { category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_NONE' },
        { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', threshold: 'BLOCK_NONE' },
        { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_NONE' },
        { category: 'HARM_CATEGORY_CIVIC_INTEGRITY', threshold: 'BLOCK_NONE' },
      ],
      tools: [{ functionDeclarations: [
        { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string', nullable: true } }, required: ['city'] } },
        { name: 'time', description: 'no args' },
      ] }],
      toolConfig: { functionCallingConfig: { mode: 'AUTO' } },
    })
  })

  test('Gemini 2.5 gets a thinking budget and no placeholder signatures', () => {
    const native = geminiAdaptor.toUpstream({
      ...base, reasoning_effort: 'medium',
      messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
    }, { ...target, model: 'gemini-2.5-flash' })
    expect((native.generationConfig as any).thinkingConfig).toEqual({ thinkingBudget: 4096, includeThoughts: true })
    expect((native.contents as any)[0].parts[0].thoughtSignature).toBeUndefined()
  })

  test('URL: v1beta by default, v1 from GEMINI_MODEL_MAP, alt=sse for streams, key in x-goog-api-key', () => {
    const streamed = geminiAdaptor.buildRequest({}, target)
    expect(streamed.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-3-pro-preview:streamGenerateContent?alt=sse')
    expect(streamed.headers['x-goog-api-key']).toBe('g-key')
    const mapped = geminiAdaptor.buildRequest({}, { ...target, model: 'gemini-1.0-pro', stream: false, setting: { geminiModelMap: 'gemini-1.0-pro:v1,gemini-1.5-pro:v1beta' } })
    expect(mapped.url).toBe('https://generativelanguage.googleapis.com/v1/models/gemini-1.0-pro:generateContent')
  })

  test('schema conversion inlines $ref, turns const into enum and keeps numeric enums in the description', () => {
    const schema = convertToGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      $defs: { unit: { type: 'string', enum: ['c', 'f'] } },
      properties: { unit: { $ref: '#/$defs/unit' }, mode: { const: 'fast' }, level: { type: 'integer', enum: [1, 2], description: 'Level.' } },
    }, 'tools[0]')
    expect(schema).toEqual({
      type: 'object',
      properties: { unit: { type: 'string', enum: ['c', 'f'] }, mode: { enum: ['fast'], type: 'string' }, level: { type: 'integer', description: 'Level. Allowed values: 1, 2.' } },
    })
  })

  test('refused with a named ConversionError: recursive $ref, "not", a gif image, an unknown tool_call_id', () => {
    const cases: [ChatRequest, RegExp][] = [
      [{ ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'tree', parameters: { type: 'object', $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } }, properties: { root: { $ref: '#/$defs/node' } } } } }] }, /recursive \$ref/],
      [{ ...base, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { not: { type: 'string' } } } } } }] }, /"not"/],
      [{ ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lG' } }] }] }, /not image\/gif/],
      [{ ...base, messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }, /matches no earlier tool call/],
    ]
    for (const [request, message] of cases) {
      let thrown: unknown
      try {
        geminiAdaptor.toUpstream(request, target)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(ConversionError)
      expect((thrown as Error).message).toMatch(message)
    }
  })
})
