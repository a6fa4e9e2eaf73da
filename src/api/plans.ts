import { Elysia, t } from 'elysia'
import type { NewPlan, PlanRow, SubscriptionRow } from '../db/store.ts'
import { badRequest, notFound } from '../errors.ts'
import { epayForm } from '../payments/easypay.ts'
import { newTradeNo } from '../payments/orders.ts'
import { readPaymentSettings } from '../payments/settings.ts'
import { createCheckoutSession } from '../payments/stripe.ts'
import { randomAlphanumeric } from '../security/crypto.ts'
import { authPlugin, emptyEnvelope, envelope, ok, ROLE_ADMIN, ROLE_USER, type ApiDependencies } from './context.ts'
import { epayAnswer, refused } from './topup.ts'

const PlanSchema = t.Object({
  id: t.Integer(), name: t.String(), description: t.String(), price: t.Number(), period_days: t.Integer(), grant_every: t.String(), quota: t.Number(),
  status: t.Integer(), created_time: t.Number(),
}, { additionalProperties: true })

const planJson = (plan: PlanRow) => ({
  id: plan.id, name: plan.name, description: plan.description, price: plan.price, period_days: plan.periodDays, grant_every: plan.grantEvery,
  quota: Number(plan.quota), status: plan.status, created_time: Number(plan.createdTime),
})

/** `next_grant_time` is the next renewal while it falls before the paid end; after that the subscription ends. */
const subscriptionJson = (subscription: SubscriptionRow, plans: Map<number, PlanRow>) => {
  const active = subscription.status === 'active'
  const nextGrant = Number(subscription.nextGrantTime)
  return {
    id: subscription.id, user_id: subscription.userId, plan_id: subscription.planId, plan_name: plans.get(subscription.planId)?.name ?? '',
    status: subscription.status, start_time: Number(subscription.startTime), end_time: Number(subscription.endTime),
    grant_quota: Number(subscription.grantQuota), current_grant: Number(subscription.currentGrant),
    next_renewal: active && nextGrant < Number(subscription.endTime) ? nextGrant : 0,
  }
}

const PlanFields = {
  name: t.String({ minLength: 1, maxLength: 50, error: 'name must be 1-50 characters' }),
  description: t.Optional(t.String({ maxLength: 500 })),
  price: t.Number({ exclusiveMinimum: 0, maximum: 1_000_000, error: 'price must be a positive amount of USD' }),
  period_days: t.Integer({ minimum: 1, maximum: 3660, error: 'period_days must be 1-3660' }),
  grant_every: t.Optional(t.String({ pattern: '^(period|day)$', error: 'grant_every must be period or day' })),
  quota: t.Integer({ minimum: 1, maximum: 1e15, error: 'quota must be a whole number of quota units ≥ 1' }),
  status: t.Optional(t.Integer({ minimum: 1, maximum: 2, error: 'status must be 1 (on sale) or 2 (off sale)' })),
}

const toColumns = (body: Partial<{ name: string; description: string; price: number; period_days: number; grant_every: string; quota: number; status: number }>): Partial<NewPlan> => {
  const changes: Partial<NewPlan> = {}
  if (body.name !== undefined) changes.name = body.name.trim()
  if (body.description !== undefined) changes.description = body.description
  if (body.price !== undefined) {
    if (Math.round(body.price * 100) !== body.price * 100) throw badRequest('price may have at most 2 decimals')
    changes.price = body.price
  }
  if (body.period_days !== undefined) changes.periodDays = body.period_days
  if (body.grant_every !== undefined) changes.grantEvery = body.grant_every
  if (body.quota !== undefined) changes.quota = body.quota
  if (body.status !== undefined) changes.status = body.status
  return changes
}

/** Subscription plans (admin), buying one through EasyPay or Stripe, and the user's subscriptions. */
export function planRoutes(dependencies: ApiDependencies) {
  const { store, caches, secretBox, config } = dependencies
  const settings = () => readPaymentSettings(caches.options, secretBox, config.stripeApiBase)
  const plansById = async () => new Map((await store.subscriptions.plans.list()).map((plan) => [plan.id, plan]))
  /** The plan's price (USD) in the gateway's money, with the group's top-up ratio. */
  const moneyFor = (plan: PlanRow, unitPrice: number, group: string) =>
    Math.round(plan.price * unitPrice * (settings().topUpGroupRatio[group] ?? 1) * 100) / 100
  const onSale = async (planId: number) => {
    const plan = await store.subscriptions.plans.get(planId)
    return plan && plan.status === 1 ? plan : undefined
  }

  const admin = new Elysia({ name: 'tollgate.plans', prefix: '/api/plan' })
    .use(authPlugin(dependencies))
    .get('/', async () => ok((await store.subscriptions.plans.list()).map(planJson)), {
      role: ROLE_ADMIN, response: envelope(t.Array(PlanSchema)), detail: { tags: ['Subscriptions'], summary: 'Every plan' },
    })
    .get('/available', async () => {
      const current = settings()
      return ok((await store.subscriptions.plans.list(true)).map((plan) => ({
        ...planJson(plan), epay_money: current.epay ? Math.round(plan.price * current.price * 100) / 100 : 0, stripe_money: current.stripe ? Math.round(plan.price * current.stripe.unitPrice * 100) / 100 : 0,
      })))
    }, { role: ROLE_USER, response: envelope(t.Array(PlanSchema)), detail: { tags: ['Subscriptions'], summary: 'Plans on sale, with their price per gateway' } })
    .post('/', async ({ body }) => ok(planJson(await store.subscriptions.plans.create(toColumns(body) as NewPlan))), {
      role: ROLE_ADMIN, body: t.Object(PlanFields), response: envelope(PlanSchema), detail: { tags: ['Subscriptions'], summary: 'Create a plan' },
    })
    .put('/', async ({ body }) => {
      const updated = await store.subscriptions.plans.update(body.id, toColumns(body))
      if (!updated) throw notFound(`Plan ${body.id} does not exist`)
      return ok(planJson(updated))
    }, {
      role: ROLE_ADMIN, body: t.Object({ id: t.Integer(), ...t.Partial(t.Object(PlanFields)).properties }),
      response: envelope(PlanSchema), detail: { tags: ['Subscriptions'], summary: 'Edit a plan (running subscriptions keep what they bought)' },
    })
    .delete('/:id', async ({ params }) => {
      if (await store.subscriptions.countActive(params.id)) throw badRequest('The plan has active subscriptions; take it off sale instead', 'plan_in_use')
      if (!(await store.subscriptions.plans.delete(params.id))) throw notFound(`Plan ${params.id} does not exist`)
      return ok()
    }, { role: ROLE_ADMIN, params: t.Object({ id: t.Numeric() }), response: emptyEnvelope, detail: { tags: ['Subscriptions'], summary: 'Delete a plan nobody is subscribed to' } })

  const subscriptions = new Elysia({ name: 'tollgate.subscriptions', prefix: '/api/subscription' })
    .use(authPlugin(dependencies))
    .get('/self', async ({ user }) => {
      const plans = await plansById()
      return ok((await store.subscriptions.forUser(user.id)).map((row) => subscriptionJson(row, plans)))
    }, { role: ROLE_USER, response: envelope(t.Array(t.Record(t.String(), t.Unknown()))), detail: { tags: ['Subscriptions'], summary: 'Own subscriptions with their next renewal' } })
    .get('/', async () => {
      const plans = await plansById()
      return ok((await store.subscriptions.all()).map((row) => subscriptionJson(row, plans)))
    }, { role: ROLE_ADMIN, response: envelope(t.Array(t.Record(t.String(), t.Unknown()))), detail: { tags: ['Subscriptions'], summary: 'Latest 500 subscriptions' } })
    .post('/pay', async ({ body, user }) => {
      const current = settings()
      if (!current.epay) return refused('Online payment is not configured by the administrator')
      const plan = await onSale(body.plan_id)
      if (!plan) return refused('That plan is not on sale')
      const method = current.payMethods.find((candidate) => candidate.type === body.payment_method)
      if (!method) return refused(`Payment method "${String(body.payment_method).slice(0, 32)}" is not offered`)
      const money = moneyFor(plan, current.price, user.group)
      const order = await store.topUps.create({ userId: user.id, amount: 0, money, tradeNo: newTradeNo(user.id), paymentMethod: method.type, paymentProvider: 'epay', status: 'pending', planId: plan.id })
      const form = epayForm(current.epay, current, order, method.type)
      return { message: 'success', data: form.fields, url: form.url }
    }, {
      role: ROLE_USER, body: t.Object({ plan_id: t.Integer(), payment_method: t.String({ maxLength: 32 }) }), response: epayAnswer,
      detail: { tags: ['Subscriptions'], summary: 'Buy a plan through EasyPay (same notify URL as top-ups)' },
    })
    .post('/stripe/pay', async ({ body, user }) => {
      const current = settings()
      if (!current.stripe) return refused('Stripe is not configured by the administrator')
      const plan = await onSale(body.plan_id)
      if (!plan) return refused('That plan is not on sale')
      const money = moneyFor(plan, current.stripe.unitPrice, user.group)
      let session
      try {
        session = await createCheckoutSession(current.stripe, { amount: 0, money, userId: user.id, reference: `USR${user.id}NO${randomAlphanumeric(10)}`, label: plan.name },
          { success: `${current.serverAddress}/wallet?trade_no={CHECKOUT_SESSION_ID}`, cancel: `${current.serverAddress}/wallet` }, current.orderExpireMinutes)
      } catch (error) {
        console.warn(`[payments] Stripe refused a Checkout Session: ${(error as Error).message}`)
        return refused('The payment provider could not start the payment; try again later')
      }
      if (!session.url) return refused('The payment provider gave no payment page')
      await store.topUps.create({ userId: user.id, amount: 0, money, tradeNo: session.id, paymentMethod: 'stripe', paymentProvider: 'stripe', status: 'pending', planId: plan.id })
      return { message: 'success', data: { pay_link: session.url } }
    }, {
      role: ROLE_USER, body: t.Object({ plan_id: t.Integer() }), response: epayAnswer,
      detail: { tags: ['Subscriptions'], summary: 'Buy a plan through Stripe Checkout' },
    })

  return [admin, subscriptions]
}
