import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('logs store', ({ store }) => {
  const page = { page: 1, pageSize: 10 }

  test('insert and list newest first, with every filter', async () => {
    const base = { userId: 7, username: 'logger', type: 2, tokenId: 3, tokenName: 'ci', channelId: 4, group: 'vip' }
    await store().logs.insert([
      { ...base, createdAt: 100, modelName: 'gpt-4o', requestId: 'req-1', upstreamRequestId: 'up-1', quota: 10 },
      { ...base, createdAt: 200, modelName: 'gpt-4o-mini', requestId: 'req-2', quota: 20 },
      { ...base, createdAt: 300, modelName: 'claude', requestId: 'req-3', type: 5, userId: 8, username: 'other' },
    ])
    await store().logs.insert([])
    expect((await store().logs.list({}, page)).items.map((log) => log.requestId)).toEqual(['req-3', 'req-2', 'req-1'])
    const requestIds = async (filter: Parameters<ReturnType<typeof store>['logs']['list']>[0]) =>
      (await store().logs.list(filter, page)).items.map((log) => log.requestId)
    expect(await requestIds({ type: 2 })).toEqual(['req-2', 'req-1'])
    expect(await requestIds({ startTimestamp: 150, endTimestamp: 250 })).toEqual(['req-2'])
    expect(await requestIds({ userId: 8 })).toEqual(['req-3'])
    expect(await requestIds({ username: 'logg%' })).toEqual(['req-2', 'req-1'])
    expect(await requestIds({ username: 'logg' })).toEqual([])
    expect(await requestIds({ modelName: 'gpt-4o' })).toEqual(['req-1'])
    expect(await requestIds({ modelName: 'gpt-%' })).toEqual(['req-2', 'req-1'])
    expect(await requestIds({ tokenName: 'ci', tokenId: 3, channelId: 4, group: 'vip', type: 2 })).toEqual(['req-2', 'req-1'])
    expect(await requestIds({ requestId: 'req-2' })).toEqual(['req-2'])
    expect(await requestIds({ upstreamRequestId: 'up-1' })).toEqual(['req-1'])
    const second = await store().logs.list({}, { page: 2, pageSize: 2 })
    expect([second.total, second.items.map((log) => log.requestId)]).toEqual([3, ['req-1']])
  })

  test('stat sums consume quota and counts the last minute', async () => {
    const now = Math.floor(Date.now() / 1000)
    await store().logs.insert([
      { userId: 20, createdAt: now - 5, type: 2, quota: 100, promptTokens: 10, completionTokens: 5 },
      { userId: 20, createdAt: now - 3600, type: 2, quota: 50, promptTokens: 1, completionTokens: 1 },
      { userId: 20, createdAt: now - 5, type: 5, quota: 999 },
    ])
    expect(await store().logs.stat({ userId: 20 })).toEqual({ quota: 150, rpm: 1, tpm: 15 })
    expect(await store().logs.stat({ userId: 21 })).toEqual({ quota: 0, rpm: 0, tpm: 0 })
  })

  test('deleteOlderThan removes rows at or before the time', async () => {
    expect(await store().logs.deleteOlderThan(200)).toBe(2)
    expect((await store().logs.list({ endTimestamp: 200 }, page)).total).toBe(0)
  })
})
