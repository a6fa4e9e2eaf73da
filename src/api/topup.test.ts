import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockEasyPay, type MockEasyPay, type MockEasyPayOrder } from '../testing/mock-easypay.ts'
import { anonymous, startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

let server: TestServer
let root: ApiClient
let user: ApiClient
let gateway: MockEasyPay

const merchant = { pid: '1001', key: 'merchant-secret-key' }

beforeAll(async () => {
  server = await startTestServer()
  gateway = startMockEasyPay(merchant)
  root = await server.signIn()
  for (const [key, value] of Object.entries({ PayAddress: `${gateway.url}/`, EpayId: merchant.pid, EpayKey: merchant.key, ServerAddress: server.url, Price: '7.3', MinTopUp: '2' })) {
    expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
  }
  await root.call('POST', '/api/user/', { username: 'payer', password: 'password-123' })
  user = await server.signIn('payer', 'password-123')
})
afterAll(async () => {
  await server.dispose()
  await gateway.stop()
})

const quotaOf = async () => (await user.call('GET', '/api/user/self')).body.data.quota as number

/** Order through the gateway's API as the console does: create, then post the signed form to the gateway. */
async function placeOrder(amount: number, method = 'alipay'): Promise<MockEasyPayOrder> {
  const pay = await user.call('POST', '/api/user/pay', { amount, payment_method: method })
  expect(pay.body.message).toBe('success')
  const submitted = await fetch(pay.body.url, { method: 'POST', body: new URLSearchParams(pay.body.data) })
  expect(submitted.status).toBe(200)
  return gateway.orders.at(-1)!
}

describe('EasyPay top-up', () => {
  test('the merchant key is sealed at rest and never returned', async () => {
    const options = (await root.call('GET', '/api/option/')).body.data as { key: string }[]
    expect(options.find((option) => option.key === 'EpayKey')).toBeUndefined()
    const stored = await server.store.options.all()
    expect(stored.EpayKey).toStartWith('v1:')
    expect(stored.EpayKey).not.toContain(merchant.key)
  })

  test('info, price preview and refusals', async () => {
    const info = (await user.call('GET', '/api/user/topup/info')).body.data
    expect(info).toMatchObject({ enable_online_topup: true, enable_redemption: true, min_topup: 2, price: 7.3 })
    expect(info.pay_methods.map((method: { type: string }) => method.type)).toEqual(['alipay', 'wxpay'])
    expect((await user.call('POST', '/api/user/amount', { amount: 10 })).body).toEqual({ message: 'success', data: '73.00' })
    expect((await user.call('POST', '/api/user/amount', { amount: 1 })).body).toEqual({ message: 'error', data: 'The minimum top-up is 2' })
    expect((await user.call('POST', '/api/user/amount', { amount: 2.5 })).body.message).toBe('error')
    expect((await user.call('POST', '/api/user/pay', { amount: 10, payment_method: 'bitcoin' })).body).toEqual({ message: 'error', data: 'Payment method "bitcoin" is not offered' })
    expect((await anonymous(server).call('POST', '/api/user/pay', { amount: 10, payment_method: 'alipay' })).status).toBe(401)
  })

  test('pay on the gateway: the signed form is accepted, the callback credits once, the browser returns', async () => {
    const before = await quotaOf()
    const pay = await user.call('POST', '/api/user/pay', { amount: 10, payment_method: 'alipay' })
    expect(pay.body.url).toBe(`${gateway.url}/submit.php`)
    expect(pay.body.data).toMatchObject({ pid: merchant.pid, type: 'alipay', money: '73.00', name: 'TUC10', device: 'pc', sign_type: 'MD5', notify_url: `${server.url}/api/user/epay/notify` })
    expect(pay.body.data.out_trade_no).toMatch(new RegExp(`^USR${user.userId}NO[A-Za-z0-9]{10}\\d+$`))
    const submitted = await fetch(pay.body.url, { method: 'POST', body: new URLSearchParams(pay.body.data) })
    expect(await submitted.text()).toContain('73.00')
    const paid = await fetch(`${gateway.url}/pay/${gateway.orders.length - 1}`, { method: 'POST', redirect: 'manual' })
    expect(paid.status).toBe(302)
    expect(paid.headers.get('location')).toBe(`${server.url}/wallet?trade_no=${pay.body.data.out_trade_no}`)
    expect(await quotaOf()).toBe(before + 10 * 500_000)
    const order = gateway.orders.at(-1)!
    expect(order.replies).toEqual(['success'])
    // The gateway repeats its callback; GET works as well as POST.
    expect(await gateway.callback(order)).toBe('success')
    expect(await gateway.callback(order, {}, { method: 'GET' })).toBe('success')
    expect(await quotaOf()).toBe(before + 10 * 500_000)
    const records = (await user.call('GET', '/api/user/topup/self')).body.data
    expect(records.items[0]).toMatchObject({ trade_no: pay.body.data.out_trade_no, status: 'success', amount: 10, money: 73, payment_provider: 'epay', payment_method: 'alipay' })
    const credit = (await user.call('GET', '/api/log/self?type=1')).body.data.items
    expect(credit).toHaveLength(1)
    expect(credit[0]).toMatchObject({ quota: 5_000_000 })
    expect(JSON.parse(credit[0].other)).toMatchObject({ source: 'order', trade_no: pay.body.data.out_trade_no, money: 73 })
  })

  test('forged, tampered and foreign callbacks credit nothing and are logged for the admin', async () => {
    const order = await placeOrder(3)
    const before = await quotaOf()
    expect(await gateway.callback(order, {}, { key: 'guessed-key' })).toBe('fail')
    expect(await gateway.callback(order, { sign: 'a'.repeat(32) })).toBe('fail')
    // Properly signed (a leaked key or a confused gateway), but not what we ordered:
    expect(await gateway.callback(order, { money: '0.01' })).toBe('fail')
    expect(await gateway.callback(order, { pid: '9999' })).toBe('fail')
    expect(await gateway.callback(order, { out_trade_no: 'USR1NOnothing1' })).toBe('fail')
    // An order of another provider.
    const stripe = await server.store.topUps.create({ userId: user.userId, amount: 3, money: 21.9, tradeNo: 'cs_test_other', paymentProvider: 'stripe', status: 'pending' })
    expect(await gateway.callback(order, { out_trade_no: stripe.tradeNo, money: '21.90' })).toBe('fail')
    // Not paid yet: acknowledged, nothing credited, order still pending.
    expect(await gateway.callback(order, { trade_status: 'WAIT_BUYER_PAY' })).toBe('success')
    expect(await anonymous(server).call('POST', '/api/user/epay/notify', '')).toMatchObject({ body: 'fail' })
    expect(await quotaOf()).toBe(before)
    expect((await server.store.topUps.getByTradeNo(order.fields.out_trade_no!))?.status).toBe('pending')
    expect((await server.store.topUps.getByTradeNo(stripe.tradeNo))?.status).toBe('pending')
    const alerts = (await root.call('GET', '/api/log/?type=4&page_size=20')).body.data.items.map((row: { content: string }) => row.content)
    expect(alerts.filter((content: string) => content.includes('bad signature'))).toHaveLength(2)
    expect(alerts.some((content: string) => content.includes('money "0.01" differs'))).toBe(true)
    expect(alerts.some((content: string) => content.includes('merchant id "9999"'))).toBe(true)
    expect(alerts.some((content: string) => content.includes('unknown order'))).toBe(true)
    expect(alerts.some((content: string) => content.includes('belongs to stripe'))).toBe(true)
    // After all that, the real callback still credits.
    expect(await gateway.callback(order)).toBe('success')
    expect(await quotaOf()).toBe(before + 3 * 500_000)
  })

  test('an order paid after it expired credits nothing by itself; the admin may complete it by hand', async () => {
    const order = await placeOrder(2)
    const tradeNo = order.fields.out_trade_no!
    const row = (await server.store.topUps.getByTradeNo(tradeNo))!
    await server.store.topUps.update(row.id, { createTime: Math.floor(Date.now() / 1000) - 31 * 60 })
    const before = await quotaOf()
    expect(await gateway.callback(order)).toBe('success')
    expect(await quotaOf()).toBe(before)
    expect((await server.store.topUps.getByTradeNo(tradeNo))?.status).toBe('expired')
    const alerts = (await root.call('GET', '/api/log/?type=4&page_size=50')).body.data.items.map((entry: { content: string }) => entry.content)
    expect(alerts.some((content: string) => content.includes('paid after the order expired') && content.includes(tradeNo))).toBe(true)
    const completed = await root.call('POST', '/api/user/topup/complete', { trade_no: tradeNo })
    expect(completed.body.data).toMatchObject({ status: 'success', trade_no: tradeNo })
    expect(await quotaOf()).toBe(before + 2 * 500_000)
    expect((await root.call('POST', '/api/user/topup/complete', { trade_no: tradeNo })).body.success).toBe(false)
    expect((await root.call('POST', '/api/user/topup/complete', { trade_no: 'nope' })).status).toBe(404)
    expect((await user.call('POST', '/api/user/topup/complete', { trade_no: tradeNo })).status).toBe(403)
  })

  test('admin records and the daily reconciliation balance orders against credits', async () => {
    const all = (await root.call('GET', '/api/user/topup?page_size=50')).body.data
    expect(all.total).toBe(4)
    expect((await root.call('GET', '/api/user/topup?status=success')).body.data.total).toBe(3)
    expect((await user.call('GET', '/api/user/topup')).status).toBe(403)
    const [today] = (await root.call('GET', '/api/user/topup/reconciliation?days=7')).body.data
    expect(today).toMatchObject({ succeeded: 3, pending: 1, credits: 3, amount: 15, expected_quota: 15 * 500_000, credited_quota: 15 * 500_000, balanced: true })
  })
})
