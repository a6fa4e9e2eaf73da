import type { TaskRow } from '../../db/store.ts'
import { taskProperties } from '../task-updates.ts'

/** The task as new-api's `TaskDto` shows it: what billing and routing kept in `properties` stays out. */
export function sunoTaskDto(task: TaskRow) {
  const { billing: _billing, upstream_task_id: _upstream, ...properties } = taskProperties(task)
  let data: unknown = null
  try { data = task.data ? JSON.parse(task.data) : null } catch { /* unreadable payload: null */ }
  return {
    id: task.id, created_at: task.submitTime, updated_at: Math.max(task.submitTime, task.startTime, task.finishTime), task_id: task.taskId,
    platform: task.platform, user_id: task.userId, channel_id: task.channelId, quota: task.quota, action: task.action, status: task.status,
    fail_reason: task.failReason, submit_time: task.submitTime, start_time: task.startTime, finish_time: task.finishTime, progress: task.progress,
    properties, data,
  }
}
