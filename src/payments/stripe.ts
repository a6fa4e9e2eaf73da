import type Stripe from 'stripe'
import type { TopUpRow } from '../db/store.ts'
import type { PaymentSettings } from './settings.ts'

/**
 * Stripe Checkout with the official SDK: a Checkout Session per order (its id is the order number, so a webhook is
 * idempotent by session id), and webhooks verified with the signing secret. STRIPE_API_BASE points the SDK
 * elsewhere (a local mock in tests).
 */

export type StripeSettings = NonNullable<PaymentSettings['stripe']>

// The SDK is loaded on first use: a gateway that sells nothing through Stripe does not pay its memory.
let sdk: Promise<typeof Stripe> | undefined
const loadSdk = () => (sdk ??= import('stripe').then((module) => module.default))
const clients = new Map<string, Stripe>()

/** One client per key and base (options change rarely; a client holds no connection of its own). */
export async function stripeClient(settings: StripeSettings): Promise<Stripe> {
  const cacheKey = `${settings.apiBase ?? ''}\n${settings.secretKey}`
  let client = clients.get(cacheKey)
  if (!client) {
    const Stripe = await loadSdk()
    const base = settings.apiBase ? new URL(settings.apiBase) : undefined
    client = new Stripe(settings.secretKey, {
      httpClient: Stripe.createFetchHttpClient(), maxNetworkRetries: 1, timeout: 20_000, telemetry: false,
      ...(base ? { host: base.hostname, port: base.port || (base.protocol === 'https:' ? 443 : 80), protocol: base.protocol === 'https:' ? 'https' : 'http' } : {}),
    })
    if (clients.size > 8) clients.clear()
    clients.set(cacheKey, client)
  }
  return client
}

/** Stripe amounts are in the currency's minor unit (cents for usd). */
export const minorUnits = (money: number) => Math.round(money * 100)

export async function createCheckoutSession(settings: StripeSettings, order: { amount: number; money: number; userId: number; reference: string; label?: string }, urls: { success: string; cancel: string }, expiresInMinutes: number) {
  // Stripe accepts an expiry between 30 minutes and 24 hours from now.
  const minutes = Math.min(24 * 60, Math.max(30, expiresInMinutes))
  return (await stripeClient(settings)).checkout.sessions.create({
    mode: 'payment',
    line_items: [{ quantity: 1, price_data: { currency: settings.currency, unit_amount: minorUnits(order.money), product_data: { name: order.label ?? `TUC${order.amount}` } } }],
    client_reference_id: order.reference,
    metadata: { user_id: String(order.userId), amount: String(order.amount) },
    success_url: urls.success,
    cancel_url: urls.cancel,
    expires_at: Math.floor(Date.now() / 1000) + minutes * 60,
  })
}

/** A verified event, or why the payload was refused. */
export async function verifyStripeWebhook(settings: StripeSettings, body: string, signature: string | null): Promise<{ event: Stripe.Event } | { reason: string }> {
  if (!signature) return { reason: 'no Stripe-Signature header' }
  try {
    return { event: await (await stripeClient(settings)).webhooks.constructEventAsync(body, signature, settings.webhookSecret) }
  } catch (error) {
    return { reason: `bad signature (${(error as Error).message.slice(0, 120)})` }
  }
}

export type StripeVerdict =
  | { action: 'credit'; tradeNo: string }
  | { action: 'expire'; tradeNo: string }
  | { action: 'ignore' }
  | { action: 'refuse'; reason: string; tradeNo?: string; userId?: number }

/** What a verified event asks for, checked against our order (provider, amount, currency, paid). */
export function judgeStripeEvent(event: Stripe.Event, settings: StripeSettings, order: TopUpRow | undefined): StripeVerdict {
  if (event.type !== 'checkout.session.completed' && event.type !== 'checkout.session.async_payment_succeeded' && event.type !== 'checkout.session.expired') return { action: 'ignore' }
  const session = event.data.object as Stripe.Checkout.Session
  if (!order) return { action: 'refuse', reason: 'unknown checkout session', tradeNo: session.id }
  if (order.paymentProvider !== 'stripe') return { action: 'refuse', reason: `order belongs to ${order.paymentProvider || 'another provider'}`, tradeNo: session.id, userId: order.userId }
  if (event.type === 'checkout.session.expired') return { action: 'expire', tradeNo: session.id }
  if (session.payment_status !== 'paid') return { action: 'ignore' }
  if (session.amount_total !== minorUnits(order.money) || session.currency?.toLowerCase() !== settings.currency) {
    return { action: 'refuse', reason: `paid ${session.amount_total} ${session.currency}, the order is ${minorUnits(order.money)} ${settings.currency}`, tradeNo: session.id, userId: order.userId }
  }
  return { action: 'credit', tradeNo: session.id }
}
