import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('usage flush', ({ store }) => {
  test('logs, quota deltas and hourly aggregates land together', async () => {
    const user = await store().users.create({ username: 'spender', passwordHash: 'x', quota: 10_000 })
    const token = await store().tokens.create({ userId: user.id, keyHash: 'h-spender', keyCiphertext: 'c', keyMask: 'm', remainQuota: 5000 })
    const [channel] = await store().channels.createMany([{ type: 1, keyCiphertext: 'k', name: 'c' }])
    const hour = 1_700_000_000 - (1_700_000_000 % 3600)
    const increment = { userId: user.id, username: 'spender', modelName: 'gpt-4o', createdAt: hour, useGroup: 'default', tokenId: token.id, channelId: channel!.id, tokenUsed: 30, count: 1, quota: 120 }
    const log = { userId: user.id, username: 'spender', createdAt: hour + 5, type: 2, modelName: 'gpt-4o', quota: 120, promptTokens: 10, completionTokens: 20, tokenId: token.id, channelId: channel!.id, requestId: 'r1' }
    await store().flush({ logs: [log, { ...log, requestId: 'r2' }], users: [{ id: user.id, spent: 240, requests: 2 }], tokens: [{ id: token.id, spent: 240 }], channels: [{ id: channel!.id, spent: 240 }], quotaData: [increment, increment] })
    const after = (await store().users.get(user.id))!
    expect([after.quota, after.usedQuota, after.requestCount]).toEqual([9760, 240, 2])
    const tokenAfter = (await store().tokens.get(token.id))!
    expect([tokenAfter.remainQuota, tokenAfter.usedQuota]).toEqual([4760, 240])
    expect((await store().channels.get(channel!.id))!.usedQuota).toBe(240)
    const buckets = await store().quotaData.list({ userId: user.id })
    expect(buckets).toHaveLength(1)
    expect([buckets[0]!.count, buckets[0]!.quota, buckets[0]!.tokenUsed]).toEqual([2, 240, 60])
    const page = await store().logs.list({ userId: user.id, modelName: 'gpt-%' }, { page: 1, pageSize: 1 })
    expect(page.total).toBe(2)
    expect((await store().logs.stat({ userId: user.id })).quota).toBe(240)
  })

  test('a failed flush leaves nothing half-written', async () => {
    const user = await store().users.create({ username: 'atomic', passwordHash: 'x', quota: 100 })
    // The last statement of the flush fails (an aggregate without a user): the rows and deltas before it roll back.
    const bad = { userId: null as unknown as number, username: '', modelName: 'm', createdAt: 0, useGroup: '', tokenId: 0, channelId: 0, tokenUsed: 0, count: 1, quota: 0 }
    await expect(store().flush({ logs: [{ userId: user.id, createdAt: 1, type: 2, requestId: 'good' }], users: [{ id: user.id, spent: 50 }], tokens: [], channels: [], quotaData: [bad] })).rejects.toThrow()
    expect((await store().users.get(user.id))!.quota).toBe(100)
    expect((await store().logs.list({ requestId: 'good' }, { page: 1, pageSize: 10 })).total).toBe(0)
  })

  test('concurrent writers never see "database is locked"', async () => {
    const user = await store().users.create({ username: 'busy', passwordHash: 'x', quota: 0 })
    await Promise.all(Array.from({ length: 50 }, (_, index) =>
      index % 2 ? store().users.addQuota(user.id, 1) : store().flush({ logs: [{ userId: user.id, createdAt: 2, type: 2 }], users: [{ id: user.id, spent: -1 }], tokens: [], channels: [], quotaData: [] })))
    expect((await store().users.get(user.id))!.quota).toBe(50)
  })
})
