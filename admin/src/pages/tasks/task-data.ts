/** What the task pages read: one page of Midjourney or Suno tasks, the user's own or (admins) everyone's. */
import { query } from '@solidjs/router'
import { api, toPage, type Page } from '../../lib/api.ts'
import type { Token } from '../../lib/types.ts'
import { fetchFullKey } from '../tokens/token-data.ts'

export interface MidjourneyTask {
  id: number
  mj_id: string
  action: string
  prompt: string
  submit_time: number
  finish_time: number
  image_url: string
  status: string
  progress: string
  fail_reason: string
  channel_id: number
  quota: number
  buttons: string
}

/** A task of `/api/task/*` (new-api's TaskDto): Suno songs and lyrics, videos. */
export interface PlatformTask {
  id: number
  task_id: string
  action: string
  status: string
  progress: string
  fail_reason: string
  submit_time: number
  channel_id: number
  quota: number
  properties: { prompt?: string; title?: string; model?: string; seconds?: number; size?: string }
  data: { id?: string; audio_url?: string; title?: string }[] | null
}

export interface TaskFilters { status: string; taskId: string }

export const getMidjourneyTasks = query(async (parameters: { admin: boolean; page: number; pageSize: number; filters: TaskFilters }): Promise<Page<MidjourneyTask>> => {
  const data = await api.get<Page<MidjourneyTask>>(parameters.admin ? '/api/mj/' : '/api/mj/self', { mj_id: parameters.filters.taskId.trim(), p: parameters.page, page_size: parameters.pageSize })
  return toPage(data, parameters.page, parameters.pageSize)
}, 'mj-tasks')

export const getPlatformTasks = query(async (parameters: { platform: 'suno' | 'video'; admin: boolean; page: number; pageSize: number; filters: TaskFilters }): Promise<Page<PlatformTask>> => {
  const data = await api.get<Page<PlatformTask>>(parameters.admin ? '/api/task/' : '/api/task/self', { platform: parameters.platform, status: parameters.filters.status, task_id: parameters.filters.taskId.trim(), p: parameters.page, page_size: parameters.pageSize })
  return toPage(data, parameters.page, parameters.pageSize)
}, 'platform-tasks')

/** The signed-in user's enabled keys: a follow-up action is billed to the one picked. */
export const getActionTokens = query(async () => toPage(await api.get<Page<Token>>('/api/token/', { p: 1, page_size: 100, size: 100 })).items.filter((token) => token.status === 1), 'task-action-tokens')

/**
 * A Midjourney follow-up (a button's customId) submitted through the relay with the picked key, as a client would:
 * the key is fetched for this call only and never kept. Answers the new task's id, or the proxy's refusal.
 */
export async function submitMidjourneyAction(tokenId: number, taskId: string, customId: string): Promise<{ ok: true; id: string } | { ok: false; message: string }> {
  const key = await fetchFullKey(tokenId)
  const response = await fetch('/mj/submit/action', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ taskId, customId }) })
  const body = (await response.json().catch(() => ({}))) as { code?: number; result?: string; description?: string }
  return response.ok && body.code === 1 && body.result ? { ok: true, id: body.result } : { ok: false, message: body.description || `HTTP ${response.status}` }
}
