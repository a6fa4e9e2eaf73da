import type { Caches } from '../cache/index.ts'
import type { Store } from '../db/store.ts'
import { topUpCreditRow } from './usage-log.ts'

/**
 * The subscription job: at each subscription's grant time, the unused part of the last grant is taken back and a
 * new grant given while the subscription is paid for; past its end it expires. Every node may run it: each step
 * is claimed by a conditional update, so one node does it. A job that was down catches up step by step.
 */
export function createSubscriptionJob(dependencies: { store: Store; caches: Caches; onQuotaChanged?: (kind: 'user' | 'token', id: number, delta: number) => void; log?: (line: string) => void }) {
  const { store, caches } = dependencies
  const log = dependencies.log ?? ((line: string) => console.warn(line))

  /** Run every grant due by `time` (unix seconds; the tests pass a clock of their own). Answers the steps done here. */
  async function runDue(time = Math.floor(Date.now() / 1000)): Promise<number> {
    const quotaPerUnit = caches.options.quotaPerUnit
    const plans = new Map((await store.subscriptions.plans.list()).map((plan) => [plan.id, plan]))
    let steps = 0
    for (const due of await store.subscriptions.due(time)) {
      let expected = Number(due.nextGrantTime)
      while (expected <= time) {
        const step = await store.subscriptions.grantStep(due.id, expected, ({ subscription, user, delta, unused, expired }) => {
          const plan = plans.get(subscription.planId)
          const source = { kind: 'plan' as const, event: expired ? 'expire' as const : 'grant' as const, planId: subscription.planId, plan: plan?.name ?? `#${subscription.planId}`, subscriptionId: subscription.id, unused }
          return expired && unused === 0 ? [] : [topUpCreditRow(user, expired ? -unused : delta + unused, source, quotaPerUnit)]
        })
        if (!step) break
        steps++
        if (step.delta !== 0) dependencies.onQuotaChanged?.('user', step.user.id, step.delta)
        await caches.invalidate({ kind: 'users', id: step.user.id })
        if (step.expired) break
        expected = Number(step.subscription.nextGrantTime)
      }
    }
    return steps
  }

  let timer: ReturnType<typeof setInterval> | undefined
  return {
    runDue,
    start(everySeconds = 60) {
      timer = setInterval(() => { runDue().catch((error: Error) => log(`[subscriptions] renewal failed: ${error.message}`)) }, everySeconds * 1000)
      timer.unref?.()
    },
    stop() { if (timer) clearInterval(timer) },
  }
}
