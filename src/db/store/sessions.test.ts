import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('sessions store', ({ store }) => {
  const session = (id: string, userId: number, lastSeenAt: number, expiresAt = 10_000) =>
    ({ id, userId, method: 'password', address: '203.0.113.5', userAgent: 'test', createdAt: 100, lastSeenAt, expiresAt })

  test('sign-ins are listed per user, most recently seen first; recording again moves last seen only', async () => {
    await store().sessions.record(session('a', 1, 200))
    await store().sessions.record(session('b', 1, 300))
    await store().sessions.record(session('c', 2, 400))
    await store().sessions.record({ ...session('a', 1, 500), method: 'changed' })
    const listed = await store().sessions.listForUser(1, 1000)
    expect(listed.map((row) => [row.id, Number(row.lastSeenAt), row.method])).toEqual([['a', 500, 'password'], ['b', 300, 'password']])
    expect(await store().sessions.listForUser(1, 20_000)).toEqual([])
  })

  test('ending sessions revokes their ids and drops their rows; expired rows are swept', async () => {
    await store().sessions.end([{ id: 'a', userId: 1, expiresAt: 10_000 }])
    expect((await store().sessions.listForUser(1, 1000)).map((row) => row.id)).toEqual(['b'])
    expect(await store().sessions.revokedIds(1000)).toContain('a')
    await store().sessions.end([])
    await store().sessions.deleteExpired(20_000)
    expect(await store().sessions.revokedIds(0)).toEqual([])
    expect(await store().sessions.listForUser(2, 0)).toEqual([])
  })
})
