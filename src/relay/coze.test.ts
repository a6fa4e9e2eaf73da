import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { frameEvents, readFixtureEvents, readFixtureText } from '../providers/replay-fixture.ts'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Coze channels (type 49) end to end: the real gateway, the official OpenAI SDK as the client, and a local Coze that
 * follows its chat v3 reference: a bearer personal access token, the bot named by `bot_id`, refusals as HTTP 200
 * `{code, msg}` (4100 for a bad token, 4200 for an unknown bot), and the chat streamed as `event:`/`data:` pairs.
 */

const TOKEN = 'pat_test_token'
const BOT = '7379462189365198898'
let harness: RelayHarness
let mock: ReturnType<typeof Bun.serve>
let key: string
let tokenId: number
const chats: { authorization: string | null; body: Record<string, any> }[] = []

async function coze(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.pathname !== '/v3/chat') return Response.json({ code: 4000, msg: `no route ${url.pathname}` })
  const body = await request.json() as Record<string, any>
  chats.push({ authorization: request.headers.get('authorization'), body })
  if (request.headers.get('authorization') !== `Bearer ${TOKEN}`) return new Response(readFixtureText('coze/coze-4100-authentication.json'), { headers: { 'content-type': 'application/json' } })
  if (body.bot_id !== BOT) return new Response(readFixtureText('coze/coze-4200-bot-not-found.json'), { headers: { 'content-type': 'application/json' } })
  if (body.stream !== true || typeof body.user_id !== 'string' || !Array.isArray(body.additional_messages)) return Response.json({ code: 4000, msg: 'Request parameter error' })
  const fixture = body.additional_messages.at(-1)?.content === 'fail please' ? 'coze/coze-chat-failed.events.txt' : 'coze/coze-chat-stream.events.txt'
  return new Response(new TextDecoder().decode(frameEvents(readFixtureEvents(fixture))), { headers: { 'content-type': 'text/event-stream' } })
}

beforeAll(async () => {
  mock = Bun.serve({ port: 0, fetch: coze })
  const cozeUrl = `http://127.0.0.1:${mock.port}`
  harness = await startRelayHarness()
  await harness.addChannel({ type: 49, name: 'coze', key: TOKEN, base_url: cozeUrl, models: 'coze-bot', other: BOT })
  await harness.addChannel({ type: 49, name: 'coze-bad-token', key: 'pat_wrong', base_url: cozeUrl, models: 'coze-wrong-token', other: BOT, auto_ban: 0 })
  await harness.addChannel({ type: 49, name: 'coze-bad-bot', key: TOKEN, base_url: cozeUrl, models: 'coze-wrong-bot', other: '1', auto_ban: 0 })
  const models = ['coze-bot', 'coze-wrong-token', 'coze-wrong-bot']
  await harness.setOption('ModelRatio', Object.fromEntries(models.map((model) => [model, 1])))
  await harness.setOption('CompletionRatio', Object.fromEntries(models.map((model) => [model, 1])))
  const token = await harness.addToken()
  key = token.key
  tokenId = token.id
})
afterAll(async () => {
  await harness.dispose()
  mock.stop(true)
})

const lastChat = () => chats[chats.length - 1]!

describe('Coze channels through the gateway', () => {
  test('OpenAI SDK, stream: the token as bearer, bot and user ids, the answer deltas and the chat usage', async () => {
    const stream = await harness.client(key).chat.completions.create({ model: 'coze-bot', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }], stream: true, stream_options: { include_usage: true } })
    let content = ''
    let usage: any
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta?.content ?? ''
      if (chunk.usage) usage = chunk.usage
    }
    expect(lastChat().authorization).toBe(`Bearer ${TOKEN}`)
    expect(lastChat().body).toEqual({ bot_id: BOT, user_id: `tollgate-1-${tokenId}`, stream: true, additional_messages: [{ role: 'user', content: 'Be brief.\n\nCapital of France?', content_type: 'text' }] })
    expect(content).toBe('The capital of France is Paris.')
    expect(usage).toMatchObject({ prompt_tokens: 614, completion_tokens: 19 })
  })

  test('OpenAI SDK, non-stream: the stream aggregated into one answer with its usage', async () => {
    const completion = await harness.client(key).chat.completions.create({ model: 'coze-bot', messages: [{ role: 'user', content: 'Capital of France?' }] })
    expect(lastChat().body.stream).toBe(true)
    expect(completion.choices[0]!.message.content).toBe('The capital of France is Paris.')
    expect(completion.usage).toMatchObject({ prompt_tokens: 614, completion_tokens: 19 })
    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?model_name=coze-bot&type=2&page_size=10')).body.data.items as Record<string, any>[]
    // Both answers so far billed from Coze's usage: (614 + 19) × ModelRatio 1.
    expect(rows.map((row) => [row.prompt_tokens, row.completion_tokens, row.quota])).toEqual([[614, 19, 633], [614, 19, 633]])
  })

  test('refusals at HTTP 200 reach the client as errors: a bad token is a 401, an unknown bot a 404, with Coze\'s message', async () => {
    const client = harness.client(key)
    const badToken = await client.chat.completions.create({ model: 'coze-wrong-token', messages: [{ role: 'user', content: 'hi' }] }).catch((caught) => caught)
    expect(badToken.status).toBe(401)
    expect(badToken.message).toContain('authentication is invalid')
    const badBot = await client.chat.completions.create({ model: 'coze-wrong-bot', messages: [{ role: 'user', content: 'hi' }], stream: true }).catch((caught) => caught)
    expect(badBot.status).toBe(404)
    expect(badBot.message).toContain('does not exist')
  })

  test('a chat that fails: a non-stream client gets a 502 with the reason, a stream client the in-stream error', async () => {
    const client = harness.client(key)
    const failed = await client.chat.completions.create({ model: 'coze-bot', messages: [{ role: 'user', content: 'fail please' }] }).catch((caught) => caught)
    expect(failed.status).toBe(502)
    expect(failed.message).toContain('The service encountered an unexpected error.')
    const stream = await client.chat.completions.create({ model: 'coze-bot', messages: [{ role: 'user', content: 'fail please' }], stream: true })
    const error = await (async () => { for await (const _ of stream) { /* drain */ } })().catch((caught) => caught)
    expect(String(error?.message ?? error)).toContain('The service encountered an unexpected error.')
  })
})
