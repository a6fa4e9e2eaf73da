import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { createStreamConversion, getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameEvents, readFixtureEvents, readFixtureText, runParser } from '../replay-fixture.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { createMemoryStateStore } from '../../channels/state-store.ts'
import { cozeAdaptor } from './coze-adaptor.ts'

const target: UpstreamTarget = { baseUrl: 'https://api.coze.com', key: 'pat_key', model: 'coze-bot', stream: true, other: '7379462189365198898', setting: {}, channelType: 49, endUser: 'tollgate-1-2' }
const request = (messages: ChatRequest['messages'], extra: Record<string, unknown> = {}): ChatRequest => ({ model: 'coze-bot', messages, ...extra })
const io = { post: async () => { throw new Error('no side call') }, get: async () => { throw new Error('no side call') }, download: async () => { throw new Error('no side call') }, state: createMemoryStateStore() }

function replay(path: string, pieceSize: number) {
  return runParser(cozeAdaptor.createStreamParser(target), decodeInPieces(frameEvents(readFixtureEvents(path)), pieceSize))
}
const streamAnswer = (path: string) => new Response(new TextDecoder().decode(frameEvents(readFixtureEvents(path))), { headers: { 'content-type': 'text/event-stream' } })
const jsonAnswer = (text: string) => new Response(text, { headers: { 'content-type': 'application/json' } })

/** The answer as the relay sees it after the request's read step. */
async function read(answer: Response, stream: boolean) {
  const built = cozeAdaptor.buildRequest(cozeAdaptor.toUpstream(request([{ role: 'user', content: 'hi' }]), { ...target, stream }), { ...target, stream })
  const prepared = await built.prepare!(io)
  return prepared.read!(answer)
}

describe('Coze adaptor: chat v3 streams built from the API reference', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`answer deltas → content (completed messages, verbose and follow-up not repeated), chat.completed usage (pieces of ${pieceSize})`, () => {
      const result = replay('coze/coze-chat-stream.events.txt', pieceSize)
      expect(assembleChunks(result.chunks).content).toBe('The capital of France is Paris.')
      expect(assembleChunks(result.chunks).finishReasons).toEqual(['stop'])
      expect(result.usage).toEqual({ inputTokens: 614, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 19, reasoningTokens: 0 })
      expect(result.chunks[0]!.id).toBe('7382159487131697202')
    })
  }

  test('reasoning models: reasoning_content deltas stay reasoning', () => {
    const parser = cozeAdaptor.createStreamParser(target)
    const chunks = parser.push({ event: 'conversation.message.delta', data: JSON.stringify({ role: 'assistant', type: 'answer', content: '', reasoning_content: 'Let me think.' }) })
    expect(assembleChunks(chunks).reasoning).toBe('Let me think.')
  })

  test('a failed chat ends the stream with its last_error; a conversion shows it in the client format', () => {
    expect(() => replay('coze/coze-chat-failed.events.txt', 3)).toThrow(UpstreamStreamError)
    const conversion = createStreamConversion({ provider: 'coze', inbound: 'openai-chat', target: { baseUrl: '', model: 'm', stream: true, other: 'b', setting: {}, channelType: 49 }, model: 'm', id: 'x' })
    decodeInPieces(frameEvents(readFixtureEvents('coze/coze-chat-failed.events.txt')), 1 << 30).forEach((event) => conversion.push(event))
    expect(conversion.upstreamError()).toMatchObject({ status: 502, code: '5000', message: 'The service encountered an unexpected error.', retryable: true })
  })
})

describe('Coze adaptor: the answer read before the relay', () => {
  test('non-stream: the stream aggregated into {chat, messages}, then the answer text and usage', async () => {
    const answer = await read(streamAnswer('coze/coze-chat-stream.events.txt'), false)
    expect(answer.ok).toBe(true)
    const { response, usage } = cozeAdaptor.fromUpstream(JSON.parse(await answer.text()), { ...target, stream: false })
    expect((response.choices[0] as any).message.content).toBe('The capital of France is Paris.')
    expect(response.id).toBe('7382159487131697202')
    expect(response.model).toBe('coze-bot')
    expect(usage).toMatchObject({ inputTokens: 614, outputTokens: 19 })
  })

  test('non-stream: a failed chat is a failed answer', async () => {
    const answer = await read(streamAnswer('coze/coze-chat-failed.events.txt'), false)
    expect(answer.status).toBe(502)
    expect(cozeAdaptor.mapError(answer.status, await answer.text())).toMatchObject({ message: 'The service encountered an unexpected error.', retryable: true })
  })

  test('a stream passes untouched', async () => {
    const answer = await read(streamAnswer('coze/coze-chat-stream.events.txt'), true)
    expect(await answer.text()).toContain('event:conversation.message.delta')
  })

  test('HTTP 200 refusals become failures with the status their code stands for', async () => {
    const auth = await read(jsonAnswer(readFixtureText('coze/coze-4100-authentication.json')), true)
    expect(auth.status).toBe(401)
    expect(cozeAdaptor.mapError(401, await auth.text())).toMatchObject({ type: 'authentication_error', code: '4100', retryable: true })
    const missing = await read(jsonAnswer(readFixtureText('coze/coze-4200-bot-not-found.json')), false)
    expect(missing.status).toBe(404)
    expect(cozeAdaptor.mapError(400, '{"code":4000,"msg":"Request parameter error"}')).toMatchObject({ retryable: false })
    expect(cozeAdaptor.mapError(400, '{"code":4028,"msg":"Your account balance is insufficient"}')).toMatchObject({ code: 'insufficient_quota', retryable: false })
  })
})

describe('Coze adaptor: requests and registry', () => {
  test('bot id from other, user id from the caller, the history as additional_messages, always streamed', () => {
    const native = cozeAdaptor.toUpstream(request([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: [{ type: 'text', text: 'this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
    ], { user: 'alice' }), { ...target, stream: false })
    expect(native).toEqual({
      bot_id: '7379462189365198898', user_id: 'tollgate-1-2:alice', stream: true,
      additional_messages: [
        { role: 'user', content: 'Be brief.\n\none', content_type: 'text' },
        { role: 'assistant', type: 'answer', content: 'a', content_type: 'text' },
        { role: 'user', content: JSON.stringify([{ type: 'text', text: 'this?' }, { type: 'image', file_url: 'https://example.com/cat.png' }]), content_type: 'object_string' },
      ],
    })
    const built = cozeAdaptor.buildRequest(native, target)
    expect(built.url).toBe('https://api.coze.com/v3/chat')
    expect(built.headers.authorization).toBe('Bearer pat_key')
    expect(cozeAdaptor.buildRequest(native, { ...target, baseUrl: 'https://api.coze.cn' }).url).toBe('https://api.coze.cn/v3/chat')
  })

  test('refused with a 400 naming the field: no bot id, tools, data-URL images, tool messages', () => {
    const refused = (body: ChatRequest, other = target.other) => { try { cozeAdaptor.toUpstream(body, { ...target, other }) } catch (error) { return error as ConversionError } throw new Error('not refused') }
    expect(refused(request([{ role: 'user', content: 'x' }]), ' ').param).toBe('other')
    expect(refused(request([{ role: 'user', content: 'x' }], { tools: [{ type: 'function', function: { name: 'f' } }] })).param).toBe('tools')
    expect(refused(request([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }])).param).toBe('messages[0].content[0].image_url.url')
    expect(refused(request([{ role: 'tool', content: 'x', tool_call_id: '1' }])).param).toBe('messages[0].role')
  })

  test('channel type 49 resolves to Coze, never a pass-through, https://api.coze.com by default', () => {
    expect(providerForChannelType(49)?.chat?.id).toBe('coze')
    expect(providerForChannelType(49)?.defaultBaseUrl).toBe('https://api.coze.com')
    expect(getAdaptor('coze')).toBe(cozeAdaptor)
    expect(isPassThrough('openai-chat', 'coze')).toBe(false)
  })
})
