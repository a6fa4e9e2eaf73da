import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import type { ApiClient } from '../testing/server.ts'
import { nestsDeeperThan } from './hostile-body.ts'

const nest = (depth: number, open = '[', close = ']', inner = '1') => open.repeat(depth) + inner + close.repeat(depth)

describe('nestsDeeperThan', () => {
  test('counts objects and arrays, not brackets inside strings or after escaped quotes', () => {
    expect(nestsDeeperThan(nest(64), 64)).toBe(false)
    expect(nestsDeeperThan(nest(65), 64)).toBe(true)
    expect(nestsDeeperThan(nest(40, '{"a":', '}'), 64)).toBe(false)
    expect(nestsDeeperThan(nest(40, '{"a":', '}'), 39)).toBe(true)
    expect(nestsDeeperThan(JSON.stringify({ text: '['.repeat(1000) }), 2)).toBe(false)
    expect(nestsDeeperThan(JSON.stringify({ text: 'a "quoted \\" [[[[ ' + '\\'.repeat(3) }), 1)).toBe(false)
    expect(nestsDeeperThan(`{"a":"\\\\",${'['.repeat(5)}`, 4)).toBe(true)
    expect(nestsDeeperThan('{"unterminated [[[', 1)).toBe(false)
  })
})

describe('hostile requests are refused in the surface shape, never a 5xx', () => {
  let harness: RelayHarness
  let key: string
  let root: ApiClient
  beforeAll(async () => {
    harness = await startRelayHarness()
    await harness.addChannel()
    key = (await harness.addToken()).key
    root = harness.root
  })
  afterAll(() => harness.dispose())

  const raw = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    fetch(harness.server.url + path, { method, headers: { 'content-type': 'application/json', ...headers }, body })

  async function expectEnvelope(response: Response, status: number) {
    const text = await response.text()
    expect([response.status, text.slice(0, 200)]).toEqual([status, expect.not.stringContaining('<')])
    const body = JSON.parse(text)
    expect(body.success).toBe(false)
    expect(typeof body.message).toBe('string')
    return body
  }

  test('deeply nested management bodies: refused before validation, with no stack trace', async () => {
    await expectEnvelope(await raw('POST', '/api/user/register', `{"username":${nest(5000)},"password":"x12345678"}`), 400)
    await expectEnvelope(await raw('POST', '/api/user/login', `{"username":${nest(9000, '{"a":', '}')},"password":"x"}`), 400)
    const token = await root.call('POST', '/api/token/', `{"name":${nest(5000)}}`)
    expect([token.status, token.body.message]).toEqual([400, 'The request body nests deeper than 64 levels'])
    const channel = await root.call('PUT', '/api/channel/', `{"id":1,"other":${nest(100000)}}`)
    expect(channel.status).toBe(400)
  })

  test('management bodies are limited to kilobytes (channels and options to megabytes)', async () => {
    const body = await expectEnvelope(await raw('POST', '/api/user/login', JSON.stringify({ username: 'x'.repeat(70_000), password: 'y' })), 413)
    expect(body.message).toContain('64 KB')
    const channel = await root.call('POST', '/api/channel/', JSON.stringify({ mode: 'single', channel: { type: 1, name: 'big', key: 'k'.repeat(200_000), base_url: harness.upstream.url, models: 'm', group: 'default' } }))
    expect(channel.body.success).toBe(true)
  })

  test('numbers and encodings that used to be 500s', async () => {
    for (const path of ['/api/token/?p=1e20', '/api/channel/?p=Infinity', '/api/log/?p=1e300', '/api/user/?p=1e20', '/api/log/self?p=-1e308', '/api/token/search?keyword=a&p=1e20']) {
      const response = await root.call('GET', path)
      expect([path, response.status, response.body.success]).toEqual([path, 200, true])
      expect(response.body.data.items).toEqual(expect.any(Array))
    }
    const badCookie = await raw('GET', '/api/user/self', undefined, { cookie: 'session=%' })
    expect((await expectEnvelope(badCookie, 401)).message).toContain('Not logged in')
    const self = await root.call('PUT', '/api/user/self', {})
    expect([self.status, self.body.success, self.body.data?.username]).toEqual([200, true, 'root'])
  })

  test('broken percent-encoding in relay paths is a 400 in the caller format', async () => {
    const models = await raw('GET', '/v1/models/%25', undefined, { authorization: `Bearer ${key}` })
    expect(models.status).toBe(400)
    expect((await models.json()).error.message).toContain('percent-encoding')
    const gemini = await raw('POST', '/v1beta/models/%E0%A4%A:generateContent', '{}', { 'x-goog-api-key': key.slice(3) })
    expect(gemini.status).toBe(400)
    expect((await gemini.json()).error.status).toBe('INVALID_ARGUMENT')
  })

  test('relay bodies nested past 128 levels are refused and nothing is billed or logged', async () => {
    const before = (await root.call('GET', '/api/log/?page_size=100')).body.data.total
    for (const [path, headers] of [['/v1/chat/completions', { authorization: `Bearer ${key}` }], ['/v1/messages', { 'x-api-key': key }], ['/v1/responses', { authorization: `Bearer ${key}` }]] as const) {
      const response = await raw('POST', path, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"x":${nest(100_000)}}`, headers)
      expect([path, response.status]).toEqual([path, 400])
      expect(JSON.stringify(await response.json())).toContain('128 levels')
    }
    // 100 levels is legal and served.
    const ok = await raw('POST', '/v1/chat/completions', `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}],"metadata_x":${nest(100)}}`, { authorization: `Bearer ${key}` })
    expect(ok.status).toBe(200)
    await harness.server.flushUsage()
    expect((await root.call('GET', '/api/log/?page_size=100')).body.data.total).toBe(before + 1)
  })
})
