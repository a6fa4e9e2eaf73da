import type { TaskBilling, TaskBillingInfo } from '../billing/task-billing.ts'
import type { NewTask, PendingTask, Store } from '../db/store.ts'
import type { TaskAdaptor, UpstreamTaskState } from './types.ts'

/** Every status a task may still leave ('' for rows written before a status was known). */
export const unfinishedStatuses = ['', 'NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'UNKNOWN']

/** What a stored task's `properties` hold besides the request's own fields. */
export interface TaskProperties {
  upstream_task_id?: string
  billing?: TaskBillingInfo
  origin_task_id?: string
  [field: string]: unknown
}

export function taskProperties(task: Pick<PendingTask, 'properties'>): TaskProperties {
  try {
    const parsed = JSON.parse(task.properties || '{}')
    return parsed && typeof parsed === 'object' ? parsed : {}
  } catch {
    return {}
  }
}

const unixNow = () => Math.floor(Date.now() / 1000)

/**
 * Moving a stored task on from what its upstream reports (the poller, a notify hook) or from a local verdict
 * (timeout, garbage): one conditional update per change, so of two nodes (or a poll and a hook) seeing the same
 * FAILURE exactly one wins the row and refunds it.
 */
export function createTaskUpdater(dependencies: { tasks: Store['tasks']; billing: TaskBilling; adaptors?: readonly TaskAdaptor[]; log?: (line: string) => void }) {
  const { tasks, billing } = dependencies
  const adaptorOf = new Map((dependencies.adaptors ?? []).map((adaptor) => [adaptor.platform, adaptor]))

  /**
   * A task priced per unit that finished with other units than it was charged for (a video longer or shorter than
   * asked): the difference is charged or refunded now, and the task's quota becomes what it cost.
   */
  async function settleUnits(task: PendingTask, state: UpstreamTaskState) {
    const unitsOf = adaptorOf.get(task.platform)?.unitsOf
    const billingInfo = taskProperties(task).billing
    if (!unitsOf || !billingInfo || task.quota <= 0) return
    const units = unitsOf(state)
    const charged = billingInfo.units ?? 1
    if (units === undefined || !(units > 0) || units === charged) return
    const delta = Math.round((task.quota / charged) * units) - task.quota
    if (delta === 0) return
    await tasks.update(task.id, { quota: task.quota + delta })
    billing.adjust(task, billingInfo, delta, `${units} units delivered, ${charged} charged`)
  }
  const log = dependencies.log ?? ((line: string) => console.warn(line))

  async function finishFailed(task: PendingTask, changes: Partial<NewTask>, reason: string): Promise<boolean> {
    const won = await tasks.updateIfStatus(task.id, unfinishedStatuses, { ...changes, status: 'FAILURE', failReason: changes.failReason || reason, finishTime: changes.finishTime || unixNow(), progress: changes.progress || '100%' })
    if (!won) return false
    const billingInfo = taskProperties(task).billing
    if (billingInfo) billing.refund(won, billingInfo, reason)
    else if (task.quota > 0) log(`[tasks] task ${task.taskId} failed but holds no billing record; nothing refunded`)
    return true
  }

  return {
    /**
     * Apply an upstream state; true when the row changed. A state with the stored status, progress and failure
     * reason is no change (its payload is not even serialised: polls of unchanged tasks cost next to nothing); any
     * move rewrites the payload with it.
     */
    async apply(task: PendingTask, state: UpstreamTaskState): Promise<boolean> {
      if (state.status === task.status && state.progress === task.progress && state.failReason === task.failReason) return false
      const data = JSON.stringify(state.data)
      const finished = state.status === 'SUCCESS' || state.status === 'FAILURE'
      const changes: Partial<NewTask> = {
        status: state.status, progress: finished && state.status === 'SUCCESS' ? '100%' : state.progress, failReason: state.failReason, data,
        startTime: state.startTime ?? (task.startTime || (state.status === 'IN_PROGRESS' || finished ? unixNow() : 0)),
        finishTime: finished ? state.finishTime ?? unixNow() : 0,
      }
      if (state.status === 'FAILURE') return finishFailed(task, changes, state.failReason || 'upstream reported FAILURE')
      const won = await tasks.updateIfStatus(task.id, unfinishedStatuses, changes)
      // Only the node that moved the task to SUCCESS settles its adjustment: once.
      if (won && state.status === 'SUCCESS') await settleUnits(task, state)
      return won !== undefined
    },
    /** Fail a task locally (timed out, no upstream id, unreadable upstream) and refund it. */
    fail: (task: PendingTask, reason: string) => finishFailed(task, { failReason: reason }, reason),
  }
}

export type TaskUpdater = ReturnType<typeof createTaskUpdater>
