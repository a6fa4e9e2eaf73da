import { describe, expect, test } from 'bun:test'
import { createAnthropicStreamParser } from '../anthropic/anthropic-stream-parser.ts'
import { convertCanonicalToGeminiResponse } from '../inbound/gemini/gemini-inbound.ts'
import { anthropicInbound } from '../inbound/anthropic/anthropic-inbound.ts'
import { createStreamConversion, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { ChatRequest, SseEvent, UpstreamTarget } from '../types.ts'

/**
 * The capability contract for the OpenAI-compatible vendors that carry more than OpenAI's fields: DeepSeek (43),
 * OpenRouter (20), Perplexity (27), xAI (48), SiliconFlow (40). Each is the OpenAI adaptor with a URL, so the contract
 * is about their extra fields reaching every client format: reasoning, citations, cached usage, their errors.
 */

const chat = (type: number) => providerForChannelType(type)!.chat!
const target = (channelType: number, model: string, overrides: Partial<UpstreamTarget> = {}): UpstreamTarget => ({
  baseUrl: 'https://vendor.example', key: 'sk-vendor', model, stream: true, other: '', setting: {}, channelType, ...overrides,
})
const events = (path: string, pieceSize = 1 << 30) => decodeInPieces(frameAsSse(readFixtureChunks(path), { done: true }), pieceSize)

/** One recorded stream converted for a client of `inbound` format, and the converted events. */
function convert(type: number, path: string, inbound: 'anthropic' | 'gemini', pieceSize = 7): SseEvent[] {
  const adaptor = chat(type)
  const conversion = createStreamConversion({ provider: adaptor.id, inbound, model: 'm', id: 'r1', target: target(type, 'm') })
  const out: SseEvent[] = []
  for (const event of events(path, pieceSize)) out.push(...conversion.push(event))
  out.push(...conversion.flush())
  return out
}
const geminiParts = (out: SseEvent[]) => out.flatMap((event) => JSON.parse(event.data).candidates?.flatMap((candidate: any) => candidate.content?.parts ?? []) ?? [])

describe('DeepSeek (43)', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`deepseek-reasoner stream: reasoning_content, tool call, cache hits as cached input (pieces of ${pieceSize})`, () => {
      const result = runParser(chat(43).createStreamParser(target(43, 'deepseek-reasoner')), events('deepseek/deepseek-tool-call.chunks.txt', pieceSize))
      const assembled = assembleChunks(result.chunks)
      expect(assembled.reasoning.length).toBeGreaterThan(0)
      expect(assembled.toolCalls).toHaveLength(1)
      expect(result.usage).toMatchObject({ inputTokens: 339, cachedInputTokens: 320, outputTokens: 83, reasoningTokens: 39 })
    })
  }

  test('to a Claude client the reasoning is a thinking block before the tool_use; to a Gemini client thought parts', () => {
    const readBack = runParser(createAnthropicStreamParser(), convert(43, 'deepseek/deepseek-tool-call.chunks.txt', 'anthropic'))
    const direct = runParser(chat(43).createStreamParser(target(43, 'x')), events('deepseek/deepseek-tool-call.chunks.txt'))
    expect(assembleChunks(readBack.chunks).reasoning).toBe(assembleChunks(direct.chunks).reasoning)
    expect(readBack.finishReason).toBe('tool_calls')
    expect(readBack.usage).toMatchObject({ inputTokens: 339, cachedInputTokens: 320 })
    const parts = geminiParts(convert(43, 'deepseek/deepseek-tool-call.chunks.txt', 'gemini'))
    expect(parts.some((part: any) => part.thought === true)).toBe(true)
    expect(parts.some((part: any) => part.functionCall !== undefined)).toBe(true)
  })

  test('non-stream: prompt_cache_hit_tokens billed as cached; the Claude answer opens with the thinking block', () => {
    const { response, usage } = chat(43).fromUpstream(readFixtureJson('deepseek/deepseek-reasoning.json'), target(43, 'deepseek-reasoner', { stream: false }))
    expect(usage).toMatchObject({ reasoningTokens: 315 })
    const claude = anthropicInbound.fromCanonical(response, usage) as { content: { type: string }[] }
    expect(claude.content.map((block) => block.type)).toEqual(['thinking', 'text'])
  })

  test('402 Insufficient Balance moves to another channel (this account is empty, another is not); 422 does not', () => {
    expect(chat(43).mapError(402, readFixtureText('deepseek/deepseek-402-insufficient-balance.json'))).toMatchObject({ status: 402, message: 'Insufficient Balance', retryable: true })
    expect(chat(43).mapError(422, '{"error":{"message":"Invalid parameters","type":"invalid_request_error"}}')).toMatchObject({ status: 422, retryable: false })
  })
})

describe('OpenRouter (20)', () => {
  const request = (fields: Record<string, unknown>): ChatRequest => ({ model: 'anthropic/claude-sonnet-4.5', messages: [{ role: 'user', content: 'hi' }], ...fields })

  test('reasoning_effort becomes reasoning.effort, an exact thinking budget reasoning.max_tokens, signed thinking reasoning_details; a client\'s own reasoning object wins', () => {
    expect(chat(20).toUpstream(request({ reasoning_effort: 'high' }), target(20, 'anthropic/claude-sonnet-4.5'))).toMatchObject({ reasoning: { effort: 'high' } })
    const fromClaude = chat(20).toUpstream(request({ reasoning_effort: 'medium', thinking_budget: 6000 }), target(20, 'anthropic/claude-sonnet-4.5'))
    expect(fromClaude.reasoning).toEqual({ max_tokens: 6000 })
    expect(fromClaude.reasoning_effort).toBeUndefined()
    expect(fromClaude.thinking_budget).toBeUndefined()
    expect(chat(20).toUpstream(request({ reasoning_effort: 'low', reasoning: { max_tokens: 100, exclude: true } }), target(20, 'm')).reasoning).toEqual({ max_tokens: 100, exclude: true })
    const replay = chat(20).toUpstream(request({
      thinking_budget: 2000,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: '', thinking_blocks: [{ type: 'thinking', thinking: 'Use the tool.', signature: 'sig-1' }, { type: 'redacted_thinking', data: 'enc' }], tool_calls: [{ id: 't1', type: 'function', function: { name: 'weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'sunny' },
      ],
    }), target(20, 'anthropic/claude-sonnet-4.5'))
    expect((replay.messages as any[])[1]).toEqual({
      role: 'assistant', content: '', tool_calls: [{ id: 't1', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      reasoning_details: [
        { type: 'reasoning.text', text: 'Use the tool.', signature: 'sig-1', format: 'anthropic-claude-v1', index: 0 },
        { type: 'reasoning.encrypted', data: 'enc', format: 'anthropic-claude-v1', index: 1 },
      ],
    })
    const routing = { provider: { order: ['anthropic', 'amazon-bedrock'], allow_fallbacks: false }, models: ['openai/gpt-5'], transforms: ['middle-out'] }
    expect(chat(20).toUpstream(request(routing), target(20, 'm'))).toMatchObject(routing)
  })

  test('stream: reasoning becomes reasoning_content, the signature a thinking block; usage; a Claude client reads it back signed', () => {
    const result = runParser(chat(20).createStreamParser(target(20, 'm')), events('openrouter/openrouter-reasoning.chunks.txt', 5))
    expect(assembleChunks(result.chunks).reasoning).toBe('The user asks for 17 × 23.17 × 20 = 340 and 17 × 3 = 51, so 391.')
    expect(assembleChunks(result.chunks).content).toBe('17 × 23 = **391**.')
    expect(result.chunks.some((chunk) => 'reasoning_details' in (chunk.choices[0] as any).delta)).toBe(false)
    expect(result.usage).toMatchObject({ inputTokens: 41, outputTokens: 58, reasoningTokens: 37 })
    const claude = convert(20, 'openrouter/openrouter-reasoning.chunks.txt', 'anthropic', 11).map((event) => JSON.parse(event.data))
    expect(claude.find((event) => event.delta?.type === 'signature_delta')?.delta.signature).toBe('EqQBCkYIBxgCKkBsig-test-signature')
    expect(runParser(createAnthropicStreamParser(), convert(20, 'openrouter/openrouter-reasoning.chunks.txt', 'anthropic')).usage).toMatchObject({ outputTokens: 58 })
    expect(geminiParts(convert(20, 'openrouter/openrouter-reasoning.chunks.txt', 'gemini')).filter((part: any) => part.thought).map((part: any) => part.text).join('')).toContain('so 391.')
  })

  test('non-stream: message.reasoning (and its details) → reasoning_content; a Gemini client gets a thought part', () => {
    const { response } = chat(20).fromUpstream(readFixtureJson('openrouter/openrouter-reasoning.json'), target(20, 'm', { stream: false }))
    const message = (response.choices[0] as any).message
    expect(message.reasoning_content).toBe('17 × 23 = 340 + 51 = 391.')
    expect(message.reasoning_details).toBeUndefined()
    expect((convertCanonicalToGeminiResponse(response, null) as any).candidates[0].content.parts[0]).toEqual({ text: '17 × 23 = 340 + 51 = 391.', thought: true })
  })
})

describe('Perplexity (27)', () => {
  const sources = readFixtureJson('perplexity/perplexity-citations.json').citations as string[]

  test('non-stream: usage; the citations become a Gemini client\'s groundingMetadata, in order', () => {
    const { response, usage } = chat(27).fromUpstream(readFixtureJson('perplexity/perplexity-citations.json'), target(27, 'sonar', { stream: false }))
    expect(usage).toMatchObject({ inputTokens: 10, outputTokens: 251 })
    expect(response.citations).toEqual(sources)
    const gemini = convertCanonicalToGeminiResponse(response, usage) as any
    expect(gemini.candidates[0].groundingMetadata.groundingChunks).toEqual(sources.map((uri) => ({ web: { uri } })))
    const withResults = convertCanonicalToGeminiResponse({ ...response, search_results: [{ title: 'San Francisco', url: sources[1], date: '2025-01-01' }] }, usage) as any
    expect(withResults.candidates[0].groundingMetadata.groundingChunks).toEqual([{ web: { uri: sources[1], title: 'San Francisco' } }])
  })

  test('stream: the running usage of the last chunk is billed; "chat.completion.done" ends it; Gemini\'s last event carries the sources', () => {
    const result = runParser(chat(27).createStreamParser(target(27, 'sonar')), events('perplexity/perplexity-citations.chunks.txt', 3))
    expect(assembleChunks(result.chunks).content).toBe('The current population of **[2][3]')
    expect(result.finishReason).toBe('stop')
    expect(result.usage).toMatchObject({ inputTokens: 10, outputTokens: 336 })
    const out = convert(27, 'perplexity/perplexity-citations.chunks.txt', 'gemini')
    const last = JSON.parse(out[out.length - 1]!.data)
    expect(last.candidates[0].groundingMetadata.groundingChunks).toHaveLength(7)
    expect(last.usageMetadata).toMatchObject({ promptTokenCount: 10, candidatesTokenCount: 336 })
  })

  test('chat requests go to /chat/completions and ask for no stream_options (Perplexity sends usage on every chunk)', () => {
    const native = chat(27).toUpstream({ model: 'sonar', stream: true, messages: [{ role: 'user', content: 'q' }], search_domain_filter: ['wikipedia.org'] }, target(27, 'sonar', { baseUrl: 'https://api.perplexity.ai' }))
    expect(native.stream_options).toBeUndefined()
    expect(native.search_domain_filter).toEqual(['wikipedia.org'])
    expect(chat(27).buildRequest(native, target(27, 'sonar', { baseUrl: 'https://api.perplexity.ai' })).url).toBe('https://api.perplexity.ai/chat/completions')
  })
})

describe('xAI (48) and SiliconFlow (40)', () => {
  test('grok-3-mini stream: reasoning_content; reasoning reported outside completion_tokens is counted as output; cached prompt', () => {
    const result = runParser(chat(48).createStreamParser(target(48, 'grok-3-mini')), events('xai/xai-text.chunks.txt', 7))
    expect(assembleChunks(result.chunks)).toMatchObject({ reasoning: 'First, the user said', content: 'Hello' })
    expect(result.usage).toMatchObject({ inputTokens: 12, cachedInputTokens: 11, outputTokens: 291, reasoningTokens: 290 })
    const readBack = runParser(createAnthropicStreamParser(), convert(48, 'xai/xai-text.chunks.txt', 'anthropic'))
    expect(assembleChunks(readBack.chunks).reasoning).toBe('First, the user said')
  })

  test('xAI live-search citations (the same top-level list) reach Gemini clients as grounding', () => {
    const body = { ...readFixtureJson('perplexity/perplexity-citations.json'), model: 'grok-3' }
    const { response } = chat(48).fromUpstream(body, target(48, 'grok-3', { stream: false }))
    expect((convertCanonicalToGeminiResponse(response, null) as any).candidates[0].groundingMetadata.groundingChunks).toHaveLength(7)
  })

  test('SiliconFlow serves chat at OpenAI\'s path with stream usage asked for; its R1 reasoning_content converts like DeepSeek\'s', () => {
    const native = chat(40).toUpstream({ model: 'deepseek-ai/DeepSeek-R1', stream: true, messages: [{ role: 'user', content: 'q' }] }, target(40, 'deepseek-ai/DeepSeek-R1', { baseUrl: 'https://api.siliconflow.cn' }))
    expect(native.stream_options).toEqual({ include_usage: true })
    expect(chat(40).buildRequest(native, target(40, 'x', { baseUrl: 'https://api.siliconflow.cn' })).url).toBe('https://api.siliconflow.cn/v1/chat/completions')
    const readBack = runParser(createAnthropicStreamParser(), convert(40, 'deepseek/deepseek-tool-call.chunks.txt', 'anthropic'))
    expect(assembleChunks(readBack.chunks).reasoning.length).toBeGreaterThan(0)
  })
})
