import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { frameAsSse, readFixtureChunks, readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Dify channels (type 37) end to end: the real gateway, the official OpenAI SDK as the client, and a local Dify that
 * follows its API reference: bearer app keys, `POST /v1/files/upload` (multipart, per user), `POST /v1/chat-messages`
 * answering blocking or streaming from the fixtures, and conversations it keeps per user (an unknown
 * conversation_id is a 404, as Dify answers).
 */

const APP_KEY = 'app-test-key'
const CONVERSATION = '45701982-8118-4bc5-8e9b-64562b4555f2'
let harness: RelayHarness
let quiet: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let quietKey: string
let tokenId: number

const chats: { authorization: string | null; body: Record<string, any> }[] = []
const uploads: { authorization: string | null; user: string; type: string; size: number }[] = []
/** Conversations the mock Dify holds: id → user. Files uploaded: id → user. */
const conversations = new Map<string, string>([[CONVERSATION, '']])
const files = new Map<string, string>()
let turn = 0

function difyError(status: number, code: string, message: string) {
  return Response.json({ code, message, status }, { status })
}

async function dify(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const authorization = request.headers.get('authorization')
  if (authorization !== `Bearer ${APP_KEY}`) return difyError(401, 'unauthorized', 'Access token is invalid')
  if (url.pathname === '/v1/files/upload') {
    const form = await request.formData()
    const file = form.get('file')
    const user = form.get('user')
    if (!(file instanceof File) || typeof user !== 'string') return difyError(400, 'no_file_uploaded', 'Please upload your file.')
    uploads.push({ authorization, user, type: file.type, size: file.size })
    const id = `file-${uploads.length}`
    files.set(id, user)
    return Response.json({ id, name: file.name, size: file.size, extension: 'png', mime_type: file.type, created_by: 'x', created_at: 1 }, { status: 201 })
  }
  if (url.pathname !== '/v1/chat-messages') return difyError(404, 'not_found', 'no route')
  const body = await request.json() as Record<string, any>
  chats.push({ authorization, body })
  if (typeof body.query !== 'string' || body.query.length === 0) return difyError(400, 'invalid_param', 'query is required')
  for (const file of body.files ?? []) {
    if (file.transfer_mode === 'local_file' && files.get(file.upload_file_id) !== body.user) return difyError(400, 'invalid_param', 'file not found')
  }
  // Every new conversation gets a fresh id; a known one must belong to the same user.
  let conversation: string
  if (body.conversation_id) {
    if (conversations.get(body.conversation_id) !== body.user) return difyError(404, 'not_found', 'Conversation Not Exists.')
    conversation = body.conversation_id
  } else {
    conversation = `conv-${++turn}`
    conversations.set(conversation, body.user)
  }
  const withConversation = (text: string) => text.replaceAll(CONVERSATION, conversation)
  if (body.response_mode === 'streaming') {
    return new Response(withConversation(new TextDecoder().decode(frameAsSse(readFixtureChunks('dify/dify-chatflow-stream.chunks.txt')))), { headers: { 'content-type': 'text/event-stream' } })
  }
  return new Response(withConversation(readFixtureText('dify/dify-chat-blocking.json')), { headers: { 'content-type': 'application/json' } })
}

beforeAll(async () => {
  mock = Bun.serve({ port: 0, fetch: dify })
  const difyUrl = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  // The quiet gateway also converts streams in worker threads: DIFY_DEBUG must travel with the conversion.
  quiet = await startRelayHarness({ env: { DIFY_DEBUG: 'false', STREAM_CONVERSION: 'worker' } })
  for (const gateway of [harness, quiet]) {
    await gateway.addChannel({ type: 37, name: 'dify', key: APP_KEY, base_url: difyUrl, models: 'dify-app' })
    await gateway.addChannel({ type: 37, name: 'dify-bad-key', key: 'app-wrong', base_url: difyUrl, models: 'dify-wrong', auto_ban: 0 })
    await gateway.setOption('ModelRatio', { 'dify-app': 1, 'dify-wrong': 1 })
    await gateway.setOption('CompletionRatio', { 'dify-app': 1, 'dify-wrong': 1 })
  }
  const token = await harness.addToken()
  key = token.key
  tokenId = token.id
  quietKey = (await quiet.addToken()).key
})
afterAll(async () => {
  await harness.dispose()
  await quiet.dispose()
  mock.stop(true)
})

const lastChat = () => chats[chats.length - 1]!

describe('Dify channels through the gateway', () => {
  test('OpenAI SDK, stream: the app key as bearer, the caller as user, workflow progress as reasoning, the answer, usage', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'dify-app', messages: [{ role: 'user', content: 'What is the capital of France?' }], stream: true, stream_options: { include_usage: true } })
    let content = ''
    let reasoning = ''
    let usage: any
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined
      content += delta?.content ?? ''
      reasoning += delta?.reasoning_content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastChat().authorization).toBe(`Bearer ${APP_KEY}`)
    expect(lastChat().body).toMatchObject({ query: 'What is the capital of France?', response_mode: 'streaming', user: `tollgate-1-${tokenId}`, inputs: {}, files: [] })
    expect(lastChat().body).not.toHaveProperty('tollgate_continuation')
    expect(content).toBe('The capital of France is Paris — «Paris».')
    expect(reasoning).toContain('Workflow started\nNode started: Start\n')
    expect(reasoning).toContain('Workflow finished: succeeded')
    expect(usage).toMatchObject({ prompt_tokens: 1033, completion_tokens: 135 })
  })

  test('billed through the normal path: the log row holds Dify\'s usage and the price from it', async () => {
    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?model_name=dify-app&type=2&page_size=10')).body.data.items as Record<string, any>[]
    const streamed = rows.at(-1)!
    expect(streamed).toMatchObject({ prompt_tokens: 1033, completion_tokens: 135, is_stream: true })
    // ModelRatio 1 and CompletionRatio 1: (1033 + 135) × 1 × group ratio 1.
    expect(streamed.quota).toBe(1168)
  })

  test('DIFY_DEBUG=false (stream converted in a worker thread): answer text only', async () => {
    const stream = await quiet.client(quietKey).chat.completions.create({ model: 'dify-app', messages: [{ role: 'user', content: 'Capital of France?' }], stream: true })
    let content = ''
    let reasoning = ''
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined
      content += delta?.content ?? ''
      reasoning += delta?.reasoning_content ?? ''
    }
    expect(content).toBe('The capital of France is Paris — «Paris».')
    expect(reasoning).toBe('')
  })

  test('OpenAI SDK, non-stream, two turns: the second continues the conversation Dify gave the first, sending only the new message', async () => {
    const client = harness.client(key)
    const first = await client.chat.completions.create({ model: 'dify-app', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] })
    expect(first.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(first.usage).toMatchObject({ prompt_tokens: 1033, completion_tokens: 135 })
    expect(lastChat().body).toMatchObject({ query: 'System: Be brief.\n\nUser: Capital of France?', response_mode: 'blocking' })
    expect(lastChat().body.conversation_id).toBeUndefined()
    const started = `conv-${turn}`
    await client.chat.completions.create({ model: 'dify-app', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: first.choices[0]!.message.content! }, { role: 'user', content: 'And of Italy?' }] })
    expect(lastChat().body).toMatchObject({ query: 'And of Italy?', conversation_id: started })
    // A new chat with another first question starts its own conversation.
    await client.chat.completions.create({ model: 'dify-app', messages: [{ role: 'user', content: 'Something else' }, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }] })
    expect(lastChat().body.conversation_id).toBeUndefined()
    expect(lastChat().body.query).toBe('User: Something else\n\nAssistant: ok\n\nUser: more')
  })

  test('a data-URL image is uploaded first under the same user and sent by its file id; an http image goes as remote_url', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64')
    await harness.client(key).chat.completions.create({
      model: 'dify-app',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is in these?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }, { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } }] }],
    })
    expect(uploads.at(-1)).toEqual({ authorization: `Bearer ${APP_KEY}`, user: `tollgate-1-${tokenId}`, type: 'image/png', size: 16 })
    expect(lastChat().body.files).toEqual([{ type: 'image', transfer_mode: 'local_file', upload_file_id: `file-${uploads.length}` }, { type: 'image', transfer_mode: 'remote_url', url: 'https://example.com/cat.jpg' }])
  })

  test('a refused key: Dify\'s 401 reaches the client as an OpenAI-shaped error naming its message', async () => {
    const error = await harness.client(key).chat.completions.create({ model: 'dify-wrong', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(error.status).toBe(401)
    expect(error.message).toContain('Access token is invalid')
  })

  test('tools are refused with a 400 naming the field, before any call to Dify', async () => {
    const calls = chats.length
    const error = await harness.client(key).chat.completions.create({ model: 'dify-app', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }] }).catch((caught) => caught)
    expect(error.status).toBe(400)
    expect(error.message).toContain('tools')
    expect(chats.length).toBe(calls)
  })
})
