import { expect, test } from 'bun:test'
import { DuplicateError } from './shared.ts'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('users store', ({ store }) => {
  test('create fills defaults and refuses a taken username', async () => {
    const alice = await store().users.create({ username: 'alice', passwordHash: 'x', quota: 1000 })
    expect(alice.id).toBeGreaterThan(0)
    expect(alice.group).toBe('default')
    expect(alice.createdTime).toBeGreaterThan(1_700_000_000)
    const before = await store().users.count()
    await expect(store().users.create({ username: 'alice', passwordHash: 'y' })).rejects.toBeInstanceOf(DuplicateError)
    expect(await store().users.count()).toBe(before)
  })

  test('sign-in lookup by username or by a set email, and by access token', async () => {
    const bob = await store().users.create({ username: 'bob', passwordHash: 'x', email: 'bob@example.com', accessTokenHash: 'access-bob' })
    expect((await store().users.getByUsername('bob@example.com'))?.id).toBe(bob.id)
    expect((await store().users.getByUsername('bob'))?.id).toBe(bob.id)
    // Users without an email have '' there: an empty name must not match them.
    expect(await store().users.getByUsername('')).toBeUndefined()
    expect((await store().users.getByAccessTokenHash('access-bob'))?.id).toBe(bob.id)
  })

  test('a provider identity binds to one account; the unbound accounts all share \'\'', async () => {
    const first = await store().users.create({ username: 'ident-a', passwordHash: 'x', githubId: '4242' })
    await store().users.create({ username: 'ident-b', passwordHash: 'x' })
    await store().users.create({ username: 'ident-c', passwordHash: 'x' })
    expect((await store().users.getByIdentity('githubId', '4242'))?.id).toBe(first.id)
    expect(await store().users.getByIdentity('githubId', '')).toBeUndefined()
    expect(await store().users.getByIdentity('oidcId', '4242')).toBeUndefined()
    const other = await store().users.getByUsername('ident-b')
    await expect(store().users.update(other!.id, { githubId: '4242' })).rejects.toBeInstanceOf(DuplicateError)
    expect((await store().users.get(other!.id))?.githubId).toBe('')
    expect(await store().users.maxId()).toBeGreaterThanOrEqual(first.id + 2)
  })

  test('search by keyword, id, group and role; list sorted and paged', async () => {
    const erin = await store().users.create({ username: 'erin-search', passwordHash: 'x', displayName: 'Erin' })
    const carol = await store().users.create({ username: 'carol-search', passwordHash: 'x', group: 'vip', role: 10 })
    const found = await store().users.search({ keyword: 'rin-sea' }, { page: 1, pageSize: 10 })
    expect(found.items.map((user) => user.username)).toEqual(['erin-search'])
    expect(found.total).toBe(1)
    expect((await store().users.search({ keyword: String(carol.id) }, { page: 1, pageSize: 10 })).items.map((user) => user.id)).toContain(carol.id)
    expect((await store().users.search({ group: 'vip', role: 10 }, { page: 1, pageSize: 10 })).items.map((user) => user.username)).toEqual(['carol-search'])
    const total = await store().users.count()
    const listed = await store().users.list({ page: 1, pageSize: 1 }, { by: 'id', order: 'desc' })
    expect(listed.total).toBe(total)
    expect(listed.items.map((user) => user.id)).toEqual([carol.id])
    const byName = await store().users.list({ page: 1, pageSize: total }, { by: 'username', order: 'asc' })
    // Only relative order is checked: Postgres sorts by its collation, which need not be byte order.
    const names = byName.items.map((user) => user.username)
    expect(names.indexOf('carol-search')).toBeLessThan(names.indexOf('erin-search'))
    expect(erin.displayName).toBe('Erin')
  })

  test('update refuses a taken username; addQuota adds and subtracts without reading first', async () => {
    const frank = await store().users.create({ username: 'frank', passwordHash: 'x', quota: 1000 })
    await store().users.create({ username: 'grace', passwordHash: 'x' })
    await expect(store().users.update(frank.id, { username: 'grace' })).rejects.toBeInstanceOf(DuplicateError)
    expect((await store().users.update(frank.id, { displayName: 'Frank' }))?.displayName).toBe('Frank')
    expect(await store().users.update(999_999, { displayName: 'nobody' })).toBeUndefined()
    expect((await store().users.addQuota(frank.id, -250))?.quota).toBe(750)
    await Promise.all(Array.from({ length: 20 }, () => store().users.addQuota(frank.id, 5)))
    expect((await store().users.get(frank.id))!.quota).toBe(850)
  })

  test('delete takes the user\'s tokens with it', async () => {
    const dave = await store().users.create({ username: 'dave', passwordHash: 'x' })
    const token = await store().tokens.create({ userId: dave.id, keyHash: 'dave-key', keyCiphertext: 'c', keyMask: 'm' })
    expect(await store().users.delete(dave.id)).toBe(true)
    expect(await store().users.get(dave.id)).toBeUndefined()
    expect(await store().tokens.get(token.id)).toBeUndefined()
    expect(await store().users.delete(dave.id)).toBe(false)
  })
})
