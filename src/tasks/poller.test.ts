import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockMidjourney, type MockTaskUpstream } from '../testing/mock-task-upstreams.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

/**
 * The poller's local verdicts, driven one round at a time (UPDATE_TASK off): a task past TASK_TIMEOUT_MINUTES, one
 * without an upstream id and one whose channel was deleted fail and are refunded; an upstream outage backs the
 * channel off without touching its tasks.
 */
let server: TestServer
let root: ApiClient
let proxy: MockTaskUpstream
let channelId: number
const billing = { user_id: 1, username: 'root', token_id: 1, token_name: 'default', group: 'default', model_name: 'mj_imagine', units: 1 }

beforeAll(async () => {
  proxy = await startMockMidjourney({ keys: ['mj-key'], stepMs: 60_000 })
  server = await startTestServer({ UPDATE_TASK: 'false', TASK_TIMEOUT_MINUTES: '60', LOG_FLUSH_INTERVAL_MS: '50' })
  root = await server.signIn()
  channelId = (await root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 2, name: 'proxy', key: 'mj-key', base_url: proxy.url, models: 'mj_imagine', group: 'default' } })).body.data[0].id
})

afterAll(async () => {
  await server?.dispose()
  await proxy?.stop()
})

const task = (fields: Record<string, unknown>) => server.store.tasks.create({
  taskId: `t-${Math.random().toString(36).slice(2)}`, platform: 'mj', userId: 1, channelId, quota: 50_000, action: 'IMAGINE', status: 'IN_PROGRESS',
  submitTime: Math.floor(Date.now() / 1000), properties: JSON.stringify({ upstream_task_id: 'upstream-1', billing }), ...fields,
})

describe('task poller verdicts', () => {
  test('past TASK_TIMEOUT_MINUTES, without an upstream id, or on a deleted channel: FAILURE and a refund each', async () => {
    const old = await task({ submitTime: Math.floor(Date.now() / 1000) - 2 * 3600 })
    const orphan = await task({ properties: JSON.stringify({ billing }) })
    const gone = await task({ channelId: 9999 })
    const round = await server.tasks.poller.pollOnce()
    expect(round.failed).toBeGreaterThanOrEqual(3)
    const reasons = await Promise.all([old, orphan, gone].map(async (row) => (await server.store.tasks.get(row.id))!))
    expect(reasons.map((row) => row.status)).toEqual(['FAILURE', 'FAILURE', 'FAILURE'])
    expect(reasons[0]!.failReason).toContain('timed out after 60 minutes')
    expect(reasons[1]!.failReason).toBe('task has no upstream id')
    expect(reasons[2]!.failReason).toContain('no longer exists')
    await server.flushUsage()
    const refunds = (await root.call('GET', '/api/log/?type=6&page_size=50')).body.data.items as { quota: number; content: string }[]
    for (const row of [old, orphan, gone]) expect(refunds.filter((refund) => refund.content.includes(row.taskId)).map((refund) => refund.quota)).toEqual([50_000])
    // A second round finds nothing more to refund.
    await server.tasks.poller.pollOnce()
    await server.flushUsage()
    expect((await root.call('GET', '/api/log/?type=6&page_size=50')).body.data.total).toBe(refunds.length)
  })

  test('an upstream outage backs the channel off and leaves its tasks as they were', async () => {
    const waiting = await task({})
    await proxy.stop()
    const round = await server.tasks.poller.pollOnce()
    expect(round.changed).toBe(0)
    expect(server.tasks.poller.stats().backedOffChannels).toBe(1)
    expect((await server.store.tasks.get(waiting.id))!.status).toBe('IN_PROGRESS')
  })
})
