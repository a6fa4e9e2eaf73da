import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('channels store', ({ store }) => {
  test('batch create in one transaction, filters, type counts, status', async () => {
    const created = await store().channels.createMany([
      { type: 1, keyCiphertext: 'a', name: 'openai-1', group: 'default,vip', models: 'gpt-4o,gpt-4o-mini', priority: 10 },
      { type: 14, keyCiphertext: 'b', name: 'claude', group: 'vip', models: 'claude-sonnet-4-5', priority: 5 },
    ])
    expect(created).toHaveLength(2)
    const vip = await store().channels.list({ group: 'vip' }, { page: 1, pageSize: 10 })
    expect(vip.total).toBe(2)
    expect(vip.items[0]!.name).toBe('openai-1')
    expect((await store().channels.list({ group: 'default' }, { page: 1, pageSize: 10 })).total).toBe(1)
    expect((await store().channels.list({ group: 'vi' }, { page: 1, pageSize: 10 })).total).toBe(0)
    expect((await store().channels.list({ model: 'mini' }, { page: 1, pageSize: 10 })).total).toBe(1)
    expect((await store().channels.list({ keyword: String(created[1]!.id) }, { page: 1, pageSize: 10 })).items.map((channel) => channel.name)).toContain('claude')
    expect(await store().channels.typeCounts()).toEqual({ '1': 1, '14': 1 })
    expect(await store().channels.setStatus([created[1]!.id], 2)).toBe(1)
    expect(await store().channels.setStatus([created[1]!.id], 2)).toBe(0)
    expect((await store().channels.list({ status: 'disabled' }, { page: 1, pageSize: 10 })).items[0]!.name).toBe('claude')
    expect(await store().channels.deleteDisabled()).toBe(1)
  })

  test('a batch with a bad row creates none', async () => {
    const before = (await store().channels.all()).length
    await expect(store().channels.createMany([
      { type: 1, keyCiphertext: 'good', name: 'good' },
      { type: 1, keyCiphertext: null as unknown as string, name: 'bad' },
    ])).rejects.toThrow()
    expect((await store().channels.all()).length).toBe(before)
  })

  test('sorting: by a column with id as tie-break, or by id alone', async () => {
    const rows = await store().channels.createMany([
      { type: 1, keyCiphertext: 'k', name: 'sort-a', priority: 1, tag: 'sorting' },
      { type: 1, keyCiphertext: 'k', name: 'sort-b', priority: 3, tag: 'sorting' },
      { type: 1, keyCiphertext: 'k', name: 'sort-c', priority: 3, tag: 'sorting' },
    ])
    const names = async (sort: Parameters<ReturnType<typeof store>['channels']['list']>[2]) =>
      (await store().channels.list({ tag: 'sorting' }, { page: 1, pageSize: 10 }, sort)).items.map((channel) => channel.name)
    expect(await names({})).toEqual(['sort-c', 'sort-b', 'sort-a'])
    expect(await names({ by: 'priority', order: 'asc' })).toEqual(['sort-a', 'sort-c', 'sort-b'])
    expect(await names({ by: 'priority', idSort: true, order: 'asc' })).toEqual(['sort-a', 'sort-b', 'sort-c'])
    expect((await store().channels.update(rows[0]!.id, { priority: 9 }))?.priority).toBe(9)
    expect(await store().channels.delete(rows.map((row) => row.id))).toBe(3)
  })
})

describeOnEachDialect('channels store: tags and batches', ({ store }) => {
  test('ids by tag, and one change on many rows', async () => {
    const rows = await store().channels.createMany([
      { type: 1, keyCiphertext: 'k', name: 'tagged-a', tag: 'pool-a', priority: 1 },
      { type: 1, keyCiphertext: 'k', name: 'tagged-b', tag: 'pool-a', priority: 2 },
      { type: 1, keyCiphertext: 'k', name: 'other', tag: 'pool-b', priority: 3 },
    ])
    const tagged = await store().channels.byTag('pool-a')
    expect(tagged.map((channel) => channel.type)).toEqual([1, 1])
    const ids = tagged.map((channel) => channel.id)
    expect(ids.sort()).toEqual([rows[0]!.id, rows[1]!.id].sort())
    expect(await store().channels.updateMany(ids, { priority: 9, tag: 'pool-c' })).toBe(2)
    expect(await store().channels.byTag('pool-a')).toEqual([])
    expect((await store().channels.get(rows[1]!.id))!.priority).toBe(9)
    expect((await store().channels.get(rows[2]!.id))!.priority).toBe(3)
    expect(await store().channels.updateMany([], { priority: 1 })).toBe(0)
  })
})
