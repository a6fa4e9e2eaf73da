import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import OpenAI, { toFile } from 'openai'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { until } from '../../testing/mock-task-upstreams.ts'
import { mockVideo, startMockSora } from '../../testing/mock-task-upstreams.ts'

/** Video generation end to end with the official openai client: create, poll, download; billed per second. */
let harness: RelayHarness
let sora: Awaited<ReturnType<typeof startMockSora>>
let client: OpenAI
let key: string
let tokenId: number

beforeAll(async () => {
  sora = await startMockSora({ key: 'sk-openai', stepMs: 60 })
  harness = await startRelayHarness({ env: { TASK_POLL_INTERVAL_MS: '50' } })
  await harness.addChannel({ type: 1, name: 'sora', key: 'sk-openai', base_url: sora.url, models: 'sora-2,sora-2-cheap', model_mapping: '{"sora-2-cheap":"sora-2"}' })
  const token = await harness.addToken({ unlimited_quota: false, remain_quota: 5_000_000 })
  key = token.key
  tokenId = token.id
  client = harness.client(key)
  await harness.setOption('ServerAddress', 'https://gateway.example')
  await harness.setOption('ModelPrice', { 'sora-2': 0.1, 'sora-2-cheap': 0.05 })
})

afterAll(async () => {
  await harness?.dispose()
  await sora?.stop()
})

const tokenRow = async () => (await harness.server.store.tokens.get(tokenId, 1))!

describe('video generation', () => {
  test('openai SDK: videos.create (multipart) → retrieve until completed → downloadContent; 8 s billed at 0.1 USD a second', async () => {
    const created = await client.videos.create({ model: 'sora-2', prompt: 'a fox in the snow', seconds: '8', size: '1280x720' })
    expect(created.id).toMatch(/^video_[A-Za-z0-9]{32}$/)
    expect(created.status).toBe('queued')
    expect(sora.uploads.at(-1)!.contentType).toStartWith('multipart/form-data')
    expect(sora.uploads.at(-1)!.fields).toMatchObject({ model: 'sora-2', prompt: 'a fox in the snow', seconds: '8' })
    const done = await until(() => client.videos.retrieve(created.id), (video) => video.status === 'completed' || video.status === 'failed')
    expect(done).toMatchObject({ id: created.id, status: 'completed', progress: 100, seconds: '8', size: '1280x720', model: 'sora-2' })
    const content = await client.videos.downloadContent(created.id)
    expect(content.headers.get('content-type')).toBe('video/mp4')
    expect(new Uint8Array(await content.arrayBuffer())).toEqual(mockVideo)

    await harness.server.flushUsage()
    const rows = (await harness.root.call('GET', '/api/log/?type=2&model_name=sora-2')).body.data.items
    expect(rows[0].quota).toBe(400_000) // 0.1 USD × 8 s × 500 000
    expect(JSON.parse(rows[0].other).billed_for).toEqual({ seconds: 8 })
  })

  test('a mapped model is renamed in the rebuilt form; an input reference file passes upstream', async () => {
    await client.videos.create({ model: 'sora-2-cheap' as never, prompt: 'mapped', input_reference: await toFile(new Uint8Array([1, 2, 3]), 'frame.png', { type: 'image/png' }) })
    expect(sora.uploads.at(-1)!.fields).toMatchObject({ model: 'sora-2', prompt: 'mapped', input_reference: 'file:3' })
  })

  test('the unified route: POST /v1/video/generations then GET until succeeded, with the content URL', async () => {
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
    const submitted = await (await fetch(`${harness.server.url}/v1/video/generations`, { method: 'POST', headers, body: JSON.stringify({ model: 'sora-2', prompt: 'waves', duration: 4, width: 720, height: 1280 }) })).json() as any
    expect(submitted.status).toBe('queued')
    expect(sora.uploads.at(-1)!.fields).toMatchObject({ seconds: '4', size: '720x1280' })
    const done = await until(async () => (await (await fetch(`${harness.server.url}/v1/video/generations/${submitted.task_id}`, { headers })).json()) as any, (task) => task.status === 'succeeded' || task.status === 'failed')
    expect(done).toEqual({ task_id: submitted.task_id, status: 'succeeded', format: 'mp4', url: `https://gateway.example/v1/videos/${submitted.task_id}/content`, metadata: { duration: 4, width: 720, height: 1280 }, error: null })
  })

  test('a video that comes out longer than charged is settled at SUCCESS: the difference is charged once', async () => {
    const before = await tokenRow()
    const created = await client.videos.create({ model: 'sora-2', prompt: 'make it longer', seconds: '4' })
    const done = await until(() => client.videos.retrieve(created.id), (video) => video.status === 'completed')
    expect(done.seconds).toBe('8') // what was delivered, and billed
    await harness.server.flushUsage()
    const task = (await harness.server.store.tasks.getByTaskId(created.id, { platform: 'video' }))!
    expect(task.quota).toBe(400_000) // 8 s delivered × 0.1 USD
    const rows = (await harness.root.call('GET', '/api/log/?type=2&model_name=sora-2&page_size=100')).body.data.items as any[]
    const adjustment = rows.filter((row) => row.content.includes(created.id) && JSON.parse(row.other).adjustment)
    expect(adjustment.map((row) => row.quota)).toEqual([200_000])
    expect(before.remainQuota - (await tokenRow()).remainQuota).toBe(400_000)
  })

  test('a failed video is refunded; bad input is a 400 in OpenAI\'s shape that reserves nothing; unknown ids are 404', async () => {
    const before = await tokenRow()
    const refused = await fetch(`${harness.server.url}/v1/videos`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sora-2', prompt: 'x', seconds: '9000' }) })
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as any).error.message).toContain('seconds')
    // The SDK's promises are lazy thenables: await them, then look at what they threw.
    expect(await client.videos.create({ model: 'sora-2', prompt: '' }).then(() => null, (error) => error)).toMatchObject({ status: 400, code: 'missing_required_parameter' })
    expect(await client.videos.retrieve('video_nope').then(() => null, (error) => error)).toMatchObject({ status: 404 })

    const failing = await client.videos.create({ model: 'sora-2', prompt: 'this should fail' })
    const done = await until(() => client.videos.retrieve(failing.id), (video) => video.status === 'completed' || video.status === 'failed')
    expect(done.status).toBe('failed')
    expect(done.error?.message).toContain('moderation')
    expect(await client.videos.downloadContent(failing.id).then(() => null, (error) => error)).toMatchObject({ status: 400 })
    await harness.server.flushUsage()
    expect((await tokenRow()).remainQuota).toBe(before.remainQuota)
    // /api/task/ lists every platform but Midjourney; ?platform= narrows it.
    const listed = (await harness.root.call('GET', '/api/task/?page_size=100')).body.data.items as any[]
    expect(new Set(listed.map((task) => task.platform))).toEqual(new Set(['video']))
    expect((await harness.root.call('GET', '/api/task/self?platform=suno')).body.data.total).toBe(0)
    const refunds = (await harness.root.call('GET', '/api/log/?type=6')).body.data.items
    expect(refunds.map((row: any) => [row.model_name, row.quota])).toEqual([['sora-2', 200_000]])
  })
})
