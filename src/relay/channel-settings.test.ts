import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

/**
 * Per-channel request settings through the relay: param_override operations and header variables reach the upstream,
 * `block` moves to the next channel, the channel's system prompt is added in the format the request is sent in.
 */
let harness: RelayHarness
let key: string
const seen: { key: string; body: Record<string, unknown>; headers: Record<string, string> }[] = []

beforeAll(async () => {
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.setOption('RetryTimes', 1)
  await harness.setOption('ModelRatio', { 'override-model': 1, 'guarded-model': 1, 'prompted-model': 1, 'raw-model': 1 })
  harness.upstream.setOptions({ onRequest: (request) => { seen.push({ key: request.headers.authorization!.replace('Bearer ', ''), body: request.body as Record<string, unknown>, headers: request.headers }); return undefined } })
})
afterAll(() => harness.dispose())

const chat = (model: string, extra: Record<string, unknown> = {}) => harness.client(key).chat.completions.create({ model, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], ...extra })

test('operations edit the body the upstream receives; {model} fills a header', async () => {
  await harness.addChannel({
    name: 'edits', key: 'key-edits', models: 'override-model', model_mapping: '{"override-model":"gpt-4o-mini"}',
    header_override: '{"x-upstream-model": "{model}"}',
    param_override: JSON.stringify({ operations: [
      { path: 'messages.0.content', mode: 'prepend', value: 'Company policy. ' },
      { path: 'max_tokens', mode: 'set', value: 64, keep_origin: true },
      { path: 'temperature', mode: 'delete', conditions: [{ path: 'temperature', mode: 'gt', value: 1 }] },
    ] }),
  })
  seen.length = 0
  await chat('override-model', { temperature: 1.5 })
  expect(seen[0]!.body).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'system', content: 'Company policy. Be brief.' }, { role: 'user', content: 'hi' }] })
  expect(seen[0]!.body.temperature).toBeUndefined()
  expect(seen[0]!.headers['x-upstream-model']).toBe('gpt-4o-mini')
  seen.length = 0
  await chat('override-model', { temperature: 0.5, max_tokens: 10 })
  expect(seen[0]!.body).toMatchObject({ temperature: 0.5, max_tokens: 10 })
})

test('a channel whose conditions block the request hands it to the next channel', async () => {
  await harness.addChannel({ name: 'guarded', key: 'key-guarded', models: 'guarded-model', priority: 10, param_override: JSON.stringify({ operations: [{ mode: 'block', conditions: [{ path: 'messages.-1.content', mode: 'contains', value: 'secret' }] }] }) })
  await harness.addChannel({ name: 'open', key: 'key-open', models: 'guarded-model', priority: 0 })
  seen.length = 0
  await harness.client(key).chat.completions.create({ model: 'guarded-model', messages: [{ role: 'user', content: 'the secret plan' }] })
  expect(seen.map((request) => request.key)).toEqual(['key-open'])
  seen.length = 0
  await harness.client(key).chat.completions.create({ model: 'guarded-model', messages: [{ role: 'user', content: 'hello' }] })
  expect(seen.map((request) => request.key)).toEqual(['key-guarded'])
})

test('an override document that does not compile is refused when saved, naming the field', async () => {
  const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'bad', key: 'k', base_url: harness.upstream.url, models: 'x', param_override: '{"operations":[{"path":"a","mode":"replace"}]}' } })
  expect(refused.status).toBe(400)
  expect(refused.body.message).toContain('param_override.operations[0].mode must be one of')
})

test('the channel system prompt is added when the request has none, and put in front of its own with override', async () => {
  const id = await harness.addChannel({ name: 'prompted', key: 'key-prompted', models: 'prompted-model', setting: JSON.stringify({ system_prompt: 'Answer in French.' }) })
  seen.length = 0
  await harness.client(key).chat.completions.create({ model: 'prompted-model', messages: [{ role: 'user', content: 'hi' }] })
  expect(seen[0]!.body.messages).toEqual([{ role: 'system', content: 'Answer in French.' }, { role: 'user', content: 'hi' }])
  seen.length = 0
  await chat('prompted-model')
  expect((seen[0]!.body.messages as { content: string }[])[0]!.content).toBe('Be brief.')
  await harness.root.call('PUT', '/api/channel/', { id, setting: JSON.stringify({ system_prompt: 'Answer in French.', system_prompt_override: true }) })
  seen.length = 0
  await chat('prompted-model')
  expect((seen[0]!.body.messages as { content: string }[])[0]!.content).toBe('Answer in French.\n\nBe brief.')
  // A Claude client reaching this OpenAI channel goes through the canonical shape: the prompt is there too.
  seen.length = 0
  const claude = await fetch(`${harness.server.url}/v1/messages`, {
    method: 'POST', headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'prompted-model', max_tokens: 32, system: 'Mine.', messages: [{ role: 'user', content: 'hi' }] }),
  })
  expect(claude.status).toBe(200)
  expect((seen[0]!.body.messages as { role: string; content: string }[])[0]).toEqual({ role: 'system', content: 'Answer in French.\n\nMine.' })
  const refused = await harness.root.call('PUT', '/api/channel/', { id, setting: '{"system_prompt": 5}' })
  expect(refused.body.message).toContain('setting.system_prompt must be text')
})

test('pass_through_body_enabled sends the client\'s body as it came: no mapping, overrides or system prompt', async () => {
  await harness.addChannel({
    name: 'raw', key: 'key-raw', models: 'raw-model', model_mapping: '{"raw-model":"gpt-4o-mini"}', param_override: '{"temperature": 0}',
    setting: JSON.stringify({ pass_through_body_enabled: true, system_prompt: 'ignored' }),
  })
  seen.length = 0
  const sent = { model: 'raw-model', messages: [{ role: 'user', content: 'hi' }], top_p: 0.5 }
  const response = await fetch(`${harness.server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(sent) })
  expect(response.status).toBe(200)
  expect(seen[0]!.body).toEqual(sent)
  const refused = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'bad', key: 'k', base_url: harness.upstream.url, models: 'x', setting: '{"pass_through_body_enabled": "yes"}' } })
  expect(refused.body.message).toContain('setting.pass_through_body_enabled must be true or false')
})
