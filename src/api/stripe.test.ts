import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockStripe, type MockStripe } from '../testing/mock-stripe.ts'
import { startTestServer, type ApiClient, type TestServer } from '../testing/server.ts'

let server: TestServer
let stripe: MockStripe
let root: ApiClient
let user: ApiClient
const keys = { secretKey: 'sk_test_tollgate', webhookSecret: 'whsec_tollgate_test' }

beforeAll(async () => {
  stripe = startMockStripe({ ...keys, webhookUrl: () => `${server.url}/api/stripe/webhook` })
  server = await startTestServer({ STRIPE_API_BASE: stripe.url })
  root = await server.signIn()
  for (const [key, value] of Object.entries({ StripeApiSecret: keys.secretKey, StripeWebhookSecret: keys.webhookSecret, StripeUnitPrice: '1.1', StripeMinTopUp: '5', ServerAddress: server.url })) {
    expect((await root.call('PUT', '/api/option/', { key, value })).body.success).toBe(true)
  }
  await root.call('POST', '/api/user/', { username: 'card', password: 'password-123' })
  user = await server.signIn('card', 'password-123')
})
afterAll(async () => {
  await server.dispose()
  await stripe.stop()
})

const quotaOf = async () => (await user.call('GET', '/api/user/self')).body.data.quota as number

async function checkout(amount: number) {
  const pay = await user.call('POST', '/api/user/stripe/pay', { amount, payment_method: 'stripe' })
  expect(pay.body.message).toBe('success')
  return stripe.sessions.find((session) => session.url === pay.body.data.pay_link)!
}

describe('Stripe Checkout', () => {
  test('secrets are sealed; info and price preview; the minimum holds', async () => {
    const stored = await server.store.options.all()
    expect(stored.StripeApiSecret).toStartWith('v1:')
    expect(stored.StripeWebhookSecret).toStartWith('v1:')
    const info = (await user.call('GET', '/api/user/topup/info')).body.data
    expect(info).toMatchObject({ enable_stripe_topup: true, stripe_min_topup: 5, stripe_unit_price: 1.1 })
    expect((await user.call('POST', '/api/user/stripe/amount', { amount: 10 })).body).toEqual({ message: 'success', data: '11.00' })
    expect((await user.call('POST', '/api/user/stripe/pay', { amount: 4 })).body).toEqual({ message: 'error', data: 'The minimum top-up is 5' })
  })

  test('a Checkout Session through the official SDK; paying credits once via the signed webhook; the browser returns', async () => {
    const before = await quotaOf()
    const session = await checkout(10)
    expect(session).toMatchObject({ amount_total: 1100, currency: 'usd', mode: 'payment', success_url: `${server.url}/wallet?trade_no={CHECKOUT_SESSION_ID}` })
    expect(session.client_reference_id).toMatch(new RegExp(`^USR${user.userId}NO`))
    expect(session.expires_at - Date.now() / 1000).toBeGreaterThan(29 * 60)
    expect((await server.store.topUps.getByTradeNo(session.id))).toMatchObject({ status: 'pending', paymentProvider: 'stripe', amount: 10, money: 11 })
    const paid = await fetch(session.url, { method: 'POST', redirect: 'manual' })
    expect(paid.headers.get('location')).toBe(`${server.url}/wallet?trade_no=${session.id}`)
    expect(await quotaOf()).toBe(before + 10 * 500_000)
    // Stripe retries deliveries: the same session completes once.
    const again = await Promise.all(Array.from({ length: 10 }, () => stripe.send('checkout.session.completed', session)))
    expect(again.every((response) => response.status === 200)).toBe(true)
    expect(await quotaOf()).toBe(before + 10 * 500_000)
    const logs = (await user.call('GET', '/api/log/self?type=1')).body.data.items
    expect(logs).toHaveLength(1)
    expect(JSON.parse(logs[0].other)).toMatchObject({ trade_no: session.id, provider: 'stripe' })
  })

  test('forged or tampered webhooks credit nothing and are logged; expiry closes the order', async () => {
    const session = await checkout(6)
    const before = await quotaOf()
    expect((await stripe.send('checkout.session.completed', { ...session, payment_status: 'paid' }, { secret: 'whsec_guess' })).status).toBe(400)
    expect((await stripe.send('checkout.session.completed', { ...session, payment_status: 'paid' }, { signature: 't=1,v1=abc' })).status).toBe(400)
    expect((await fetch(`${server.url}/api/stripe/webhook`, { method: 'POST', body: '{}' })).status).toBe(400)
    // Correctly signed but not what we sold (a changed amount), or not paid yet.
    expect((await stripe.send('checkout.session.completed', { ...session, payment_status: 'paid', amount_total: 1 })).status).toBe(200)
    expect((await stripe.send('checkout.session.completed', session)).status).toBe(200)
    expect(await quotaOf()).toBe(before)
    expect((await server.store.topUps.getByTradeNo(session.id))?.status).toBe('pending')
    const alerts = (await root.call('GET', '/api/log/?type=4&page_size=20')).body.data.items.map((row: { content: string }) => row.content)
    expect(alerts.filter((content: string) => content.startsWith('Stripe callback refused: bad signature') || content.includes('no Stripe-Signature'))).toHaveLength(3)
    expect(alerts.some((content: string) => content.includes('paid 1 usd, the order is 660 usd'))).toBe(true)
    expect((await stripe.send('checkout.session.expired', { ...session, status: 'expired' })).status).toBe(200)
    expect((await server.store.topUps.getByTradeNo(session.id))?.status).toBe('expired')
  })

  test('a wrong secret key is refused by Stripe and the user told', async () => {
    await root.call('PUT', '/api/option/', { key: 'StripeApiSecret', value: 'sk_test_wrong' })
    const rejected = stripe.rejectedKeys
    const pay = await user.call('POST', '/api/user/stripe/pay', { amount: 10 })
    expect(pay.body).toEqual({ message: 'error', data: 'The payment provider could not start the payment; try again later' })
    expect(stripe.rejectedKeys).toBeGreaterThan(rejected)
  })
})
