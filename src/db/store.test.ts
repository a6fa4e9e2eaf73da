import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testDatabases } from '../testing/databases.ts'
import { createStore, DuplicateError, type Store } from './store.ts'

// One contract suite, run on every dialect: the data-access layer must behave identically on SQLite and Postgres.
for (const testDatabase of testDatabases) {
  describe(`store on ${testDatabase.name}`, () => {
    let store: Store
    let dispose: () => Promise<void>
    beforeAll(async () => {
      const database = await testDatabase.open()
      dispose = database.dispose
      store = createStore(database)
    })
    afterAll(() => dispose())

    test('users: create, unique username, search, quota arithmetic', async () => {
      const alice = await store.users.create({ username: 'alice', passwordHash: 'x', quota: 1000 })
      expect(alice.id).toBeGreaterThan(0)
      expect(alice.group).toBe('default')
      await expect(store.users.create({ username: 'alice', passwordHash: 'y' })).rejects.toBeInstanceOf(DuplicateError)
      await store.users.create({ username: 'bob', passwordHash: 'x', email: 'bob@example.com' })
      expect((await store.users.getByUsername('bob@example.com'))?.username).toBe('bob')
      const found = await store.users.search({ keyword: 'ali' }, { page: 1, pageSize: 10 })
      expect(found.items.map((user) => user.username)).toEqual(['alice'])
      expect(found.total).toBe(1)
      expect((await store.users.addQuota(alice.id, -250))?.quota).toBe(750)
      const listed = await store.users.list({ page: 1, pageSize: 1 }, { by: 'id', order: 'asc' })
      expect(listed.total).toBe(2)
      expect(listed.items[0]!.username).toBe('alice')
    })

    test('tokens are scoped to their owner', async () => {
      const owner = await store.users.create({ username: 'owner', passwordHash: 'x' })
      const other = await store.users.create({ username: 'other', passwordHash: 'x' })
      const token = await store.tokens.create({ userId: owner.id, keyHash: 'h1', keyCiphertext: 'c', keyMask: 'm', name: 'ci', unlimitedQuota: true })
      expect(token.expiredTime).toBe(-1)
      expect(token.unlimitedQuota).toBe(true)
      expect(await store.tokens.get(token.id, other.id)).toBeUndefined()
      expect(await store.tokens.update(token.id, other.id, { name: 'stolen' })).toBeUndefined()
      expect(await store.tokens.delete([token.id], other.id)).toEqual([])
      expect((await store.tokens.list(owner.id, { page: 1, pageSize: 10 }, { keyword: 'c%' })).total).toBe(1)
      expect((await store.tokens.getByHash('h1'))?.id).toBe(token.id)
      expect(await store.tokens.delete([token.id], owner.id)).toEqual([token.id])
    })

    test('channels: batch create in one transaction, filters, type counts, status', async () => {
      const created = await store.channels.createMany([
        { type: 1, keyCiphertext: 'a', name: 'openai-1', group: 'default,vip', models: 'gpt-4o,gpt-4o-mini', priority: 10 },
        { type: 14, keyCiphertext: 'b', name: 'claude', group: 'vip', models: 'claude-sonnet-4-5', priority: 5 },
      ])
      expect(created).toHaveLength(2)
      const vip = await store.channels.list({ group: 'vip' }, { page: 1, pageSize: 10 })
      expect(vip.total).toBe(2)
      expect(vip.items[0]!.name).toBe('openai-1')
      expect((await store.channels.list({ group: 'default' }, { page: 1, pageSize: 10 })).total).toBe(1)
      expect((await store.channels.list({ model: 'mini' }, { page: 1, pageSize: 10 })).total).toBe(1)
      expect(await store.channels.typeCounts()).toEqual({ '1': 1, '14': 1 })
      expect(await store.channels.setStatus([created[1]!.id], 2)).toBe(1)
      expect(await store.channels.setStatus([created[1]!.id], 2)).toBe(0)
      expect((await store.channels.list({ status: 'disabled' }, { page: 1, pageSize: 10 })).items[0]!.name).toBe('claude')
      expect(await store.channels.deleteDisabled()).toBe(1)
    })

    test('options upsert', async () => {
      await store.options.set('RetryTimes', '2')
      await store.options.set('RetryTimes', '3')
      expect((await store.options.all()).RetryTimes).toBe('3')
    })

    test('flush: logs, quota deltas and hourly aggregates land together', async () => {
      const user = await store.users.create({ username: 'spender', passwordHash: 'x', quota: 10_000 })
      const token = await store.tokens.create({ userId: user.id, keyHash: 'h-spender', keyCiphertext: 'c', keyMask: 'm', remainQuota: 5000 })
      const [channel] = await store.channels.createMany([{ type: 1, keyCiphertext: 'k', name: 'c' }])
      const hour = 1_700_000_000 - (1_700_000_000 % 3600)
      const increment = { userId: user.id, username: 'spender', modelName: 'gpt-4o', createdAt: hour, useGroup: 'default', tokenId: token.id, channelId: channel!.id, tokenUsed: 30, count: 1, quota: 120 }
      const log = { userId: user.id, username: 'spender', createdAt: hour + 5, type: 2, modelName: 'gpt-4o', quota: 120, promptTokens: 10, completionTokens: 20, tokenId: token.id, channelId: channel!.id, requestId: 'r1' }
      await store.flush({ logs: [log, { ...log, requestId: 'r2' }], users: [{ id: user.id, spent: 240, requests: 2 }], tokens: [{ id: token.id, spent: 240 }], channels: [{ id: channel!.id, spent: 240 }], quotaData: [increment, increment] })
      const after = (await store.users.get(user.id))!
      expect([after.quota, after.usedQuota, after.requestCount]).toEqual([9760, 240, 2])
      expect((await store.tokens.get(token.id))!.remainQuota).toBe(4760)
      const buckets = await store.quotaData.list({ userId: user.id })
      expect(buckets).toHaveLength(1)
      expect([buckets[0]!.count, buckets[0]!.quota, buckets[0]!.tokenUsed]).toEqual([2, 240, 60])
      const page = await store.logs.list({ userId: user.id, modelName: 'gpt-%' }, { page: 1, pageSize: 1 })
      expect(page.total).toBe(2)
      expect((await store.logs.stat({ userId: user.id })).quota).toBe(240)
    })

    test('a failed flush leaves nothing half-written', async () => {
      const user = await store.users.create({ username: 'atomic', passwordHash: 'x', quota: 100 })
      // The last statement of the flush fails (an aggregate without a user): the rows and deltas before it roll back.
      const bad = { userId: null as unknown as number, username: '', modelName: 'm', createdAt: 0, useGroup: '', tokenId: 0, channelId: 0, tokenUsed: 0, count: 1, quota: 0 }
      await expect(store.flush({ logs: [{ userId: user.id, createdAt: 1, type: 2, requestId: 'good' }], users: [{ id: user.id, spent: 50 }], tokens: [], channels: [], quotaData: [bad] })).rejects.toThrow()
      expect((await store.users.get(user.id))!.quota).toBe(100)
      expect((await store.logs.list({ requestId: 'good' }, { page: 1, pageSize: 10 })).total).toBe(0)
    })

    test('concurrent writers never see "database is locked"', async () => {
      const user = await store.users.create({ username: 'busy', passwordHash: 'x', quota: 0 })
      await Promise.all(Array.from({ length: 50 }, (_, index) =>
        index % 2 ? store.users.addQuota(user.id, 1) : store.flush({ logs: [{ userId: user.id, createdAt: 2, type: 2 }], users: [{ id: user.id, spent: -1 }], tokens: [], channels: [], quotaData: [] })))
      expect((await store.users.get(user.id))!.quota).toBe(50)
    })
  })
}
