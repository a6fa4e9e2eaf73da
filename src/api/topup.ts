import { Elysia, t } from 'elysia'
import type { TopUpRow, TopUpStatus } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { createTopUps } from '../billing/top-up.ts'
import { createPaymentAlerts } from '../payments/alerts.ts'
import { epayForm, judgeEpayCallback } from '../payments/easypay.ts'
import { newTradeNo, priceTopUp } from '../payments/orders.ts'
import { readPaymentSettings, type PaymentSettings } from '../payments/settings.ts'
import { authPlugin, envelope, ok, pageOf, PageQuery, readPage, ROLE_ADMIN, ROLE_USER, type ApiDependencies } from './context.ts'

export const TopUpSchema = t.Object({
  id: t.Integer(), user_id: t.Integer(), amount: t.Number(), money: t.Number(), trade_no: t.String(), payment_method: t.String(),
  payment_provider: t.String(), create_time: t.Number(), complete_time: t.Number(), status: t.String(),
})

export const topUpJson = (row: TopUpRow) => ({
  id: row.id, user_id: row.userId, amount: row.amount, money: row.money, trade_no: row.tradeNo, payment_method: row.paymentMethod,
  payment_provider: row.paymentProvider, create_time: Number(row.createTime), complete_time: Number(row.completeTime), status: row.status,
})

/** new-api's epay answers: `{message: "success"|"error", data}`, no `success` field, always HTTP 200. */
export const epayAnswer = t.Object({ message: t.String(), data: t.Unknown(), url: t.Optional(t.String()) })
export const refused = (reason: string) => ({ message: 'error', data: reason })

const nowSeconds = () => Math.floor(Date.now() / 1000)

/** Online top-up: price preview, EasyPay orders and their callback, and the records of orders. */
export function topUpRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox } = dependencies
  const topUps = createTopUps(dependencies)
  const alert = createPaymentAlerts(store)
  const settings = () => readPaymentSettings(caches.options, secretBox, dependencies.config.stripeApiBase)
  const expiredBefore = (current: PaymentSettings) => nowSeconds() - current.orderExpireMinutes * 60
  const expireStale = (current: PaymentSettings) => store.topUps.expireStale(expiredBefore(current))
  const pageJson = (result: { items: TopUpRow[]; total: number }, page: { page: number; pageSize: number }) =>
    ok({ items: result.items.map(topUpJson), total: result.total, page: page.page, page_size: page.pageSize })

  /** The amount of a request in USD units (in TOKENS display mode new-api sends quota units). */
  const amountOf = (amount: unknown) => (caches.options.quotaDisplayType === 'TOKENS' && typeof amount === 'number' ? amount / caches.options.quotaPerUnit : amount)

  async function notify(parameters: Record<string, string>, ip: string): Promise<string> {
    const current = settings()
    if (!current.epay || Object.keys(parameters).length === 0) return 'fail'
    const tradeNo = parameters.out_trade_no ?? ''
    const order = tradeNo ? await store.topUps.getByTradeNo(tradeNo) : undefined
    const verdict = judgeEpayCallback(parameters, current.epay, order, expiredBefore(current))
    if (verdict.action === 'refuse') {
      await alert({ provider: 'EasyPay', reason: verdict.reason, tradeNo: verdict.tradeNo, userId: verdict.userId, ip })
      if (verdict.acknowledge && order?.status === 'pending') await store.topUps.closePending(order.tradeNo, 'expired')
      return verdict.acknowledge ? 'success' : 'fail'
    }
    if (verdict.action === 'credit') await topUps.completeOrder(verdict.tradeNo, { provider: 'epay', paymentMethod: verdict.paymentMethod })
    // Credited now, or earlier by a duplicate callback: either way the gateway may stop calling.
    return 'success'
  }

  const plainText = (text: string) => new Response(text, { headers: { 'content-type': 'text/plain; charset=utf-8' } })
  const formOf = async (request: Request): Promise<Record<string, string>> => {
    const text = await request.text()
    return Object.fromEntries(new URLSearchParams(text.length <= 65_536 ? text : ''))
  }

  return new Elysia({ name: 'tollgate.topup', prefix: '/api/user' })
    .use(authPlugin(dependencies))
    .get('/topup/info', () => {
      const current = settings()
      return ok({
        enable_online_topup: current.epay !== undefined, enable_stripe_topup: current.stripe !== undefined, enable_creem_topup: false,
        enable_waffo_topup: false, enable_waffo_pancake_topup: false, enable_redemption: true, payment_compliance_confirmed: true,
        pay_methods: current.epay ? current.payMethods : [], min_topup: current.minTopUp, stripe_min_topup: current.stripe?.minTopUp ?? 0,
        stripe_unit_price: current.stripe?.unitPrice ?? 0, price: current.price, amount_options: current.amountOptions, discount: current.amountDiscount,
        topup_link: caches.options.raw.TopUpLink ?? '', creem_products: [], order_expire_minutes: current.orderExpireMinutes,
      })
    }, { role: ROLE_USER, response: envelope(t.Record(t.String(), t.Unknown())), detail: { tags: ['Top-up'], summary: 'What top-up offers: methods, presets, minimum, price' } })
    .post('/amount', ({ body, user }) => {
      const priced = priceTopUp(settings(), amountOf(body.amount), user.group)
      return priced.ok ? { message: 'success', data: priced.money.toFixed(2) } : refused(priced.message)
    }, {
      role: ROLE_USER, body: t.Object({ amount: t.Union([t.Number(), t.String({ maxLength: 32 })]) }), response: epayAnswer,
      detail: { tags: ['Top-up'], summary: 'Price preview: the money to pay for an amount (EasyPay price)' },
    })
    .post('/pay', async ({ body, user }) => {
      const current = settings()
      if (!current.epay) return refused('Online top-up is not configured by the administrator')
      const method = current.payMethods.find((candidate) => candidate.type === body.payment_method)
      if (!method) return refused(`Payment method "${String(body.payment_method).slice(0, 32)}" is not offered`)
      const priced = priceTopUp(current, amountOf(body.amount), user.group, current.price, Math.max(current.minTopUp, method.min_topup ?? 0))
      if (!priced.ok) return refused(priced.message)
      await expireStale(current)
      const order = await store.topUps.create({
        userId: user.id, amount: priced.amount, money: priced.money, tradeNo: newTradeNo(user.id), paymentMethod: method.type, paymentProvider: 'epay', status: 'pending',
      })
      const form = epayForm(current.epay, current, order, method.type)
      return { message: 'success', data: form.fields, url: form.url }
    }, {
      role: ROLE_USER,
      body: t.Object({ amount: t.Union([t.Number(), t.String({ maxLength: 32 })]), payment_method: t.String({ maxLength: 32 }) }),
      response: epayAnswer,
      detail: { tags: ['Top-up'], summary: 'Create an EasyPay order; answers the signed form to POST to `url`' },
    })
    .get('/epay/notify', async ({ query, request, server }) => plainText(await notify(query as Record<string, string>, dependencies.addressOf(request, server))), {
      detail: { tags: ['Top-up'], summary: 'EasyPay notify callback (GET); answers success or fail as text' },
    })
    .post('/epay/notify', async ({ request, server }) => plainText(await notify(await formOf(request), dependencies.addressOf(request, server))), {
      parse: 'none', detail: { tags: ['Top-up'], summary: 'EasyPay notify callback (POST form); answers success or fail as text' },
    })
    .get('/topup/self', async ({ query, user }) => {
      const page = readPage(query)
      await expireStale(settings())
      return pageJson(await store.topUps.list({ userId: user.id, keyword: query.keyword?.trim() || undefined }, page), page)
    }, {
      role: ROLE_USER, query: t.Object({ ...PageQuery, keyword: t.Optional(t.String({ maxLength: 64 })) }), response: envelope(pageOf(TopUpSchema)),
      detail: { tags: ['Top-up'], summary: 'Own top-up orders, newest first' },
    })
    .get('/topup', async ({ query }) => {
      const page = readPage(query)
      await expireStale(settings())
      const status = (query.status || undefined) as TopUpStatus | undefined
      return pageJson(await store.topUps.list({ keyword: query.keyword?.trim() || undefined, userId: query.user_id, status }, page), page)
    }, {
      role: ROLE_ADMIN,
      query: t.Object({ ...PageQuery, keyword: t.Optional(t.String({ maxLength: 64 })), user_id: t.Optional(t.Numeric()), status: t.Optional(t.String({ pattern: '^(pending|success|failed|expired)?$', error: 'status must be pending, success, failed or expired' })) }),
      response: envelope(pageOf(TopUpSchema)),
      detail: { tags: ['Top-up (admin)'], summary: 'Every user\'s top-up orders' },
    })
    .post('/topup/complete', async ({ body }) => {
      const result = await topUps.completeOrder(body.trade_no.trim(), { manual: true })
      if (!result.completed) {
        if (result.reason === 'not_found') throw notFound(`Order ${body.trade_no} does not exist`)
        throw badRequest('The order is already completed or failed', 'order_not_pending')
      }
      return ok(topUpJson(result.order))
    }, {
      role: ROLE_ADMIN, body: t.Object({ trade_no: t.String({ minLength: 1, maxLength: 128 }) }), response: envelope(TopUpSchema),
      detail: { tags: ['Top-up (admin)'], summary: 'Complete a pending (or expired) order by hand and credit it' },
    })
    .get('/topup/reconciliation', async ({ query }) => {
      const days = Math.min(366, Math.max(1, Math.floor(query.days ?? 30)))
      const since = Math.floor(nowSeconds() / 86400) * 86400 - (days - 1) * 86400
      const quotaPerUnit = caches.options.quotaPerUnit
      const rows = await store.topUps.reconciliation(since)
      return ok(rows.map((row) => {
        const expectedQuota = Math.round(row.amount * quotaPerUnit)
        return {
          day: row.day, orders: row.orders, pending: row.pending, succeeded: row.succeeded, expired: row.expired, failed: row.failed,
          money: Math.round(row.money * 100) / 100, amount: row.amount, expected_quota: expectedQuota, credits: row.credits,
          credited_quota: row.creditedQuota, balanced: row.credits === row.succeeded && row.creditedQuota === expectedQuota,
        }
      }))
    }, {
      role: ROLE_ADMIN, query: t.Object({ days: t.Optional(t.Numeric()) }), response: envelope(t.Array(t.Record(t.String(), t.Unknown()))),
      detail: { tags: ['Top-up (admin)'], summary: 'Orders against credits per day (UTC)' },
    })
}


