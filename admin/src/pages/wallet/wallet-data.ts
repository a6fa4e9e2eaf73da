/** What the Wallet page reads (queries) and does (actions: redeem, pay). */
import { action, query } from '@solidjs/router'
import { api, requestEnvelope, toPage, type Page } from '../../lib/api.ts'
import { loadSelf } from '../../lib/session.ts'

export interface PayMethod { name: string; type: string; color?: string; min_topup?: number }

export interface TopUpInfo {
  enable_online_topup: boolean
  enable_stripe_topup: boolean
  stripe_min_topup: number
  stripe_unit_price: number
  enable_redemption: boolean
  pay_methods: PayMethod[]
  min_topup: number
  price: number
  amount_options: number[]
  discount: Record<string, number>
  topup_link: string
  order_expire_minutes: number
}

export interface TopUpOrder {
  id: number
  user_id: number
  amount: number
  money: number
  trade_no: string
  payment_method: string
  payment_provider: string
  create_time: number
  complete_time: number
  status: 'pending' | 'success' | 'failed' | 'expired'
}

export const getTopUpInfo = query(() => api.get<TopUpInfo>('/api/user/topup/info'), 'topup-info')

export const getOwnTopUps = query(async (page: number, pageSize: number): Promise<Page<TopUpOrder>> =>
  toPage(await api.get<Page<TopUpOrder>>('/api/user/topup/self', { p: page, page_size: pageSize }), page, pageSize), 'own-topups')

/** The money to pay for `amount` (new-api's epay answer: `{message: "success"|"error", data}`). */
export async function previewPrice(amount: number): Promise<{ ok: true; money: string } | { ok: false; reason: string }> {
  const answer = await requestEnvelope<string>('POST', '/api/user/amount', { body: { amount } })
  return answer.message === 'success' ? { ok: true, money: String(answer.data) } : { ok: false, reason: String(answer.data) }
}

export const redeemCode = action(async (key: string) => {
  const quota = await api.post<number>('/api/user/topup', { key })
  await loadSelf()
  return quota
}, 'redeem-code')

/**
 * Create the order, then send the browser to the gateway with the signed form (a real form POST: the gateway
 * shows its own pay page and sends the payer back to the Wallet).
 */
export async function payOnline(amount: number, paymentMethod: string): Promise<void> {
  const answer = await requestEnvelope<Record<string, string> | string>('POST', '/api/user/pay', { body: { amount, payment_method: paymentMethod } })
  if (answer.message !== 'success' || typeof answer.data !== 'object' || typeof answer.url !== 'string') throw new Error(String(answer.data))
  postSignedForm(answer.url, answer.data)
}

/** Send the browser to a payment gateway with its signed form, as a real form POST. */
export function postSignedForm(url: string, fields: Record<string, string>): void {
  const form = document.createElement('form')
  form.method = 'POST'
  form.action = url
  for (const [name, value] of Object.entries(fields)) {
    const input = document.createElement('input')
    input.type = 'hidden'
    input.name = name
    input.value = value
    form.append(input)
  }
  document.body.append(form)
  form.submit()
}

/** Own invitation code (the server makes one on first ask). */
export const getInvitationCode = query(() => api.get<string>('/api/user/aff'), 'invitation-code')

export const transferInvitationRewards = action(async (quota: number) => {
  await api.post('/api/user/aff_transfer', { quota })
  await loadSelf()
}, 'invitation-transfer')

/** The money Stripe would charge for `amount` (StripeUnitPrice). */
export async function previewStripePrice(amount: number): Promise<{ ok: true; money: string } | { ok: false; reason: string }> {
  const answer = await requestEnvelope<string>('POST', '/api/user/stripe/amount', { body: { amount } })
  return answer.message === 'success' ? { ok: true, money: String(answer.data) } : { ok: false, reason: String(answer.data) }
}

/** Create a Stripe Checkout Session and go to its page; Stripe sends the payer back to the Wallet. */
export async function payWithStripe(amount: number): Promise<void> {
  const answer = await requestEnvelope<{ pay_link?: string } | string>('POST', '/api/user/stripe/pay', { body: { amount, payment_method: 'stripe' } })
  if (answer.message !== 'success' || typeof answer.data !== 'object' || !answer.data.pay_link) throw new Error(String(answer.data))
  location.assign(answer.data.pay_link)
}

/** Own low-balance notice: threshold (quota units) and a signed webhook or an e-mail (PUT /api/user/setting). */
export const saveLowBalanceNotice = action(async (notice: { threshold: number; by: 'webhook' | 'email'; webhookUrl: string; webhookSecret: string; email: string }) => {
  await api.put('/api/user/setting', notice.by === 'email'
    ? { notify_type: notice.threshold > 0 ? 'email' : 'none', quota_warning_threshold: notice.threshold, notification_email: notice.email }
    : {
      notify_type: notice.threshold > 0 ? 'webhook' : 'none', quota_warning_threshold: notice.threshold, webhook_url: notice.webhookUrl,
      ...(notice.webhookSecret ? { webhook_secret: notice.webhookSecret } : {}),
    })
  await loadSelf()
}, 'low-balance-notice')
