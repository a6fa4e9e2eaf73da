import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('quota data store', ({ store }) => {
  const hour = 1_700_000_000 - (1_700_000_000 % 3600)
  const bucket = { modelName: 'gpt-4o', useGroup: 'default', tokenId: 1, channelId: 1, tokenUsed: 10, count: 1, quota: 100 }

  test('flushed increments merge per hour bucket; list filters and orders by time', async () => {
    await store().flush({
      logs: [], users: [], tokens: [], channels: [],
      quotaData: [
        { ...bucket, userId: 1, username: 'ann', createdAt: hour + 3600 },
        { ...bucket, userId: 1, username: 'ann', createdAt: hour },
        { ...bucket, userId: 1, username: 'ann', createdAt: hour },
        { ...bucket, userId: 2, username: 'ben', createdAt: hour, quota: 500 },
      ],
    })
    const ann = await store().quotaData.list({ userId: 1 })
    expect(ann.map((row) => [row.createdAt, row.count, row.quota, row.tokenUsed])).toEqual([[hour, 2, 200, 20], [hour + 3600, 1, 100, 10]])
    expect((await store().quotaData.list({ username: 'ben' })).map((row) => row.userId)).toEqual([2])
    expect((await store().quotaData.list({ startTimestamp: hour + 1 })).map((row) => row.createdAt)).toEqual([hour + 3600])
    expect(await store().quotaData.list({ endTimestamp: hour - 1 })).toEqual([])
  })

  test('byUser totals per user over a range, largest quota first', async () => {
    expect(await store().quotaData.byUser({})).toEqual([
      { userId: 2, username: 'ben', count: 1, quota: 500, tokenUsed: 10 },
      { userId: 1, username: 'ann', count: 3, quota: 300, tokenUsed: 30 },
    ])
    expect(await store().quotaData.byUser({ startTimestamp: hour + 1, endTimestamp: hour + 3600 })).toEqual([
      { userId: 1, username: 'ann', count: 1, quota: 100, tokenUsed: 10 },
    ])
  })
})
