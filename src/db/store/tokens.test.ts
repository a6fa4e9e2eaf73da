import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('tokens store', ({ store }) => {
  test('tokens are scoped to their owner', async () => {
    const owner = await store().users.create({ username: 'owner', passwordHash: 'x' })
    const other = await store().users.create({ username: 'other', passwordHash: 'x' })
    const token = await store().tokens.create({ userId: owner.id, keyHash: 'h1', keyCiphertext: 'c', keyMask: 'm', name: 'ci', unlimitedQuota: true })
    expect(token.expiredTime).toBe(-1)
    expect(token.unlimitedQuota).toBe(true)
    expect(await store().tokens.get(token.id, other.id)).toBeUndefined()
    expect((await store().tokens.get(token.id, owner.id))?.id).toBe(token.id)
    expect(await store().tokens.update(token.id, other.id, { name: 'stolen' })).toBeUndefined()
    expect(await store().tokens.delete([token.id], other.id)).toEqual([])
    expect((await store().tokens.list(owner.id, { page: 1, pageSize: 10 }, { keyword: 'c%' })).total).toBe(1)
    expect((await store().tokens.list(other.id, { page: 1, pageSize: 10 })).total).toBe(0)
    expect((await store().tokens.getByHash('h1'))?.id).toBe(token.id)
    expect(await store().tokens.delete([token.id], owner.id)).toEqual([token.id])
  })

  test('name filter is exact without %, LIKE with it; key hash filter; count per user; newest first', async () => {
    const user = await store().users.create({ username: 'lister', passwordHash: 'x' })
    for (const name of ['ci', 'ci-2', 'prod']) await store().tokens.create({ userId: user.id, keyHash: `hash-${name}`, keyCiphertext: 'c', keyMask: 'm', name })
    const page = { page: 1, pageSize: 10 }
    expect((await store().tokens.list(user.id, page, { keyword: 'ci' })).items.map((token) => token.name)).toEqual(['ci'])
    expect((await store().tokens.list(user.id, page, { keyword: 'ci%' })).items.map((token) => token.name)).toEqual(['ci-2', 'ci'])
    expect((await store().tokens.list(user.id, page, { keyHash: 'hash-prod' })).items.map((token) => token.name)).toEqual(['prod'])
    expect(await store().tokens.countForUser(user.id)).toBe(3)
    const updated = await store().tokens.update((await store().tokens.getByHash('hash-prod'))!.id, user.id, { remainQuota: 42, status: 2 })
    expect([updated?.remainQuota, updated?.status]).toEqual([42, 2])
  })
})
