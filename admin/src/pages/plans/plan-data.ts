/** Subscription plans: what the Wallet and the admin's Plans page read and change. */
import { action, query } from '@solidjs/router'
import { api, requestEnvelope } from '../../lib/api.ts'
import { postSignedForm } from '../wallet/wallet-data.ts'

export interface Plan {
  id: number
  name: string
  description: string
  price: number
  period_days: number
  grant_every: 'period' | 'day'
  quota: number
  status: 1 | 2
  epay_money?: number
  stripe_money?: number
}

export interface Subscription {
  id: number
  plan_id: number
  plan_name: string
  status: 'active' | 'expired'
  start_time: number
  end_time: number
  grant_quota: number
  current_grant: number
  next_renewal: number
}

export const getPlans = query(() => api.get<Plan[]>('/api/plan/'), 'plans')
export const getAvailablePlans = query(() => api.get<Plan[]>('/api/plan/available'), 'plans-available')
export const getOwnSubscriptions = query(() => api.get<Subscription[]>('/api/subscription/self'), 'own-subscriptions')

export const savePlan = action(async (plan: Partial<Plan> & { id?: number }) => {
  if (plan.id) await api.put('/api/plan/', plan)
  else await api.post('/api/plan/', plan)
}, 'plan-save')

export const deletePlan = action(async (id: number) => {
  await api.delete(`/api/plan/${id}`)
}, 'plan-delete')

/** Buy through EasyPay (the signed form is posted to the gateway) or Stripe (its Checkout page). */
export async function buyPlan(planId: number, method: string): Promise<void> {
  if (method === 'stripe') {
    const answer = await requestEnvelope<{ pay_link?: string } | string>('POST', '/api/subscription/stripe/pay', { body: { plan_id: planId } })
    if (answer.message !== 'success' || typeof answer.data !== 'object' || !answer.data.pay_link) throw new Error(String(answer.data))
    location.assign(answer.data.pay_link)
    return
  }
  const answer = await requestEnvelope<Record<string, string> | string>('POST', '/api/subscription/pay', { body: { plan_id: planId, payment_method: method } })
  if (answer.message !== 'success' || typeof answer.data !== 'object' || typeof answer.url !== 'string') throw new Error(String(answer.data))
  postSignedForm(answer.url, answer.data)
}
