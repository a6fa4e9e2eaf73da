import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { scrubSecrets } from './scrub-secrets.ts'

// OpenAI echoes the key it was given; the gateway must not hand the channel's key to its users.
const KEYS = ['sk-proj-FirstChannelKey0123456789abcdef', 'sk-proj-SecondChannelKey0123456789abcdef', 'AKIDEXAMPLE1234|wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY|us-east-1']
let harness: RelayHarness
let key: string
let channelId: number

function echoKey(request: { headers: Record<string, string> }) {
  const given = (request.headers.authorization ?? '').replace(/^Bearer /, '')
  const message = `Incorrect API key provided: ${given}. You can find your API key at https://platform.openai.com/account/api-keys. Also tried sk-otherLeakedKey12345678.`
  return new Response(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: 'invalid_api_key' } }), { status: 401, headers: { 'content-type': 'application/json' } })
}

beforeAll(async () => {
  harness = await startRelayHarness()
  harness.upstream.setOptions({ onRequest: echoKey })
  channelId = await harness.addChannel({ key: KEYS.join('\n'), models: 'gpt-4o-mini', auto_ban: 0 }, 'multi_to_single')
  key = (await harness.addToken()).key
})
afterAll(() => harness.dispose())

const leaks = (text: string) => KEYS.some((channelKey) => channelKey.split('|').some((part) => part.length >= 12 && text.includes(part))) || text.includes('sk-otherLeakedKey')

test('an upstream error echoing the channel key reaches neither the client nor the log row', async () => {
  for (const [path, body, headers] of [
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${key}` }],
    ['/v1/messages', { model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': key }],
  ] as const) {
    for (let round = 0; round < 4; round++) {
      const response = await fetch(harness.server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
      const text = await response.text()
      expect(response.status).toBe(401)
      expect(text).toContain('Incorrect API key provided')
      expect(leaks(text)).toBe(false)
    }
  }
  await harness.server.flushUsage()
  const rows = (await harness.root.call('GET', '/api/log/?type=5&page_size=100')).body.data.items as { content: string }[]
  expect(rows.length).toBeGreaterThanOrEqual(8)
  for (const row of rows) expect(leaks(row.content)).toBe(false)
})

test('the channel test reports the upstream error without the key', async () => {
  const result = await harness.root.call('GET', `/api/channel/test/${channelId}`)
  expect(result.body.success).toBe(false)
  expect(result.body.message).toContain('Incorrect API key provided')
  expect(leaks(result.body.message)).toBe(false)
})

test('scrubSecrets removes every part of a composite key and key-shaped strings', () => {
  const text = 'bad us-east-1 AKIDEXAMPLE1234 / wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY; url https://x/v1beta/models/m?key=AIzaSyA-1234567890abcdefghij&alt=sse sk-ant-api03-abcdefgh'
  const scrubbed = scrubSecrets(text, [KEYS[2]!])
  expect(scrubbed).not.toContain('AKIDEXAMPLE1234')
  expect(scrubbed).not.toContain('wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY')
  expect(scrubbed).not.toContain('AIzaSy')
  expect(scrubbed).not.toContain('sk-ant-api03')
  expect(scrubbed).toContain('us-east-1')
  expect(scrubbed).toContain('alt=sse')
})
