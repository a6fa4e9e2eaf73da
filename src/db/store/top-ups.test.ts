import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'
import { DuplicateError } from './shared.ts'

describeOnEachDialect('top-ups store', ({ store }) => {
  const page = { page: 1, pageSize: 10 }
  const quotaPerUnit = 500_000
  const credit = { quotaFor: (order: { amount: number }) => order.amount * quotaPerUnit, provider: 'epay' }
  let userId = 0
  let otherUserId = 0

  test('create a pending order; trade numbers are unique', async () => {
    userId = (await store().users.create({ username: 'payer', passwordHash: 'x', quota: 0 })).id
    otherUserId = (await store().users.create({ username: 'other-payer', passwordHash: 'x' })).id
    const order = await store().topUps.create({ userId, amount: 10, money: 73, tradeNo: 'USR1NOabc1231700000000', paymentMethod: 'alipay', paymentProvider: 'epay' })
    expect([order.status, order.completeTime]).toEqual(['pending', 0])
    expect(order.createTime).toBeGreaterThan(1_700_000_000)
    await expect(store().topUps.create({ userId, tradeNo: order.tradeNo })).rejects.toBeInstanceOf(DuplicateError)
    expect((await store().topUps.getByTradeNo(order.tradeNo))?.id).toBe(order.id)
    expect((await store().topUps.get(order.id, userId))?.id).toBe(order.id)
    expect(await store().topUps.get(order.id, otherUserId)).toBeUndefined()
  })

  test('list by user, part of the trade number and status, newest first', async () => {
    await store().topUps.create({ userId, amount: 1, tradeNo: 'USR1NOxyz9991700000100', paymentProvider: 'epay' })
    await store().topUps.create({ userId: otherUserId, amount: 1, tradeNo: 'USR2NOqqq0001700000200', paymentProvider: 'stripe' })
    const own = await store().topUps.list({ userId }, page)
    expect([own.total, own.items.map((order) => order.tradeNo)]).toEqual([2, ['USR1NOxyz9991700000100', 'USR1NOabc1231700000000']])
    expect((await store().topUps.list({ keyword: 'xyz' }, page)).items.map((order) => order.tradeNo)).toEqual(['USR1NOxyz9991700000100'])
    expect((await store().topUps.list({ keyword: 'xyz', userId: otherUserId }, page)).total).toBe(0)
    expect((await store().topUps.list({ status: 'pending' }, page)).total).toBe(3)
    expect((await store().topUps.list({ status: 'success' }, page)).total).toBe(0)
  })

  test('complete credits amount × quota per unit once, checks the provider, records the method', async () => {
    const result = await store().topUps.complete('USR1NOabc1231700000000', { ...credit, paymentMethod: 'wxpay' })
    expect(result.completed && [result.quota, result.user.quota, result.order.status, result.order.paymentMethod]).toEqual([5_000_000, 5_000_000, 'success', 'wxpay'])
    expect(result.completed && result.order.completeTime).toBeGreaterThan(1_700_000_000)
    expect(await store().topUps.complete('USR1NOabc1231700000000', credit)).toEqual({ completed: false, reason: 'not_pending' })
    expect(await store().topUps.complete('USR2NOqqq0001700000200', credit)).toEqual({ completed: false, reason: 'wrong_provider' })
    expect(await store().topUps.complete('no-such-order', credit)).toEqual({ completed: false, reason: 'not_found' })
    expect((await store().users.get(userId))!.quota).toBe(5_000_000)
    // Without a provider (an admin completing by hand) any provider's order completes.
    expect((await store().topUps.complete('USR2NOqqq0001700000200', { quotaFor: () => 1 })).completed).toBe(true)
  })

  test('closePending fails or expires a pending order only', async () => {
    expect((await store().topUps.closePending('USR1NOxyz9991700000100', 'expired'))?.status).toBe('expired')
    expect(await store().topUps.closePending('USR1NOxyz9991700000100', 'failed')).toBeUndefined()
    expect(await store().topUps.complete('USR1NOxyz9991700000100', credit)).toEqual({ completed: false, reason: 'not_pending' })
  })

  test('an order whose user is gone completes nothing', async () => {
    const order = await store().topUps.create({ userId: 999_999, amount: 1, tradeNo: 'USR999999NOgone1700000300', paymentProvider: 'epay' })
    await expect(store().topUps.complete(order.tradeNo, credit)).rejects.toThrow('does not exist')
    expect((await store().topUps.get(order.id))?.status).toBe('pending')
  })

  test('20 concurrent completions of one order (repeated notify callbacks): exactly one credits', async () => {
    const user = await store().users.create({ username: 'notified', passwordHash: 'x', quota: 0 })
    const order = await store().topUps.create({ userId: user.id, amount: 2, tradeNo: 'USRNOrace1700000400', paymentProvider: 'epay' })
    const results = await Promise.all(Array.from({ length: 20 }, () => store().topUps.complete(order.tradeNo, credit)))
    expect(results.filter((result) => result.completed)).toHaveLength(1)
    expect(results.filter((result) => !result.completed && result.reason === 'not_pending')).toHaveLength(19)
    expect((await store().users.get(user.id))!.quota).toBe(2 * quotaPerUnit)
  })

  test('update and delete', async () => {
    const order = await store().topUps.create({ userId, amount: 3, tradeNo: 'USR1NOedit1700000500' })
    expect((await store().topUps.update(order.id, { money: 21.9 }))?.money).toBe(21.9)
    await expect(store().topUps.update(order.id, { tradeNo: 'USR1NOabc1231700000000' })).rejects.toBeInstanceOf(DuplicateError)
    expect(await store().topUps.delete(order.id)).toBe(true)
    expect(await store().topUps.getByTradeNo(order.tradeNo)).toBeUndefined()
  })
})
