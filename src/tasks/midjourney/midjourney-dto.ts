import type { TaskRow } from '../../db/store.ts'
import { taskProperties } from '../task-updates.ts'

/** The proxy's task DTO as new-api answers it, built from the stored row and the last upstream payload. */
export function midjourneyDto(task: TaskRow, forward: { serverAddress: string; enabled: boolean }) {
  let data: Record<string, any> = {}
  try { data = task.data ? JSON.parse(task.data) : {} } catch { /* an unreadable payload shows as empty */ }
  const properties = taskProperties(task)
  let imageUrl: string = typeof data.imageUrl === 'string' ? data.imageUrl : ''
  // MjForwardUrlEnabled: the client sees this gateway's image route, never the proxy's (or Discord's) address.
  if (imageUrl && forward.enabled) {
    imageUrl = `${forward.serverAddress}/mj/image/${task.taskId}`
    if (task.status !== 'SUCCESS') imageUrl += `?rand=${Date.now()}`
  }
  return {
    id: task.taskId,
    action: task.action,
    customId: data.customId ?? '',
    botType: data.botType ?? '',
    prompt: (properties.prompt as string | undefined) ?? data.prompt ?? '',
    promptEn: data.promptEn ?? '',
    description: data.description ?? '',
    state: data.state ?? '',
    submitTime: task.submitTime * 1000,
    startTime: task.startTime * 1000,
    finishTime: task.finishTime * 1000,
    imageUrl,
    videoUrl: data.videoUrl ?? '',
    videoUrls: Array.isArray(data.videoUrls) ? data.videoUrls : [],
    status: task.status === 'IN_PROGRESS' && data.status === 'MODAL' ? 'MODAL' : task.status,
    progress: task.progress,
    failReason: task.failReason,
    buttons: Array.isArray(data.buttons) ? data.buttons : [],
    maskBase64: data.maskBase64 ?? '',
    properties: data.properties && typeof data.properties === 'object' ? data.properties : {},
  }
}
