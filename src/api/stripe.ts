import { Elysia, t } from 'elysia'
import { createTopUps } from '../billing/top-up.ts'
import { createPaymentAlerts } from '../payments/alerts.ts'
import { priceTopUp } from '../payments/orders.ts'
import { readPaymentSettings } from '../payments/settings.ts'
import { createCheckoutSession, judgeStripeEvent, verifyStripeWebhook } from '../payments/stripe.ts'
import { authPlugin, ROLE_USER, type ApiDependencies } from './context.ts'
import { epayAnswer, refused } from './topup.ts'
import { randomAlphanumeric } from '../security/crypto.ts'


/** Stripe Checkout: price preview and a Checkout Session per order (user), and the webhook (signature-checked). */
export function stripeRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox, config } = dependencies
  const topUps = createTopUps(dependencies)
  const alert = createPaymentAlerts(store)
  const settings = () => readPaymentSettings(caches.options, secretBox, config.stripeApiBase)
  const priceFor = (amount: unknown, group: string) => {
    const current = settings()
    return current.stripe ? priceTopUp(current, amount, group, current.stripe.unitPrice, current.stripe.minTopUp) : { ok: false as const, message: 'Stripe is not configured by the administrator' }
  }

  const user = new Elysia({ name: 'tollgate.stripe', prefix: '/api/user/stripe' })
    .use(authPlugin(dependencies))
    .post('/amount', ({ body, user }) => {
      const priced = priceFor(body.amount, user.group)
      return priced.ok ? { message: 'success', data: priced.money.toFixed(2) } : refused(priced.message)
    }, {
      role: ROLE_USER, body: t.Object({ amount: t.Union([t.Number(), t.String({ maxLength: 32 })]) }), response: epayAnswer,
      detail: { tags: ['Top-up'], summary: 'Price preview for Stripe (StripeUnitPrice)' },
    })
    .post('/pay', async ({ body, user }) => {
      const current = settings()
      const priced = priceFor(body.amount, user.group)
      if (!current.stripe || !priced.ok) return refused(priced.ok ? 'Stripe is not configured by the administrator' : priced.message)
      let session
      try {
        session = await createCheckoutSession(current.stripe, { amount: priced.amount, money: priced.money, userId: user.id, reference: `USR${user.id}NO${randomAlphanumeric(10)}` }, {
          // Stripe fills in {CHECKOUT_SESSION_ID}, which is our order number.
          success: `${current.serverAddress}/wallet?trade_no={CHECKOUT_SESSION_ID}`, cancel: `${current.serverAddress}/wallet`,
        }, current.orderExpireMinutes)
      } catch (error) {
        console.warn(`[payments] Stripe refused a Checkout Session: ${(error as Error).message}`)
        return refused('The payment provider could not start the payment; try again later')
      }
      if (!session.url) return refused('The payment provider gave no payment page')
      await store.topUps.create({ userId: user.id, amount: priced.amount, money: priced.money, tradeNo: session.id, paymentMethod: 'stripe', paymentProvider: 'stripe', status: 'pending' })
      return { message: 'success', data: { pay_link: session.url } }
    }, {
      role: ROLE_USER, body: t.Object({ amount: t.Union([t.Number(), t.String({ maxLength: 32 })]), payment_method: t.Optional(t.String({ maxLength: 32 })) }), response: epayAnswer,
      detail: { tags: ['Top-up'], summary: 'Create a Stripe Checkout Session; answers its pay_link' },
    })

  const webhook = new Elysia({ name: 'tollgate.stripe-webhook' })
    .post('/api/stripe/webhook', async ({ request, server }) => {
      const current = settings()
      const answer = (status: number, text: string) => new Response(JSON.stringify({ received: status === 200, message: text }), { status, headers: { 'content-type': 'application/json' } })
      if (!current.stripe) return answer(404, 'Stripe is not configured')
      const body = await request.text()
      const ip = dependencies.addressOf(request, server)
      const verified = body.length <= 1_000_000 ? await verifyStripeWebhook(current.stripe, body, request.headers.get('stripe-signature')) : { reason: 'payload too large' }
      if ('reason' in verified) {
        await alert({ provider: 'Stripe', reason: verified.reason, ip })
        return answer(400, 'signature verification failed')
      }
      const session = verified.event.data.object as { id?: string; object?: string }
      const order = session.object === 'checkout.session' && session.id ? await store.topUps.getByTradeNo(session.id) : undefined
      const verdict = judgeStripeEvent(verified.event, current.stripe, order)
      switch (verdict.action) {
        case 'refuse':
          await alert({ provider: 'Stripe', reason: verdict.reason, tradeNo: verdict.tradeNo, userId: verdict.userId, ip })
          // Acknowledged: Stripe would resend a refused event for days; the admin has the alert.
          return answer(200, 'refused')
        case 'credit':
          // Stripe itself refuses payment after a session's expiry, so a paid session may complete an order our clock expired.
          await topUps.completeOrder(verdict.tradeNo, { provider: 'stripe', paymentMethod: 'stripe', acceptExpired: true })
          return answer(200, 'ok')
        case 'expire':
          await store.topUps.closePending(verdict.tradeNo, 'expired')
          return answer(200, 'ok')
        case 'ignore':
          return answer(200, 'ignored')
      }
    }, { parse: 'none', detail: { tags: ['Top-up'], summary: 'Stripe webhook (Stripe-Signature verified with the signing secret)' } })

  return [user, webhook]
}
