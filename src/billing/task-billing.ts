import type { PendingTask, TaskRow } from '../db/store.ts'
import type { Ledger, Reservation } from './ledger.ts'
import { taskAdjustmentRecord, taskRefundRecord } from './usage-log.ts'
import type { UsageRecord, UsageWriter } from './usage-writer.ts'

/** Who a stored task bills: kept in its `properties` at submit, so a refund days later credits the same token. */
export interface TaskBillingInfo {
  user_id: number
  username: string
  token_id: number
  token_name: string
  group: string
  model_name: string
  /** Units charged at submit (seconds of video); 1 for per-call tasks. */
  units?: number
}

/**
 * Money movements of asynchronous tasks, through the same ledger and batched writer as chat: a charge when the
 * upstream accepts a submit, a refund when the task fails. Both are one ledger step plus one writer record, so the
 * books balance to the unit (consumed − refunded = used quota).
 */
export function createTaskBilling(dependencies: { ledger: Ledger; writer: UsageWriter }) {
  const { ledger, writer } = dependencies
  return {
    /** Replace the reservation by the task's price and queue its consume row. */
    charge(reservation: Reservation, record: UsageRecord) {
      ledger.settle(reservation, record.spent)
      writer.record(record)
    },
    /** Give the reservation back (the submit was refused, or the action is free); nothing once it was charged. */
    release(reservation: Reservation) {
      ledger.settle(reservation, 0)
    },
    /**
     * Return a charged task's quota (call once: the caller won the FAILURE transition with updateIfStatus). The
     * ledger first credits the pending books (a settle of a reservation of `quota` to 0), then the writer's negative
     * spend moves the persisted quota back at the next flush.
     */
    refund(task: TaskRow | PendingTask, billing: TaskBillingInfo, reason: string) {
      if (task.quota <= 0) return
      ledger.settle({ userId: billing.user_id, tokenId: billing.token_id, unlimitedToken: true, amount: task.quota, settled: false }, 0)
      writer.record(taskRefundRecord({ ...holderOf(billing), channelId: task.channelId, modelName: billing.model_name, quota: task.quota, taskId: task.taskId, platform: task.platform, reason }))
    },
    /**
     * Settle a finished task's cost against its charge: `delta` more (a consume row) or less (a refund row). A
     * surcharge is taken without a reservation, as new-api does: the work is done and delivered.
     */
    adjust(task: TaskRow | PendingTask, billing: TaskBillingInfo, delta: number, reason: string) {
      if (delta === 0) return
      const refund = delta < 0
      ledger.settle({ userId: billing.user_id, tokenId: billing.token_id, unlimitedToken: true, amount: refund ? -delta : 0, settled: false }, refund ? 0 : delta)
      const row = { ...holderOf(billing), channelId: task.channelId, modelName: billing.model_name, taskId: task.taskId, platform: task.platform, reason }
      writer.record(refund ? taskRefundRecord({ ...row, quota: -delta }) : taskAdjustmentRecord({ ...row, quota: delta }))
    },
  }
}

const holderOf = (billing: TaskBillingInfo) => ({ userId: billing.user_id, username: billing.username, tokenId: billing.token_id, tokenName: billing.token_name, group: billing.group })

export type TaskBilling = ReturnType<typeof createTaskBilling>
