import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'

const chat = (harness: RelayHarness, key: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) => fetch(`${harness.server.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, signal,
  body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], ...extra }),
})
const statusOf = async (response: Response) => { await response.arrayBuffer(); return response.status }

describe('relay rate limits on one node', () => {
  let harness: RelayHarness
  // Upstream answers report this usage, and the hook counts requests in flight.
  let usage = { prompt_tokens: 100, completion_tokens: 150, total_tokens: 250 }
  let inFlight = 0
  let peak = 0
  let holdMs = 0

  beforeAll(async () => {
    harness = await startRelayHarness({
      upstream: {
        onRequest: async (request) => {
          if (!request.path.endsWith('/chat/completions') || (request.body as { stream?: boolean }).stream === true) return undefined
          inFlight++
          peak = Math.max(peak, inFlight)
          try {
            if (holdMs) await Bun.sleep(holdMs)
          } finally { inFlight-- }
          return Response.json({ id: 'x', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }], usage })
        },
      },
    })
    await harness.addChannel({ models: 'gpt-4o-mini,claude-sonnet-4-5,gemini-2.5-flash' })
  })
  afterAll(() => harness.dispose())

  test('rpm_limit admits that many requests a minute; the rest are 429 with Retry-After in OpenAI\'s shape', async () => {
    const { key } = await harness.addToken({ rpm_limit: 5 })
    const responses = await Promise.all(Array.from({ length: 12 }, () => chat(harness, key)))
    const statuses = await Promise.all(responses.map(async (response) => ({ status: response.status, retry: response.headers.get('retry-after'), body: await response.json() })))
    expect(statuses.filter((entry) => entry.status === 200).length).toBe(5)
    const refused = statuses.filter((entry) => entry.status === 429)
    expect(refused.length).toBe(7)
    expect(Number(refused[0]!.retry)).toBeGreaterThanOrEqual(1)
    expect(Number(refused[0]!.retry)).toBeLessThanOrEqual(60)
    expect(refused[0]!.body.error).toMatchObject({ type: 'new_api_error', code: 'rate_limit_exceeded' })
    expect(refused[0]!.body.error.message).toContain('at most 5 requests per minute (rpm_limit)')
  }, 20_000)

  test('Anthropic and Gemini clients get the 429 in their own shapes', async () => {
    const { key } = await harness.addToken({ rpm_limit: 0 })
    const claude = await fetch(`${harness.server.url}/v1/messages`, {
      method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    })
    expect(claude.status).toBe(429)
    expect(claude.headers.get('retry-after')).toBe('60')
    const claudeBody = await claude.json()
    expect(claudeBody.type).toBe('error')
    expect(claudeBody.error.message).toContain('rpm_limit is 0')
    const gemini = await fetch(`${harness.server.url}/v1beta/models/gemini-2.5-flash:generateContent`, {
      method: 'POST', headers: { 'x-goog-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    })
    expect(gemini.status).toBe(429)
    expect(gemini.headers.get('retry-after')).toBe('60')
    const geminiBody = await gemini.json()
    expect(geminiBody.error.code).toBe(429)
    expect(geminiBody.error.message).toContain('rpm_limit is 0')
  }, 20_000)

  test('a limit of 0 refuses everything, reaches no upstream and reserves nothing', async () => {
    const user = await harness.root.call('POST', '/api/user/', { username: 'zero', password: 'password-123', quota: 50_000 })
    const client = await harness.server.signIn('zero', 'password-123')
    const { id, key } = await harness.addToken({ unlimited_quota: false, remain_quota: 20_000, concurrency_limit: 0 }, client)
    const before = harness.upstream.requests
    expect(await statusOf(await chat(harness, key))).toBe(429)
    expect(harness.upstream.requests).toBe(before)
    expect(harness.server.ledger.pendingForToken(id)).toBe(0)
    expect(harness.server.ledger.pendingForUser(user.body.data.id)).toBe(0)
    await harness.server.flushUsage()
    expect((await client.call('GET', `/api/token/${id}`)).body.data).toMatchObject({ remain_quota: 20_000, used_quota: 0, concurrency_limit: 0 })
    expect((await harness.root.call('GET', '/api/log/?username=zero')).body.data.total).toBe(0)
  }, 20_000)

  test('tpm_limit settles from the usage the upstream reports', async () => {
    usage = { prompt_tokens: 100, completion_tokens: 150, total_tokens: 250 }
    const { key } = await harness.addToken({ tpm_limit: 1000 })
    const statuses: number[] = []
    for (let index = 0; index < 6; index++) statuses.push(await statusOf(await chat(harness, key)))
    // 0, 250, 500, 750 tokens used before the first four: admitted; at 1000 the window is full.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429])
    const refused = await chat(harness, key)
    expect((await refused.json()).error.message).toContain('at most 1000 tokens per minute (tpm_limit)')
  }, 20_000)

  test('concurrency_limit is never exceeded, and every slot comes back', async () => {
    holdMs = 150
    peak = 0
    const { key } = await harness.addToken({ concurrency_limit: 3 })
    const first = await Promise.all(Array.from({ length: 16 }, () => chat(harness, key).then(statusOf)))
    expect(peak).toBeLessThanOrEqual(3)
    expect(first.filter((status) => status === 200).length).toBe(3)
    expect(first.filter((status) => status === 429).length).toBe(13)
    // Slots were released: three more run at once.
    peak = 0
    const second = await Promise.all(Array.from({ length: 3 }, () => chat(harness, key).then(statusOf)))
    expect(second).toEqual([200, 200, 200])
    expect(peak).toBe(3)
    holdMs = 0
  }, 20_000)

  test('a stream the client aborts gives its slot back', async () => {
    harness.upstream.setOptions({ chunkCount: 50, chunkIntervalMs: 40 })
    const { key } = await harness.addToken({ concurrency_limit: 2 })
    const controllers = [new AbortController(), new AbortController()]
    const streams = await Promise.all(controllers.map((controller) => chat(harness, key, { stream: true }, controller.signal)))
    expect(streams.map((response) => response.status)).toEqual([200, 200])
    expect(await statusOf(await chat(harness, key, { stream: true }))).toBe(429)
    for (const [index, controller] of controllers.entries()) {
      await streams[index]!.body!.getReader().read()
      controller.abort()
    }
    let status = 0
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      await Bun.sleep(20)
      status = await statusOf(await chat(harness, key))
    }
    expect(status).toBe(200)
    harness.upstream.setOptions({ chunkCount: 8, chunkIntervalMs: 0 })
  }, 20_000)

  test('user limits and GroupRateLimits apply per user; the user\'s own limit wins over its group\'s', async () => {
    await harness.setOption('GroupRateLimits', { default: { rpm_limit: 2 } })
    try {
      await harness.root.call('POST', '/api/user/', { username: 'grouped', password: 'password-123', quota: 1_000_000 })
      const grouped = await harness.server.signIn('grouped', 'password-123')
      const { key } = await harness.addToken({}, grouped)
      const statuses = await Promise.all(Array.from({ length: 4 }, () => chat(harness, key).then(statusOf)))
      expect(statuses.filter((status) => status === 200).length).toBe(2)
      const refused = await chat(harness, key)
      expect((await refused.json()).error.message).toContain('user (its group "default")')

      const own = await harness.root.call('POST', '/api/user/', { username: 'own-limit', password: 'password-123', quota: 1_000_000, rpm_limit: 3 })
      expect(own.body.data.rpm_limit).toBe(3)
      const owner = await harness.server.signIn('own-limit', 'password-123')
      const second = await harness.addToken({}, owner)
      const ownStatuses = await Promise.all(Array.from({ length: 5 }, () => chat(harness, second.key).then(statusOf)))
      expect(ownStatuses.filter((status) => status === 200).length).toBe(3)
    } finally {
      await harness.setOption('GroupRateLimits', '{}')
    }
  }, 20_000)

  test('new-api\'s ModelRequestRateLimit* options: successful requests per user, with new-api\'s message', async () => {
    await harness.setOption('ModelRequestRateLimitSuccessCount', '2')
    await harness.setOption('ModelRequestRateLimitDurationMinutes', '1')
    await harness.setOption('ModelRequestRateLimitEnabled', 'true')
    try {
      await harness.root.call('POST', '/api/user/', { username: 'model-limited', password: 'password-123', quota: 1_000_000 })
      const client = await harness.server.signIn('model-limited', 'password-123')
      const { key } = await harness.addToken({}, client)
      expect(await statusOf(await chat(harness, key))).toBe(200)
      expect(await statusOf(await chat(harness, key))).toBe(200)
      const refused = await chat(harness, key)
      expect(refused.status).toBe(429)
      expect((await refused.json()).error).toMatchObject({ message: '您已达到请求数限制：1分钟内最多请求2次', type: 'new_api_error' })
    } finally {
      await harness.setOption('ModelRequestRateLimitEnabled', 'false')
    }
  }, 20_000)

  test('malformed limits are refused when saved, naming the field, and change nothing', async () => {
    const { id } = await harness.addToken({ rpm_limit: 10 })
    for (const value of [-1, 1.5, 'many', 3_000_000_000]) {
      const answer = await harness.root.call('PUT', '/api/token/', { id, rpm_limit: value, name: 'changed' })
      expect(answer.body.success).toBe(false)
      expect(answer.body.message).toContain('rpm_limit')
    }
    expect((await harness.root.call('GET', `/api/token/${id}`)).body.data).toMatchObject({ rpm_limit: 10, name: 'test' })
    // null clears a limit.
    expect((await harness.root.call('PUT', '/api/token/', { id, rpm_limit: null })).body.data.rpm_limit).toBeNull()

    const users = await harness.root.call('POST', '/api/user/', { username: 'bad-limit', password: 'password-123', tpm_limit: -5 })
    expect(users.body).toMatchObject({ success: false })
    expect(users.body.message).toContain('tpm_limit')
    const group = await harness.root.call('PUT', '/api/option/', { key: 'GroupRateLimits', value: '{"vip":{"rpm_limit":-1}}' })
    expect(group.body.success).toBe(false)
    expect(group.body.message).toContain('group "vip": rpm_limit')
    const unknown = await harness.root.call('PUT', '/api/option/', { key: 'GroupRateLimits', value: '{"vip":{"rpm":5}}' })
    expect(unknown.body.message).toContain('unknown field "rpm"')
    const pair = await harness.root.call('PUT', '/api/option/', { key: 'ModelRequestRateLimitGroup', value: '{"vip":[5,0]}' })
    expect(pair.body.message).toContain('group "vip"')
  }, 20_000)
})
