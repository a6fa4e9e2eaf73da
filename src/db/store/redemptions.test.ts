import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'
import { RedemptionStatus } from './redemptions.ts'
import { DuplicateError } from './shared.ts'

describeOnEachDialect('redemptions store', ({ store }) => {
  const page = { page: 1, pageSize: 10 }
  const code = (suffix: string) => `code-${suffix}`.padEnd(32, '0')
  const now = () => Math.floor(Date.now() / 1000)

  test('create one or a batch; keys are unique and a batch with a taken key creates none', async () => {
    const single = await store().redemptions.create({ key: code('single'), name: 'gift', quota: 500 })
    expect([single.status, single.quota, single.expiredTime, single.usedUserId]).toEqual([RedemptionStatus.unused, 500, 0, 0])
    expect(single.createdTime).toBeGreaterThan(1_700_000_000)
    const batch = await store().redemptions.createMany([{ key: code('batch-1'), name: 'promo' }, { key: code('batch-2'), name: 'promo' }])
    expect(batch.map((row) => row.quota)).toEqual([100, 100])
    await expect(store().redemptions.create({ key: code('single') })).rejects.toBeInstanceOf(DuplicateError)
    await expect(store().redemptions.createMany([{ key: code('batch-3') }, { key: code('batch-1') }])).rejects.toBeInstanceOf(DuplicateError)
    expect(await store().redemptions.getByKey(code('batch-3'))).toBeUndefined()
    expect((await store().redemptions.get(single.id))?.key).toBe(code('single'))
    expect((await store().redemptions.getByKey(code('batch-2')))?.id).toBe(batch[1]!.id)
  })

  test('list: keyword is an id or a name prefix, status filter, newest first', async () => {
    const promo = await store().redemptions.list({ keyword: 'pro' }, page)
    expect([promo.total, promo.items.map((row) => row.key)]).toEqual([2, [code('batch-2'), code('batch-1')]])
    expect((await store().redemptions.list({ keyword: 'romo' }, page)).total).toBe(0)
    const single = (await store().redemptions.getByKey(code('single')))!
    expect((await store().redemptions.list({ keyword: String(single.id) }, page)).items.map((row) => row.id)).toContain(single.id)
    expect((await store().redemptions.list({ status: RedemptionStatus.used }, page)).total).toBe(0)
    expect((await store().redemptions.list({}, { page: 2, pageSize: 2 })).items.map((row) => row.key)).toEqual([code('single')])
  })

  test('redeem credits the user once and says why a code does not work', async () => {
    const user = await store().users.create({ username: 'redeemer', passwordHash: 'x', quota: 10 })
    const result = await store().redemptions.redeem(code('single'), user.id)
    expect(result.redeemed && [result.quota, result.user.quota, result.redemption.status, result.redemption.usedUserId]).toEqual([500, 510, RedemptionStatus.used, user.id])
    expect(result.redeemed && result.redemption.redeemedTime).toBeGreaterThan(1_700_000_000)
    expect(await store().redemptions.redeem(code('single'), user.id)).toEqual({ redeemed: false, reason: 'used' })
    expect(await store().redemptions.redeem(code('missing'), user.id)).toEqual({ redeemed: false, reason: 'not_found' })
    const disabled = await store().redemptions.create({ key: code('disabled'), quota: 1, status: RedemptionStatus.disabled })
    expect(await store().redemptions.redeem(disabled.key, user.id)).toEqual({ redeemed: false, reason: 'disabled' })
    const expired = await store().redemptions.create({ key: code('expired'), quota: 1, expiredTime: now() - 60 })
    expect(await store().redemptions.redeem(expired.key, user.id)).toEqual({ redeemed: false, reason: 'expired' })
    const later = await store().redemptions.create({ key: code('later'), quota: 7, expiredTime: now() + 3600 })
    expect((await store().redemptions.redeem(later.key, user.id)).redeemed).toBe(true)
    expect((await store().users.get(user.id))!.quota).toBe(517)
  })

  test('redeem for a user that does not exist claims nothing', async () => {
    const orphan = await store().redemptions.create({ key: code('orphan'), quota: 5 })
    await expect(store().redemptions.redeem(orphan.key, 999_999)).rejects.toThrow('no such user')
    expect((await store().redemptions.get(orphan.id))?.status).toBe(RedemptionStatus.unused)
  })

  test('20 concurrent redeems of one code: exactly one wins and the quota is added once', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, (_, index) => store().users.create({ username: `racer-${index}`, passwordHash: 'x' })))
    const contested = await store().redemptions.create({ key: code('contested'), quota: 1000 })
    const results = await Promise.all(users.map((user) => store().redemptions.redeem(contested.key, user.id)))
    const winners = results.filter((result) => result.redeemed)
    expect(winners).toHaveLength(1)
    expect(results.filter((result) => !result.redeemed && result.reason === 'used')).toHaveLength(19)
    const credited = await Promise.all(users.map(async (user) => (await store().users.get(user.id))!.quota))
    expect(credited.reduce((total, quota) => total + quota, 0)).toBe(1000)
    expect((await store().redemptions.get(contested.id))?.usedUserId).toBe(winners[0]!.redeemed ? winners[0]!.user.id : -1)
  })

  test('update, delete, and deleteInvalid removes used, disabled and expired codes only', async () => {
    const fresh = await store().redemptions.create({ key: code('fresh'), name: 'old name', quota: 1 })
    expect((await store().redemptions.update(fresh.id, { name: 'new name', quota: 2 }))?.name).toBe('new name')
    await expect(store().redemptions.update(fresh.id, { key: code('single') })).rejects.toBeInstanceOf(DuplicateError)
    const unused = (await store().redemptions.list({ status: RedemptionStatus.unused }, { page: 1, pageSize: 100 })).items
    const expiredUnused = unused.filter((row) => row.expiredTime !== 0 && row.expiredTime < now()).length
    const invalid = (await store().redemptions.list({}, { page: 1, pageSize: 100 })).total - unused.length + expiredUnused
    expect(await store().redemptions.deleteInvalid()).toBe(invalid)
    const left = (await store().redemptions.list({}, { page: 1, pageSize: 100 })).items
    expect(left.every((row) => row.status === RedemptionStatus.unused && (row.expiredTime === 0 || row.expiredTime >= now()))).toBe(true)
    expect(left.map((row) => row.key)).toContain(code('fresh'))
    expect(await store().redemptions.delete(fresh.id)).toBe(true)
    expect(await store().redemptions.delete(fresh.id)).toBe(false)
  })
})
