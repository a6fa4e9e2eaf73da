import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { until } from '../../testing/mock-task-upstreams.ts'
import { mockPng, startMockMidjourney, type MockTaskUpstream } from '../../testing/mock-task-upstreams.ts'

/**
 * Midjourney-Proxy end to end: a real gateway (SQLite), a mock proxy on a real port that moves its tasks on its own
 * clock, the poller polling it; billing checked against the books.
 */
let harness: RelayHarness
let proxy: MockTaskUpstream
let key: string
let tokenId: number
const QUOTA = 1_000_000

async function mj(path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(harness.server.url + path, {
    method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  let parsed: any = text
  try { parsed = JSON.parse(text) } catch { /* kept as text */ }
  return { status: response.status, body: parsed, headers: response.headers }
}

const finished = (task: any) => task.status === 'SUCCESS' || task.status === 'FAILURE'
const tokenRow = async () => (await harness.server.store.tokens.get(tokenId, 1))!

beforeAll(async () => {
  proxy = await startMockMidjourney({ keys: ['mj-key-a', 'mj-key-b'], stepMs: 60 })
  harness = await startRelayHarness({ env: { TASK_POLL_INTERVAL_MS: '50' } })
  const models = 'mj_imagine,mj_upscale,mj_variation,mj_reroll,mj_describe,mj_blend,mj_modal'
  await harness.addChannel({ type: 2, name: 'proxy-a', key: 'mj-key-a', base_url: proxy.url, models })
  await harness.addChannel({ type: 5, name: 'proxy-b', key: 'mj-key-b', base_url: proxy.url, models })
  const token = await harness.addToken({ unlimited_quota: false, remain_quota: QUOTA })
  key = token.key
  tokenId = token.id
  await harness.setOption('ServerAddress', 'https://gateway.example')
})

afterAll(async () => {
  await harness?.dispose()
  await proxy?.stop()
})

describe('Midjourney-Proxy relay', () => {
  test('a token at its rpm_limit is refused with 429, Retry-After, in the proxy\'s shape, before anything is reserved or sent', async () => {
    const limited = await harness.addToken({ unlimited_quota: false, remain_quota: QUOTA, rpm_limit: 0 })
    const sent = proxy.requests.length
    const response = await fetch(`${harness.server.url}/mj/submit/imagine`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${limited.key}` }, body: JSON.stringify({ prompt: 'a fox' }),
    })
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('60')
    expect(await response.json()).toMatchObject({ type: 'upstream_error', description: 'This token may send no requests (rpm_limit is 0)' })
    expect(proxy.requests.length).toBe(sent)
    expect(harness.server.ledger.pendingForToken(limited.id)).toBe(0)
  })

  test('a submit without its required field is a 400 in the proxy\'s shape and reserves nothing', async () => {
    const before = await tokenRow()
    for (const [path, body, description] of [
      ['/mj/submit/imagine', {}, 'prompt_is_required'],
      ['/mj/submit/describe', {}, 'base64_is_required'],
      ['/mj/submit/change', { action: 'UPSCALE', index: 1 }, 'task_id_is_required'],
      ['/mj/submit/action', { taskId: 'x' }, 'custom_id_is_required'],
    ] as const) {
      const answer = await mj(path, body)
      expect(answer.status).toBe(400)
      expect(answer.body).toEqual({ description, type: 'upstream_error', code: 4 })
    }
    await harness.server.flushUsage()
    expect((await tokenRow()).remainQuota).toBe(before.remainQuota)
    expect(proxy.requests.filter((request) => request.path.startsWith('/mj/submit'))).toHaveLength(0)
  })

  test('imagine → polled to SUCCESS → image proxied → upscale on the producing channel; billed per call', async () => {
    const submitted = await mj('/mj-fast/mj/submit/imagine', { prompt: 'a red fox --fast', notifyHook: 'http://client.example/hook' })
    expect(submitted.status).toBe(200)
    expect(submitted.body.code).toBe(1)
    const id: string = submitted.body.result
    const sent = proxy.requests.find((request) => request.path === '/mj/submit/imagine')!
    // The mode prefix is dropped; the client's hook is stripped (MjNotifyEnabled off), the gateway's own is set.
    expect(sent.body.notifyHook).toStartWith('https://gateway.example/mj/notify/')
    expect(sent.body.prompt).toBe('a red fox --fast')

    const seen = new Set<string>()
    const done = await until(async () => {
      const task = (await mj(`/mj/task/${id}/fetch`)).body
      seen.add(task.status)
      return task
    }, finished)
    expect(done.status).toBe('SUCCESS')
    expect(done.progress).toBe('100%')
    expect(done.imageUrl).toBe(`https://gateway.example/mj/image/${id}`)
    expect(done.buttons[0].customId).toStartWith('MJ::JOB::upsample::1::')
    expect(done.submitTime).toBeGreaterThan(0)

    const image = await fetch(`${harness.server.url}/mj/image/${id}`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/png')
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(mockPng)

    const listed = await mj('/mj/task/list-by-condition', { ids: [id, 'unknown-id'] })
    expect(listed.body.map((task: any) => task.id)).toEqual([id])

    const producer = sent.key
    const upscale = await mj('/mj/submit/action', { taskId: id, customId: done.buttons[0].customId })
    expect(upscale.body.code).toBe(1)
    const follow = proxy.requests.filter((request) => request.path === '/mj/submit/action')
    expect(follow.at(-1)!.key).toBe(producer)
    const simple = await mj('/mj/submit/simple-change', { content: `${id} V2` })
    expect(simple.body.code).toBe(1)
    expect(proxy.requests.filter((request) => request.path === '/mj/submit/simple-change').at(-1)!.key).toBe(producer)

    await harness.server.flushUsage()
    const logs = await harness.root.call('GET', '/api/log/?p=1&page_size=50&type=2')
    const models = logs.body.data.items.map((row: any) => row.model_name).sort()
    expect(models).toEqual(['mj_imagine', 'mj_upscale', 'mj_variation'])
    const imagine = logs.body.data.items.find((row: any) => row.model_name === 'mj_imagine')
    expect(imagine.quota).toBe(50_000) // 0.1 USD × 500 000
    expect(imagine.content).toContain(`ID ${id}`)
  })

  test('the key may come as mj-api-secret, as Midjourney clients send it', async () => {
    const answer = await fetch(`${harness.server.url}/mj/submit/imagine`, { method: 'POST', headers: { 'content-type': 'application/json', 'mj-api-secret': key }, body: JSON.stringify({ prompt: 'by secret' }) })
    expect(((await answer.json()) as any).code).toBe(1)
    const refused = await fetch(`${harness.server.url}/mj/submit/imagine`, { method: 'POST', headers: { 'content-type': 'application/json', 'mj-api-secret': 'sk-wrong' }, body: JSON.stringify({ prompt: 'by secret' }) })
    expect(refused.status).toBe(401)
    expect(((await refused.json()) as any).type).toBe('upstream_error')
  })

  test('an action on a task that has not succeeded, or on someone else\'s, is refused', async () => {
    const submitted = await mj('/mj/submit/imagine', { prompt: 'slow one' })
    const refused = await mj('/mj/submit/change', { taskId: submitted.body.result, action: 'UPSCALE', index: 1 })
    expect(refused.status).toBe(400)
    expect(refused.body.description).toBe('task_status_not_success')
    const unknown = await mj('/mj/submit/change', { taskId: 'not-mine', action: 'UPSCALE', index: 1 })
    expect(unknown.body.description).toBe('task_not_found')
  })

  test('a task that ends in FAILURE is refunded with a type-6 row; the books balance', async () => {
    const submitted = await mj('/mj/submit/imagine', { prompt: 'please fail' })
    const id = submitted.body.result
    const done = await until(async () => (await mj(`/mj/task/${id}/fetch`)).body, finished)
    expect(done.status).toBe('FAILURE')
    expect(done.failReason).toBe('banned prompt')
    // Every other task finishes too, so the books are still.
    await until(async () => harness.server.store.tasks.listUnfinished({ platform: 'mj' }), (rows) => rows.length === 0)
    await harness.server.flushUsage()
    const refunds = await harness.root.call('GET', '/api/log/?p=1&page_size=50&type=6')
    expect(refunds.body.data.items).toHaveLength(1)
    expect(refunds.body.data.items[0].quota).toBe(50_000)
    expect(refunds.body.data.items[0].content).toContain(id)
    const consumed = (await harness.root.call('GET', '/api/log/?p=1&page_size=100&type=2')).body.data.items.reduce((sum: number, row: any) => sum + row.quota, 0)
    const token = await tokenRow()
    expect(token.usedQuota).toBe(consumed - 50_000)
    expect(token.remainQuota).toBe(QUOTA - token.usedQuota)
  })

  test('a proxy without accounts (code 3) is refused and costs nothing', async () => {
    const before = await tokenRow()
    const answer = await mj('/mj/submit/imagine', { prompt: 'noaccount' })
    expect(answer.status).toBe(400)
    expect(answer.body.code).toBe(3)
    await harness.server.flushUsage()
    expect((await tokenRow()).remainQuota).toBe(before.remainQuota)
  })

  test('the image proxy never reaches an internal address', async () => {
    const submitted = await mj('/mj/submit/imagine', { prompt: 'metadata' })
    await until(async () => (await mj(`/mj/task/${submitted.body.result}/fetch`)).body, finished)
    const image = await fetch(`${harness.server.url}/mj/image/${submitted.body.result}`)
    expect(image.status).toBe(403)
    expect((await image.json()).type).toBe('upstream_error')
  })

  test('unknown ids and routes under /mj answer 404 in the proxy\'s shape, never the console', async () => {
    for (const path of ['/mj/task/nope/fetch', '/mj/image/nope', '/mj/nothing-here', '/mj-relax/mj/whatever', '/mj']) {
      const answer = await mj(path)
      expect(answer.status).toBe(404)
      expect(answer.headers.get('content-type')).toContain('application/json')
      expect(answer.body.type).toBe('upstream_error')
    }
  })

  test('the notify hook is verified: a wrong signature or another channel\'s task is refused', async () => {
    const submitted = await mj('/mj/submit/imagine', { prompt: 'hooked' })
    const hook: string = proxy.requests.filter((request) => request.path === '/mj/submit/imagine').at(-1)!.body.notifyHook
    const path = new URL(hook).pathname
    const forged = await fetch(harness.server.url + path.replace(/[^/]+$/, 'forged'), { method: 'POST', body: JSON.stringify({ id: submitted.body.result, status: 'SUCCESS' }) })
    expect(forged.status).toBe(403)
    const wrongChannel = await fetch(harness.server.url + path, { method: 'POST', body: JSON.stringify({ id: 'not-this-channels-task', status: 'SUCCESS' }) })
    expect(wrongChannel.status).toBe(404)
    const accepted = await fetch(harness.server.url + path, { method: 'POST', body: JSON.stringify({ id: submitted.body.result, status: 'IN_PROGRESS', progress: '42%' }) })
    expect(accepted.status).toBe(200)
  })
})

describe('task lists', () => {
  test('/api/mj/self lists the user\'s own tasks; /api/mj/ is for administrators with channels', async () => {
    const own = await harness.root.call('GET', '/api/mj/self?p=1&page_size=5')
    expect(own.body.success).toBe(true)
    expect(own.body.data.items.length).toBe(5)
    expect(own.body.data.total).toBeGreaterThan(5)
    expect(own.body.data.items[0]).toMatchObject({ channel_id: 0 })
    expect(typeof own.body.data.items[0].mj_id).toBe('string')
    const all = await harness.root.call('GET', '/api/mj/?p=1&page_size=100&mj_id=' + own.body.data.items[0].mj_id)
    expect(all.body.data.items).toHaveLength(1)
    expect(all.body.data.items[0].channel_id).toBeGreaterThan(0)
    await harness.root.call('POST', '/api/user/', { username: 'plain-lister', password: 'password-123' })
    const plain = await harness.server.signIn('plain-lister', 'password-123')
    expect((await plain.call('GET', '/api/mj/')).status).toBe(403)
    expect((await plain.call('GET', '/api/mj/self')).body.data.total).toBe(0)
  })
})
