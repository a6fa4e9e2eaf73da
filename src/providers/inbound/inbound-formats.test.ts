import { describe, expect, test } from 'bun:test'
import { anthropicAdaptor } from '../anthropic/anthropic-adaptor.ts'
import { ConversionError } from '../errors.ts'
import { geminiAdaptor } from '../gemini/gemini-adaptor.ts'
import { getInbound } from '../index.ts'
import { openAiResponsesAdaptor } from '../openai/openai-responses-adaptor.ts'
import { readFixtureJson } from '../replay-fixture.ts'
import type { ChatChunk, UpstreamTarget, Usage } from '../types.ts'

function target(model: string, overrides: Partial<UpstreamTarget> = {}): UpstreamTarget {
  return { baseUrl: 'https://upstream.example', key: 'k', model, stream: false, other: '', setting: {}, channelType: 1, ...overrides }
}

function expectConversionError(run: () => unknown, message: RegExp): void {
  let thrown: unknown
  try {
    run()
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(ConversionError)
  expect((thrown as ConversionError).status).toBe(400)
  expect((thrown as Error).message).toMatch(message)
}

const usage: Usage = { inputTokens: 120, cachedInputTokens: 100, cacheWriteInputTokens: 5, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 40, reasoningTokens: 10 }

describe('openai-chat inbound', () => {
  const inbound = getInbound('openai-chat')

  test('toCanonical returns the very same body (no copy on the hot path) and refuses a body without messages', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], some_new_field: 1 }
    expect(inbound.toCanonical(body)).toBe(body)
    expectConversionError(() => inbound.toCanonical({ model: 'gpt-4o', contents: [] }), /"messages" must be an array/)
  })

  test('the stream writer restamps id and model, ends with the usage chunk and [DONE], or omits usage when not asked', () => {
    const chunk: ChatChunk = { id: 'upstream', object: 'chat.completion.chunk', model: 'upstream-model', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] }
    const writer = inbound.createStreamWriter({ model: 'client-model', id: 'chatcmpl-1', created: 5 })
    expect(JSON.parse(writer.push(chunk)[0].data)).toMatchObject({ id: 'chatcmpl-1', model: 'client-model', created: 5 })
    const end = writer.finish(usage)
    expect(JSON.parse(end[0].data).usage).toEqual({
      prompt_tokens: 120, completion_tokens: 40, total_tokens: 160,
      prompt_tokens_details: { cached_tokens: 100, cached_creation_tokens: 5 }, completion_tokens_details: { reasoning_tokens: 10 },
    })
    expect(end[1]).toEqual({ data: '[DONE]' })
    expect(inbound.createStreamWriter({ model: 'm', id: 'i', includeUsage: false }).finish(usage)).toEqual([{ data: '[DONE]' }])
  })

  test('errorBody has the OpenAI error shape', () => {
    expect(inbound.errorBody({ status: 400, message: 'bad', type: 'invalid_request_error', code: 'unsupported_image_type' }))
      .toEqual({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: 'unsupported_image_type' } })
  })
})

describe('anthropic inbound', () => {
  const inbound = getInbound('anthropic')

  test('a Messages request survives Anthropic → canonical → Anthropic unchanged', () => {
    const original = {
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Oslo?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Oslo' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '3 degrees', is_error: true }, { type: 'text', text: 'And tomorrow?' }] },
      ],
      tools: [{ name: 'weather', description: 'Weather by city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      tool_choice: { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
      max_tokens: 512,
      temperature: 0.4,
      top_k: 20,
      stop_sequences: ['STOP'],
      metadata: { user_id: 'user-7' },
      stream: true,
    }
    const canonical = inbound.toCanonical(structuredClone(original))
    expect(canonical.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'user'])
    const back = anthropicAdaptor.toUpstream(canonical, target('claude-sonnet-4-5', { stream: true }))
    expect(back).toEqual(original)
  })

  test('thinking with a budget survives the round trip, and signed thinking blocks are replayed', () => {
    const original = {
      model: 'claude-sonnet-4-5',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig-1' }, { type: 'text', text: 'a' }] },
        { role: 'user', content: [{ type: 'text', text: 'q2' }] },
      ],
      thinking: { type: 'enabled', budget_tokens: 3000 },
      max_tokens: 8000,
    }
    const canonical = inbound.toCanonical(structuredClone(original))
    expect(canonical.reasoning_effort).toBe('medium')
    expect(anthropicAdaptor.toUpstream(canonical, target('claude-sonnet-4-5'))).toEqual(original)
  })

  test('server tools, Anthropic-only blocks and non-Messages bodies are refused by name', () => {
    expectConversionError(() => inbound.toCanonical({ model: 'c', max_tokens: 10, messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), /web_search_20250305/)
    expectConversionError(() => inbound.toCanonical({ model: 'c', messages: [{ role: 'user', content: [{ type: 'search_result', source: 'x' }] }] }), /search_result/)
    expectConversionError(() => inbound.toCanonical({ model: 'c', contents: [] }), /not an Anthropic Messages request/)
  })

  for (const fixture of ['anthropic/anthropic-text.json', 'anthropic/anthropic-tool-no-args.json', 'anthropic/anthropic-clear-thinking.1.json']) {
    test(`${fixture}: Anthropic → canonical → Anthropic keeps content blocks, stop reason and usage`, () => {
      const original = readFixtureJson(fixture) as any
      const { response, usage: parsed } = anthropicAdaptor.fromUpstream(structuredClone(original), target('claude'))
      const back = inbound.fromCanonical(response, parsed) as any
      expect(back.id).toBe(original.id)
      expect(back.content).toEqual(original.content)
      expect(back.stop_reason).toBe(original.stop_reason)
      expect(back.usage).toEqual({
        input_tokens: original.usage.input_tokens, cache_creation_input_tokens: original.usage.cache_creation_input_tokens,
        cache_read_input_tokens: original.usage.cache_read_input_tokens, output_tokens: original.usage.output_tokens,
      })
    })
  }

  test('errorBody has the Anthropic error shape with a type chosen by status', () => {
    expect(inbound.errorBody({ status: 429, message: 'slow', type: 'upstream_error', code: '' })).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow' } })
  })
})

describe('gemini inbound', () => {
  const inbound = getInbound('gemini')

  test('a generateContent request survives Gemini → canonical → Gemini unchanged', () => {
    const original = {
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'Weather?' }, { inlineData: { mimeType: 'image/jpeg', data: '/9j/' } }] },
        { role: 'model', parts: [{ functionCall: { name: 'weather', args: { city: 'Oslo' } }, thoughtSignature: 'sig' }] },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { temp: 3 } } }] },
      ],
      generationConfig: { temperature: 0.2, topK: 5, maxOutputTokens: 300, stopSequences: ['END'], thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } },
      safetySettings: ['HARASSMENT', 'HATE_SPEECH', 'SEXUALLY_EXPLICIT', 'DANGEROUS_CONTENT', 'CIVIC_INTEGRITY'].map((name) => ({ category: `HARM_CATEGORY_${name}`, threshold: 'BLOCK_NONE' })),
      tools: [{ functionDeclarations: [{ name: 'weather', description: 'By city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['weather'] } },
    }
    const canonical = inbound.toCanonical({ ...structuredClone(original), model: 'gemini-2.5-flash' })
    expect(canonical.model).toBe('gemini-2.5-flash')
    expect(canonical.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool'])
    expect(geminiAdaptor.toUpstream(canonical, target('gemini-2.5-flash'))).toEqual(original)
  })

  test('upper-case Gemini schema types and nullable become JSON Schema; responses match calls by name in order', () => {
    const canonical = inbound.toCanonical({
      contents: [
        { role: 'user', parts: [{ text: 'go' }] },
        { role: 'model', parts: [{ functionCall: { name: 'a', args: {} } }, { functionCall: { name: 'b', args: {} } }, { functionCall: { name: 'a', args: { n: 2 } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'a', response: { r: 1 } } }, { functionResponse: { name: 'a', response: { r: 2 } } }, { functionResponse: { name: 'b', response: {} } }] },
      ],
      tools: [{ functionDeclarations: [{ name: 'a', parameters: { type: 'OBJECT', properties: { n: { type: 'INTEGER', nullable: true } } } }] }],
    })
    const calls = (canonical.messages[1] as any).tool_calls.map((call: any) => call.id)
    expect(canonical.messages.slice(2).map((message) => message.tool_call_id)).toEqual([calls[0], calls[2], calls[1]])
    expect((canonical.tools as any)[0].function.parameters).toEqual({ type: 'object', properties: { n: { type: ['integer', 'null'] } } })
  })

  test('Google-only tools, cached content and non-Gemini bodies are refused by name', () => {
    expectConversionError(() => inbound.toCanonical({ contents: [], tools: [{ googleSearch: {} }] }), /googleSearch/)
    expectConversionError(() => inbound.toCanonical({ contents: [], cachedContent: 'cachedContents/1' }), /cachedContent/)
    expectConversionError(() => inbound.toCanonical({ messages: [] }), /"contents" must be an array/)
  })

  test('google-tool-call.json: Gemini → canonical → Gemini keeps the call, its signature and the usage counts', () => {
    const original = readFixtureJson('google/google-tool-call.json') as any
    const { response, usage: parsed } = geminiAdaptor.fromUpstream(structuredClone(original), target('gemini-3-pro-preview'))
    const back = inbound.fromCanonical(response, parsed) as any
    expect(back.candidates[0].content.parts[0]).toMatchObject({ functionCall: { name: 'weather', args: { location: 'San Francisco' } }, thoughtSignature: original.candidates[0].content.parts[0].thoughtSignature })
    expect(back.candidates[0].finishReason).toBe('STOP')
    expect(back.usageMetadata).toEqual({ promptTokenCount: 29, candidatesTokenCount: 15, thoughtsTokenCount: 893, totalTokenCount: 937 })
  })

  test('errorBody has the Google error shape', () => {
    expect(inbound.errorBody({ status: 429, message: 'slow', type: 'rate_limit_error', code: '' })).toEqual({ error: { code: 429, message: 'slow', status: 'RESOURCE_EXHAUSTED' } })
  })
})

describe('openai-responses inbound', () => {
  const inbound = getInbound('openai-responses')

  test('a Responses request survives Responses → canonical → Responses', () => {
    const original = {
      model: 'gpt-5.1',
      input: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'input_text', text: 'Add 1 and 2' }, { type: 'input_image', image_url: 'https://x.example/a.png', detail: 'auto' }] },
        { type: 'function_call', call_id: 'call_1', name: 'add', arguments: '{"a":1,"b":2}' },
        { type: 'function_call_output', call_id: 'call_1', output: '3' },
      ],
      tools: [{ type: 'function', name: 'add', description: 'adds', parameters: { type: 'object', properties: {} }, strict: false }],
      tool_choice: 'auto',
      reasoning: { effort: 'low' },
      max_output_tokens: 100,
      text: { format: { type: 'json_schema', name: 'sum', schema: { type: 'object' }, strict: true } },
      store: false,
      stream: true,
    }
    const canonical = inbound.toCanonical(structuredClone(original))
    expect(canonical.messages.map((message) => message.role)).toEqual(['developer', 'user', 'assistant', 'tool'])
    expect(openAiResponsesAdaptor.toUpstream(canonical, target('gpt-5.1', { stream: true }))).toEqual(original)
  })

  test('server state and built-in tools are refused by name', () => {
    expectConversionError(() => inbound.toCanonical({ model: 'm', input: 'hi', previous_response_id: 'resp_1' }), /previous_response_id/)
    expectConversionError(() => inbound.toCanonical({ model: 'm', input: 'hi', tools: [{ type: 'web_search' }] }), /built-in tool "web_search"/)
    expectConversionError(() => inbound.toCanonical({ model: 'm', input: [{ type: 'item_reference', id: 'x' }] }), /item_reference/)
    expectConversionError(() => inbound.toCanonical({ model: 'm', messages: [] }), /"input" must be/)
  })

  for (const fixture of ['openai-responses/azure-tool-call.1.json', 'openai-responses/openai-reasoning-encrypted-content.1.json']) {
    test(`${fixture}: Responses → canonical → Responses keeps output item kinds, text, calls and usage`, () => {
      const original = readFixtureJson(fixture) as any
      const { response, usage: parsed } = openAiResponsesAdaptor.fromUpstream(structuredClone(original), target('gpt-5.1'))
      const back = inbound.fromCanonical(response, parsed) as any
      expect(back.id).toBe(original.id)
      expect(back.status).toBe('completed')
      expect(back.output.map((item: any) => item.type)).toEqual(original.output.map((item: any) => item.type))
      const text = (items: any[]) => items.filter((item) => item.type === 'message').flatMap((item) => item.content.map((part: any) => part.text)).join('')
      expect(text(back.output)).toBe(text(original.output))
      const calls = (items: any[]) => items.filter((item) => item.type === 'function_call').map((item) => [item.call_id, item.name, item.arguments])
      expect(calls(back.output)).toEqual(calls(original.output))
      expect(back.usage).toEqual(original.usage)
    })
  }
})
