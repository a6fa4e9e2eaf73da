import type { Caches } from '../cache/index.ts'
import type { CompleteResult, RedeemResult, Store, TopUpRow, TopUpStatus, UserRow } from '../db/store.ts'
import { readNoticeSettings } from './low-balance.ts'
import { topUpCreditRow } from './usage-log.ts'

/**
 * Every credit of quota goes through here: redemption codes, paid orders (EasyPay, Stripe, an admin's manual
 * completion) and invitation rewards. Each credit is one database transaction with its type-1 log row; afterwards
 * the shared quota counters learn the delta and every node reloads the user.
 */
export interface TopUpDependencies {
  store: Store
  caches: Caches
  /** The user's persisted quota moved by `delta` (the Redis ledger's counters follow). */
  onQuotaChanged?: (kind: 'user' | 'token', id: number, delta: number) => void
}

export type TopUps = ReturnType<typeof createTopUps>

/** Quota an order credits: its amount in USD units × QuotaPerUnit. */
export const orderQuota = (order: Pick<TopUpRow, 'amount'>, quotaPerUnit: number) => Math.round(order.amount * quotaPerUnit)

export function createTopUps(dependencies: TopUpDependencies) {
  const { store, caches } = dependencies

  async function credited(user: UserRow, quota: number) {
    dependencies.onQuotaChanged?.('user', user.id, quota)
    // Above the low-balance threshold again: the next crossing sends a notice (src/billing/low-balance.ts).
    const notice = user.quotaNoticeSent ? readNoticeSettings(user.setting) : undefined
    if (notice) await store.quotaNotices.rearm(user.id, notice.threshold)
    await caches.invalidate({ kind: 'users', id: user.id })
  }

  return {
    /** Redeem a (normalised) code for `userId`; exactly once however many nodes race. */
    async redeem(key: string, userId: number): Promise<RedeemResult> {
      const quotaPerUnit = caches.options.quotaPerUnit
      const result = await store.redemptions.redeem(key, userId, ({ quota, redemption, user }) =>
        topUpCreditRow(user, quota, { kind: 'redemption', redemptionId: redemption.id, name: redemption.name }, quotaPerUnit))
      if (result.redeemed) await credited(result.user, result.quota)
      return result
    },

    /**
     * Complete an order and credit it, once. `provider` restricts it to that provider's orders (a callback);
     * a manual completion by an admin passes none and may also complete an expired order (a late payment), as may
     * a provider that itself refuses payments after its own expiry (`acceptExpired`, Stripe).
     */
    async completeOrder(tradeNo: string, options: { provider?: string; paymentMethod?: string; manual?: boolean; acceptExpired?: boolean } = {}): Promise<CompleteResult> {
      const quotaPerUnit = caches.options.quotaPerUnit
      const from: TopUpStatus[] = options.manual || options.acceptExpired ? ['pending', 'expired'] : ['pending']
      // A plan order starts (or extends) a subscription instead of crediting its amount; the plan is read first.
      const planId = (await store.topUps.getByTradeNo(tradeNo))?.planId ?? 0
      const plan = planId ? await store.subscriptions.plans.get(planId) : undefined
      if (planId && !plan) throw new Error(`Order ${tradeNo} buys plan ${planId}, which no longer exists`)
      const result = await store.topUps.complete(tradeNo, {
        provider: options.provider, paymentMethod: options.paymentMethod, from,
        quotaFor: (order) => (order.planId ? 0 : orderQuota(order, quotaPerUnit)),
        logRow: ({ order, quota, user }) => topUpCreditRow(user, quota, {
          kind: 'order', tradeNo: order.tradeNo, provider: order.paymentProvider, paymentMethod: order.paymentMethod, amount: order.amount,
          money: order.money, manual: options.manual ?? false, plan: plan?.name,
        }, quotaPerUnit),
        also: plan ? (tx, order) => store.subscriptions.activateIn(tx, order.userId, plan, (user, granted, subscriptionId) =>
          topUpCreditRow(user, granted, { kind: 'plan', event: 'grant', planId: plan.id, plan: plan.name, subscriptionId, unused: 0 }, quotaPerUnit)) : undefined,
      })
      if (result.completed) await credited(result.user, result.quota)
      return result
    },

    /**
     * A new user registered with an invitation code: QuotaForInvitee to them now, QuotaForInviter to the inviter's
     * invitation rewards (moved into the balance by the inviter with `transferInvitationRewards`). An unknown
     * code, or the user's own, is ignored: registration does not fail over it.
     */
    async acceptInvitation(invitee: UserRow, code: string): Promise<boolean> {
      const inviter = code ? await store.invitations.byCode(code) : undefined
      if (!inviter || inviter.id === invitee.id) return false
      const options = caches.options
      const inviteeReward = Math.max(0, Math.floor(Number(options.raw.QuotaForInvitee) || 0))
      const inviterReward = Math.max(0, Math.floor(Number(options.raw.QuotaForInviter) || 0))
      const logRows = inviteeReward > 0 ? [topUpCreditRow(invitee, inviteeReward, { kind: 'invitation', detail: 'invitee_reward' }, options.quotaPerUnit)] : []
      const joined = await store.invitations.join({ inviteeId: invitee.id, inviterId: inviter.id, inviteeReward, inviterReward, logRows })
      if (!joined) return false
      await credited(joined, inviteeReward)
      await caches.invalidate({ kind: 'users', id: inviter.id })
      return true
    },

    /** Move invitation rewards into the balance; undefined when fewer wait than asked for. */
    async transferInvitationRewards(user: UserRow, quota: number): Promise<UserRow | undefined> {
      const quotaPerUnit = caches.options.quotaPerUnit
      const updated = await store.invitations.transfer(user.id, quota, (row) => topUpCreditRow(row, quota, { kind: 'invitation', detail: 'aff_transfer' }, quotaPerUnit))
      if (updated) await credited(updated, quota)
      return updated
    },
  }
}
