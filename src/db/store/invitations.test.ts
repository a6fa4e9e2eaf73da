import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('invitations store', ({ store }) => {
  const row = (userId: number) => ({ userId, username: 'x', createdAt: 1, type: 1, content: 'reward', quota: 1 })

  test('a code is assigned once; joining links and rewards once; transfers never overdraw', async () => {
    const inviter = await store().users.create({ username: 'inviter', passwordHash: 'x' })
    const invitee = await store().users.create({ username: 'invitee', passwordHash: 'x', quota: 10 })
    expect(await store().invitations.assignCode(inviter.id, 'CODE1')).toBe('CODE1')
    expect(await store().invitations.assignCode(inviter.id, 'CODE2')).toBe('CODE1')
    expect((await store().invitations.byCode('CODE1'))?.id).toBe(inviter.id)
    const joined = await store().invitations.join({ inviteeId: invitee.id, inviterId: inviter.id, inviteeReward: 5, inviterReward: 700, logRows: [row(invitee.id)] })
    expect(joined && [Number(joined.quota), joined.inviterId]).toEqual([15, inviter.id])
    expect(await store().invitations.join({ inviteeId: invitee.id, inviterId: inviter.id, inviteeReward: 5, inviterReward: 700, logRows: [] })).toBeUndefined()
    const rewarded = (await store().users.get(inviter.id))!
    expect([rewarded.affCount, Number(rewarded.affQuota), Number(rewarded.affHistoryQuota)]).toEqual([1, 700, 700])
    const transfers = await Promise.all(Array.from({ length: 4 }, () => store().invitations.transfer(inviter.id, 300, (user) => row(user.id))))
    expect(transfers.filter(Boolean)).toHaveLength(2)
    const after = (await store().users.get(inviter.id))!
    expect([Number(after.quota), Number(after.affQuota), Number(after.affHistoryQuota)]).toEqual([600, 100, 700])
    expect((await store().logs.list({ type: 1 }, { page: 1, pageSize: 10 })).total).toBe(3)
  })
})
