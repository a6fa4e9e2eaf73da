import { describe, expect, test } from 'bun:test'
import { ConversionError, UpstreamStreamError } from '../errors.ts'
import { createStreamConversion, getAdaptor, isPassThrough, providerForChannelType } from '../index.ts'
import { assembleChunks, awkwardPieceSizes, decodeInPieces, frameAsSse, readFixtureChunks, readFixtureJson, readFixtureText, runParser } from '../replay-fixture.ts'
import type { AuthPost, ChatRequest, PrepareIo, UpstreamTarget } from '../types.ts'
import { createMemoryStateStore } from '../../channels/state-store.ts'
import { difyAdaptor } from './dify-adaptor.ts'

const target: UpstreamTarget = { baseUrl: 'https://api.dify.ai', key: 'app-key', model: 'dify-app', stream: true, other: '', setting: {}, channelType: 37, endUser: 'tollgate-1-2' }

function replay(path: string, pieceSize: number, setting: Record<string, unknown> = {}) {
  return runParser(difyAdaptor.createStreamParser({ ...target, setting }), decodeInPieces(frameAsSse(readFixtureChunks(path)), pieceSize))
}

const request = (messages: ChatRequest['messages'], extra: Record<string, unknown> = {}): ChatRequest => ({ model: 'dify-app', messages, ...extra })
const png = 'data:image/png;base64,iVBORw0KGgo='

describe('Dify adaptor: streams built from the API reference', () => {
  for (const pieceSize of awkwardPieceSizes) {
    test(`chatflow: answers → content, workflow and node events → reasoning lines, message_end usage (pieces of ${pieceSize})`, () => {
      const result = replay('dify/dify-chatflow-stream.chunks.txt', pieceSize)
      const assembled = assembleChunks(result.chunks)
      expect(assembled.content).toBe('The capital of France is Paris — «Paris».')
      expect(assembled.reasoning).toBe('Workflow started\nNode started: Start\nNode finished: Start (succeeded, 0.01 s)\nNode started: LLM\nNode finished: LLM (succeeded, 1.38 s)\nWorkflow finished: succeeded\n')
      expect(assembled.finishReasons).toEqual(['stop'])
      expect(result.usage).toEqual({ inputTokens: 1033, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 135, reasoningTokens: 0 })
      expect(result.chunks[0]!.id).toBe('9da23599-e713-473b-982c-4328d4f5c78a')
      expect((result.chunks[0]!.choices[0] as any).delta.role).toBe('assistant')
    })
  }

  test('DIFY_DEBUG off: the answer text only', () => {
    const result = replay('dify/dify-chatflow-stream.chunks.txt', 7, { difyDebug: false })
    const assembled = assembleChunks(result.chunks)
    expect(assembled.reasoning).toBe('')
    expect(assembled.content).toBe('The capital of France is Paris — «Paris».')
    expect(result.usage).toMatchObject({ inputTokens: 1033, outputTokens: 135 })
  })

  test('agent app: the tool call is a reasoning line, the image it made a Markdown image in the content', () => {
    const assembled = assembleChunks(replay('dify/dify-agent-stream.chunks.txt', 3).chunks)
    expect(assembled.reasoning).toStartWith('Tool: dalle3 {"dalle3"')
    expect(assembled.content).toBe('\n![image](https://upload.dify.ai/files/tools/d75b7a5c-ce5e-442e-ab1b-d6a5e5b557b0.png)\nI have created an image of a cute anime girl.')
  })

  test('an error event ends the stream with the mapped error; a conversion answers it in the client format', () => {
    expect(() => replay('dify/dify-stream-error.chunks.txt', 5)).toThrow(UpstreamStreamError)
    const conversion = createStreamConversion({ provider: 'dify', inbound: 'anthropic', target: { baseUrl: '', model: 'm', stream: true, other: '', setting: {}, channelType: 37 }, model: 'm', id: 'x' })
    const out = decodeInPieces(frameAsSse(readFixtureChunks('dify/dify-stream-error.chunks.txt')), 1 << 30).flatMap((event) => conversion.push(event))
    expect(out.at(-1)!.event).toBe('error')
    expect(conversion.upstreamError()).toMatchObject({ status: 400, code: 'completion_request_error', retryable: false })
  })

  test('a Claude client gets the workflow progress as thinking', () => {
    const conversion = createStreamConversion({ provider: 'dify', inbound: 'anthropic', target: { baseUrl: '', model: 'm', stream: true, other: '', setting: {}, channelType: 37 }, model: 'm', id: 'x' })
    const out = [...decodeInPieces(frameAsSse(readFixtureChunks('dify/dify-chatflow-stream.chunks.txt')), 1 << 30).flatMap((event) => conversion.push(event)), ...conversion.flush()]
    const text = out.map((event) => event.data).join('\n')
    expect(text).toContain('"thinking_delta"')
    expect(text).toContain('Workflow started')
    expect(conversion.usage()).toMatchObject({ inputTokens: 1033, outputTokens: 135 })
  })
})

describe('Dify adaptor: blocking answers, errors, registry', () => {
  test('blocking answer: text and usage', () => {
    const { response, usage } = difyAdaptor.fromUpstream(readFixtureJson('dify/dify-chat-blocking.json'), { ...target, stream: false })
    expect((response.choices[0] as any).message.content).toBe('The capital of France is Paris.')
    expect(response.id).toBe('9da23599-e713-473b-982c-4328d4f5c78a')
    expect(response.model).toBe('dify-app')
    expect(usage).toMatchObject({ inputTokens: 1033, outputTokens: 135 })
    expect(difyAdaptor.readUsage(readFixtureJson('dify/dify-chat-blocking.json'))).toMatchObject({ inputTokens: 1033 })
  })

  test('errors: a bad parameter is the request\'s fault, the app out of provider credit a quota error, a lost conversation retryable', () => {
    expect(difyAdaptor.mapError(400, readFixtureText('dify/dify-400-invalid-param.json'))).toMatchObject({ status: 400, code: 'invalid_param', message: 'query is required', retryable: false })
    expect(difyAdaptor.mapError(400, readFixtureText('dify/dify-400-quota.json'))).toMatchObject({ code: 'insufficient_quota', retryable: false })
    expect(difyAdaptor.mapError(404, readFixtureText('dify/dify-404-conversation.json'))).toMatchObject({ code: 'not_found', message: 'Conversation Not Exists.', retryable: true })
    expect(difyAdaptor.mapError(401, '{"code":"unauthorized","message":"Access token is invalid","status":401}')).toMatchObject({ type: 'authentication_error', retryable: true })
    expect(difyAdaptor.mapError(502, '<html>bad gateway</html>').message).toStartWith('upstream returned HTTP 502')
  })

  test('channel type 37 resolves to Dify, never a pass-through, https://api.dify.ai by default', () => {
    expect(providerForChannelType(37)?.chat?.id).toBe('dify')
    expect(providerForChannelType(37)?.defaultBaseUrl).toBe('https://api.dify.ai')
    expect(getAdaptor('dify')).toBe(difyAdaptor)
    expect(isPassThrough('openai-chat', 'dify')).toBe(false)
  })
})

describe('Dify adaptor: requests', () => {
  test('one user message is the query as it is; the user is the Tollgate caller refined by the OpenAI user', () => {
    const native = difyAdaptor.toUpstream(request([{ role: 'user', content: 'hi' }], { user: 'alice' }), target)
    expect(native).toMatchObject({ inputs: {}, query: 'hi', response_mode: 'streaming', user: 'tollgate-1-2:alice', files: [], auto_generate_name: false })
    const built = difyAdaptor.buildRequest(native, target)
    expect(built.url).toBe('https://api.dify.ai/v1/chat-messages')
    expect(built.headers.authorization).toBe('Bearer app-key')
    expect(JSON.parse(built.body)).not.toHaveProperty('tollgate_continuation')
    expect(difyAdaptor.buildRequest(native, { ...target, baseUrl: 'https://dify.example.com/v1' }).url).toBe('https://dify.example.com/v1/chat-messages')
    expect(difyAdaptor.toUpstream(request([{ role: 'user', content: 'hi' }]), { ...target, stream: false }).response_mode).toBe('blocking')
  })

  test('history is folded into the query; images become remote_url or local_file files', () => {
    const native = difyAdaptor.toUpstream(request([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
      { role: 'assistant', content: 'A cat.' },
      { role: 'user', content: [{ type: 'text', text: 'And this?' }, { type: 'image_url', image_url: { url: png } }] },
    ]), target)
    expect(native.query).toBe('System: Be brief.\n\nUser: What is this?\n\nAssistant: A cat.\n\nUser: And this?')
    expect(native.files).toEqual([{ type: 'image', transfer_mode: 'remote_url', url: 'https://example.com/cat.png' }, { type: 'image', transfer_mode: 'local_file', url: png }])
    expect(native.tollgate_continuation).toMatchObject({ query: 'And this?', files: [{ type: 'image', transfer_mode: 'local_file', url: png }] })
  })

  test('a turn continues the conversation the turn before started: its previous key is that turn\'s next key', () => {
    const first = difyAdaptor.toUpstream(request([{ role: 'system', content: 'S' }, { role: 'user', content: 'one' }]), target).tollgate_continuation as any
    const second = difyAdaptor.toUpstream(request([{ role: 'system', content: 'S' }, { role: 'user', content: 'one' }, { role: 'assistant', content: 'anything' }, { role: 'user', content: 'two' }]), target).tollgate_continuation as any
    const edited = difyAdaptor.toUpstream(request([{ role: 'system', content: 'S' }, { role: 'user', content: 'ONE' }, { role: 'assistant', content: 'anything' }, { role: 'user', content: 'two' }]), target).tollgate_continuation as any
    expect(first.previous).toBeNull()
    expect(second.previous).toBe(first.next)
    expect(edited.previous).not.toBe(first.next)
    // A request that ends with an assistant message is sent folded, never continued.
    expect(difyAdaptor.toUpstream(request([{ role: 'user', content: 'one' }, { role: 'assistant', content: 'Sure,' }]), target).tollgate_continuation).toBeUndefined()
  })

  test('refused with a 400 naming the field: tools, tool messages, audio parts, an image type Dify does not take', () => {
    const refused = (body: ChatRequest) => { try { difyAdaptor.toUpstream(body, target) } catch (error) { return error as ConversionError } throw new Error('not refused') }
    expect(refused(request([{ role: 'user', content: 'x' }], { tools: [{ type: 'function', function: { name: 'f' } }] })).param).toBe('tools')
    expect(refused(request([{ role: 'tool', content: 'x', tool_call_id: '1' }])).param).toBe('messages[0].role')
    expect(refused(request([{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: '', format: 'wav' } }] }])).param).toBe('messages[0].content[0]')
    expect(refused(request([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }] }])).param).toBe('messages[0].content[0].image_url.url')
  })
})

describe('Dify adaptor: the preparer (conversations, uploads)', () => {
  function io(post: AuthPost = async () => { throw new Error('no side call expected') }): PrepareIo {
    return { post, get: async () => { throw new Error('no poll expected') }, download: async () => { throw new Error('no download expected') }, state: createMemoryStateStore() }
  }
  const answer = (body: unknown, status = 200) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

  test('the first turn goes folded, its answer\'s conversation id is kept; the next turn sends that id and only its last message', async () => {
    const shared = io()
    const turn1 = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request([{ role: 'user', content: 'one' }]), { ...target, stream: false }), target)
    const prepared1 = await turn1.prepare!(shared)
    expect(JSON.parse(prepared1.body)).toMatchObject({ query: 'one' })
    expect(JSON.parse(prepared1.body)).not.toHaveProperty('conversation_id')
    expect(await (await prepared1.read!(answer(readFixtureJson('dify/dify-chat-blocking.json')))).text()).toContain('Paris')
    await Bun.sleep(0)
    const history = [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'The capital of France is Paris.' }, { role: 'user', content: 'two' }]
    const turn2 = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request(history), target), target)
    const sent = JSON.parse((await turn2.prepare!(shared)).body)
    expect(sent).toMatchObject({ query: 'two', conversation_id: '45701982-8118-4bc5-8e9b-64562b4555f2', files: [] })
    // Another caller with the same history does not reach it.
    const other = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request(history), { ...target, endUser: 'tollgate-9-9' }), { ...target, endUser: 'tollgate-9-9' })
    expect(JSON.parse((await other.prepare!(shared)).body)).not.toHaveProperty('conversation_id')
  })

  test('a conversation Dify lost is forgotten, so the retry goes folded', async () => {
    const shared = io()
    const turn1 = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request([{ role: 'user', content: 'one' }]), target), target)
    await (await (await turn1.prepare!(shared)).read!(answer(readFixtureText('dify/dify-chatflow-stream.chunks.txt')))).text()
    const history = [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'two' }]
    const turn2 = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request(history), target), target)
    const prepared = await turn2.prepare!(shared)
    expect(JSON.parse(prepared.body).conversation_id).toBe('45701982-8118-4bc5-8e9b-64562b4555f2')
    expect((await prepared.read!(answer(readFixtureText('dify/dify-404-conversation.json'), 404))).status).toBe(404)
    const retry = await difyAdaptor.buildRequest(difyAdaptor.toUpstream(request(history), target), target).prepare!(shared)
    expect(JSON.parse(retry.body)).toMatchObject({ query: 'User: one\n\nAssistant: a\n\nUser: two' })
    expect(JSON.parse(retry.body)).not.toHaveProperty('conversation_id')
  })

  test('data-URL images are uploaded first (multipart with the same user) and sent as upload_file_id; a failed upload is the answer', async () => {
    const uploads: { url: string; form: FormData; authorization: string }[] = []
    const post: AuthPost = async (url, headers, body) => {
      const form = await new Response(body as BodyInit, { headers: { 'content-type': headers['content-type']! } }).formData()
      uploads.push({ url, form, authorization: headers.authorization! })
      return answer(readFixtureJson('dify/dify-file-upload.json'), 201)
    }
    const built = difyAdaptor.buildRequest(difyAdaptor.toUpstream(request([{ role: 'user', content: [{ type: 'text', text: 'what?' }, { type: 'image_url', image_url: { url: png } }, { type: 'image_url', image_url: { url: 'https://example.com/a.jpg' } }] }]), target), target)
    const sent = JSON.parse((await built.prepare!(io(post))).body)
    expect(sent.files).toEqual([{ type: 'image', transfer_mode: 'local_file', upload_file_id: '72fa9618-8f89-4a37-9b33-7e1178a24a67' }, { type: 'image', transfer_mode: 'remote_url', url: 'https://example.com/a.jpg' }])
    expect(uploads).toHaveLength(1)
    expect(uploads[0]!.url).toBe('https://api.dify.ai/v1/files/upload')
    expect(uploads[0]!.authorization).toBe('Bearer app-key')
    expect(uploads[0]!.form.get('user')).toBe('tollgate-1-2')
    const file = uploads[0]!.form.get('file') as File
    expect(file.type).toBe('image/png')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array(Buffer.from('iVBORw0KGgo=', 'base64')))
    const refused = await built.prepare!(io(async () => answer('{"code":"file_too_large","message":"File is too large","status":413}', 413)))
    expect(refused.answer!.status).toBe(413)
    expect(difyAdaptor.mapError(413, await refused.answer!.text())).toMatchObject({ code: 'file_too_large', retryable: false })
  })
})
