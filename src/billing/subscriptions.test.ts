import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockEasyPay, type MockEasyPay } from '../testing/mock-easypay.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'
import { createSubscriptionJob } from './subscriptions.ts'

let server: TestServer
let gateway: MockEasyPay
let root: ApiClient
let user: ApiClient
let job: ReturnType<typeof createSubscriptionJob>
const merchant = { pid: '4004', key: 'plan-merchant-key' }
const DAY = 86_400
const MONTH = 30 * DAY

beforeAll(async () => {
  server = await startTestServer()
  gateway = startMockEasyPay(merchant)
  root = await server.signIn()
  for (const [key, value] of Object.entries({ PayAddress: gateway.url, EpayId: merchant.pid, EpayKey: merchant.key, ServerAddress: server.url, Price: '7' })) {
    await root.call('PUT', '/api/option/', { key, value })
  }
  await root.call('POST', '/api/user/', { username: 'subscriber', password: 'password-123', quota: 2_000_000 })
  user = await server.signIn('subscriber', 'password-123')
  job = createSubscriptionJob({ store: server.store, caches: server.caches, log: () => {} })
})
afterAll(async () => {
  await server.dispose()
  await gateway.stop()
})

const quotaOf = async () => (await user.call('GET', '/api/user/self')).body.data.quota as number
/** What a usage flush does when the user spends. */
async function spend(amount: number) {
  const row = (await server.store.users.get(user.userId))!
  await server.store.users.update(user.userId, { quota: Number(row.quota) - amount, usedQuota: Number(row.usedQuota) + amount })
}
async function buy(planId: number) {
  const pay = await user.call('POST', '/api/subscription/pay', { plan_id: planId, payment_method: 'alipay' })
  expect(pay.body.message).toBe('success')
  await fetch(pay.body.url, { method: 'POST', body: new URLSearchParams(pay.body.data) })
  expect(await gateway.callback(gateway.orders.at(-1)!)).toBe('success')
  return pay.body.data.out_trade_no as string
}

describe('subscription plans', () => {
  let monthly: number
  let daily: number

  test('admins manage plans; users see the ones on sale with their price', async () => {
    const created = await root.call('POST', '/api/plan/', { name: 'Monthly', price: 10, period_days: 30, quota: 1_000_000 })
    expect(created.body.data).toMatchObject({ name: 'Monthly', price: 10, period_days: 30, grant_every: 'period', quota: 1_000_000, status: 1 })
    monthly = created.body.data.id
    daily = (await root.call('POST', '/api/plan/', { name: 'Daily', price: 3, period_days: 3, grant_every: 'day', quota: 100_000 })).body.data.id
    const hidden = (await root.call('POST', '/api/plan/', { name: 'Hidden', price: 1, period_days: 1, quota: 1, status: 2 })).body.data.id
    expect((await root.call('POST', '/api/plan/', { name: 'Bad', price: 1.005, period_days: 1, quota: 1 })).body.message).toContain('2 decimals')
    expect((await root.call('POST', '/api/plan/', { name: 'Bad', price: 1, period_days: 0, quota: 1 })).body.message).toContain('period_days')
    expect((await user.call('POST', '/api/plan/', { name: 'Mine', price: 1, period_days: 1, quota: 1 })).status).toBe(403)
    const available = (await user.call('GET', '/api/plan/available')).body.data
    expect(available.map((plan: { name: string }) => plan.name)).toEqual(['Daily', 'Monthly'])
    expect(available[1]).toMatchObject({ epay_money: 70 })
    expect((await user.call('POST', '/api/subscription/pay', { plan_id: hidden, payment_method: 'alipay' })).body).toEqual({ message: 'error', data: 'That plan is not on sale' })
    expect((await root.call('DELETE', `/api/plan/${hidden}`)).body.success).toBe(true)
  })

  test('buying through EasyPay grants the plan at once; buying again extends it; the plan is spent before the balance', async () => {
    const tradeNo = await buy(monthly)
    expect(await server.store.topUps.getByTradeNo(tradeNo)).toMatchObject({ status: 'success', money: 70, planId: monthly, amount: 0 })
    expect(await quotaOf()).toBe(3_000_000)
    let [subscription] = (await user.call('GET', '/api/subscription/self')).body.data
    expect(subscription).toMatchObject({ plan_name: 'Monthly', status: 'active', grant_quota: 1_000_000, next_renewal: 0 })
    expect(subscription.end_time - subscription.start_time).toBe(MONTH)
    await buy(monthly)
    ;[subscription] = (await user.call('GET', '/api/subscription/self')).body.data
    expect(subscription.end_time - subscription.start_time).toBe(2 * MONTH)
    expect(subscription.next_renewal).toBe(subscription.start_time + MONTH)
    expect(await quotaOf()).toBe(3_000_000)
    // 300 000 spent this month came out of the plan's grant; the paid 2 000 000 is untouched.
    await spend(300_000)
    expect(await job.runDue(subscription.start_time + MONTH - 1)).toBe(0)
    expect(await job.runDue(subscription.start_time + MONTH)).toBe(1)
    expect(await quotaOf()).toBe(2_000_000 + 1_000_000)
    // Two nodes at the same boundary: one does the step.
    const raced = await Promise.all([job.runDue(subscription.start_time + MONTH + 5), job.runDue(subscription.start_time + MONTH + 5)])
    expect(raced).toEqual([0, 0])
    // The second month is not used at all: at the end it expires and its grant is taken back, not the balance.
    expect(await job.runDue(subscription.start_time + 2 * MONTH)).toBe(1)
    expect(await quotaOf()).toBe(2_000_000)
    ;[subscription] = (await user.call('GET', '/api/subscription/self')).body.data
    expect(subscription).toMatchObject({ status: 'expired', next_renewal: 0, current_grant: 0 })
    const rows = (await user.call('GET', '/api/log/self?type=1&page_size=20')).body.data.items.map((row: { content: string; quota: number }) => [row.content.split(':')[0], row.quota])
    expect(rows).toContainEqual(['Subscription "Monthly" ended', -1_000_000])
  })

  test('a daily plan grants each day; a job that was down catches up across the boundaries', async () => {
    await buy(daily)
    const subscription = (await user.call('GET', '/api/subscription/self')).body.data.find((row: { plan_name: string }) => row.plan_name === 'Daily')
    expect(subscription.next_renewal).toBe(subscription.start_time + DAY)
    expect(await quotaOf()).toBe(2_100_000)
    await spend(150_000)
    // Day 1 is over: 100 000 of the 150 000 came out of the grant, 50 000 out of the balance.
    expect(await job.runDue(subscription.start_time + DAY)).toBe(1)
    expect(await quotaOf()).toBe(1_950_000 + 100_000)
    // Down for two days: day 2's grant, then the end (day 3), one step each.
    expect(await job.runDue(subscription.start_time + 3 * DAY + 10)).toBe(2)
    expect(await quotaOf()).toBe(1_950_000)
    expect((await user.call('GET', '/api/subscription/self')).body.data.find((row: { id: number }) => row.id === subscription.id).status).toBe('expired')
    expect((await root.call('DELETE', `/api/plan/${daily}`)).body.success).toBe(true)
  })
})
