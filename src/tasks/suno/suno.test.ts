import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { until } from '../../testing/mock-task-upstreams.ts'
import { startMockSuno, type MockTaskUpstream } from '../../testing/mock-task-upstreams.ts'

/** Suno end to end: pre-consumed at submit, public task ids, polled to the end, a failure refunded, garbage failed. */
let harness: RelayHarness
let upstream: MockTaskUpstream
let key: string
let tokenId: number

async function suno(path: string, body?: unknown) {
  const response = await fetch(harness.server.url + path, {
    method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, body: await response.json() as any }
}

const settled = (task: any) => task.status === 'SUCCESS' || task.status === 'FAILURE'

beforeAll(async () => {
  upstream = await startMockSuno({ key: 'suno-key', stepMs: 60 })
  harness = await startRelayHarness({ env: { TASK_POLL_INTERVAL_MS: '50' } })
  await harness.addChannel({ type: 36, name: 'suno', key: 'suno-key', base_url: upstream.url, models: 'suno_music,suno_lyrics' })
  const token = await harness.addToken({ unlimited_quota: false, remain_quota: 1_000_000 })
  key = token.key
  tokenId = token.id
})

afterAll(async () => {
  await harness?.dispose()
  await upstream?.stop()
})

describe('Suno relay', () => {
  test('lyrics without a prompt is a 400 in Suno\'s shape', async () => {
    const answer = await suno('/suno/submit/lyrics', {})
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({ code: 'invalid_request', message: 'prompt is required for lyrics', data: null })
    expect(upstream.requests).toHaveLength(0)
  })

  test('music: a public task id, polled to SUCCESS with its clips; billed 0.1 USD', async () => {
    const submitted = await suno('/suno/submit/MUSIC', { gpt_description_prompt: 'a song about foxes' })
    expect(submitted.status).toBe(200)
    expect(submitted.body.code).toBe('success')
    expect(submitted.body.data).toMatch(/^task_[A-Za-z0-9]{32}$/)
    expect(upstream.requests[0]!.body.mv).toBe('chirp-v3-0')
    const id = submitted.body.data
    const done = await until(async () => (await suno(`/suno/fetch/${id}`)).body.data, settled)
    expect(done).toMatchObject({ task_id: id, platform: 'suno', action: 'MUSIC', status: 'SUCCESS', progress: '100%', quota: 50_000 })
    expect(done.data[0].audio_url).toContain('.mp3')
    expect(done.properties.billing).toBeUndefined()
    const many = await suno('/suno/fetch', { ids: [id, 'task_unknown'] })
    expect(many.body.data.map((task: any) => task.task_id)).toEqual([id])
    const listed = await harness.root.call('GET', `/api/task/self?task_id=${id}`)
    expect(listed.body.data.items.map((task: any) => [task.task_id, task.status, task.channel_id])).toEqual([[id, 'SUCCESS', 0]])
    const admin = await harness.root.call('GET', '/api/task/?platform=suno&status=SUCCESS')
    expect(admin.body.data.items[0].channel_id).toBeGreaterThan(0)
  })

  test('a failed song is refunded; an unknown id is a 404 in Suno\'s shape', async () => {
    const submitted = await suno('/suno/submit/music', { prompt: 'this will fail', tags: 'pop' })
    const done = await until(async () => (await suno(`/suno/fetch/${submitted.body.data}`)).body.data, settled)
    expect(done.status).toBe('FAILURE')
    expect(done.fail_reason).toBe('generation failed')
    await harness.server.flushUsage()
    const refunds = (await harness.root.call('GET', '/api/log/?p=1&page_size=20&type=6')).body.data.items
    expect(refunds.map((row: any) => [row.model_name, row.quota])).toEqual([['suno_music', 50_000]])
    const missing = await suno('/suno/fetch/task_nope')
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ code: 'task_not_exist', message: 'task_not_exist', data: null })
    const unknownRoute = await fetch(`${harness.server.url}/suno/nothing`)
    expect(unknownRoute.status).toBe(404)
    expect((await unknownRoute.json()).code).toBe('not_found')
  })

  test('an upstream that keeps answering garbage has its tasks failed and refunded; the books balance', async () => {
    const before = (await harness.server.store.tokens.get(tokenId, 1))!
    upstream.garbage = true
    const submitted = await suno('/suno/submit/lyrics', { prompt: 'words' })
    const done = await until(async () => (await suno(`/suno/fetch/${submitted.body.data}`)).body.data, settled)
    upstream.garbage = false
    expect(done.status).toBe('FAILURE')
    expect(done.fail_reason).toContain('garbage')
    await harness.server.flushUsage()
    const token = (await harness.server.store.tokens.get(tokenId, 1))!
    expect(token.remainQuota).toBe(before.remainQuota) // 5 000 charged, 5 000 refunded
    const logs = (await harness.root.call('GET', '/api/log/?p=1&page_size=100')).body.data.items as any[]
    const consumed = logs.filter((row) => row.type === 2).reduce((sum, row) => sum + row.quota, 0)
    const refunded = logs.filter((row) => row.type === 6).reduce((sum, row) => sum + row.quota, 0)
    expect(token.usedQuota).toBe(consumed - refunded)
  })
})
