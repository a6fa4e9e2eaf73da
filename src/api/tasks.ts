import { Elysia, t } from 'elysia'
import type { TaskFilter, TaskRow } from '../db/store.ts'
import { midjourneyDto } from '../tasks/midjourney/midjourney-dto.ts'
import { sunoTaskDto } from '../tasks/suno/suno-dto.ts'
import { authPlugin, envelope, ok, pageOf, PageQuery, readPage, ROLE_ADMIN, ROLE_USER, type ApiDependencies } from './context.ts'

const Item = t.Record(t.String(), t.Unknown())

const MidjourneyQuery = t.Object({ ...PageQuery, channel_id: t.Optional(t.Numeric()), mj_id: t.Optional(t.String()), start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()) })
const TaskQuery = t.Object({
  ...PageQuery, channel_id: t.Optional(t.Numeric()), task_id: t.Optional(t.String()), status: t.Optional(t.String()), action: t.Optional(t.String()),
  platform: t.Optional(t.String()), start_timestamp: t.Optional(t.Numeric()), end_timestamp: t.Optional(t.Numeric()),
})

/**
 * The task lists of new-api's console: `/api/mj/*` (Midjourney rows in its `midjourneys` shape) and `/api/task/*`
 * (other platforms, `TaskDto`), each for the signed-in user (`/self`) and for administrators (all users, by channel).
 * new-api filters Midjourney timestamps in milliseconds; they are accepted in either unit.
 */
export function taskRoutes(dependencies: ApiDependencies) {
  const { store, caches } = dependencies
  const seconds = (value?: number) => (value ? (value > 1e11 ? Math.floor(value / 1000) : value) : undefined)
  const forward = () => ({ serverAddress: (caches.options.raw.ServerAddress ?? '').replace(/\/+$/, ''), enabled: (caches.options.raw.MjForwardUrlEnabled ?? 'true') === 'true' })

  function midjourneyRow(task: TaskRow, admin: boolean) {
    const dto = midjourneyDto(task, forward())
    return {
      id: task.id, user_id: task.userId, action: dto.action, mj_id: dto.id, prompt: dto.prompt, prompt_en: dto.promptEn, description: dto.description,
      state: dto.state, submit_time: dto.submitTime, start_time: dto.startTime, finish_time: dto.finishTime, image_url: dto.imageUrl,
      video_url: dto.videoUrl, video_urls: JSON.stringify(dto.videoUrls), status: dto.status, progress: dto.progress, fail_reason: dto.failReason,
      channel_id: admin ? task.channelId : 0, quota: task.quota, buttons: JSON.stringify(dto.buttons), properties: JSON.stringify(dto.properties),
    }
  }

  const midjourneyFilter = (query: { channel_id?: number; mj_id?: string; start_timestamp?: number; end_timestamp?: number }, admin: boolean): TaskFilter => ({
    platform: 'mj', channelId: admin ? query.channel_id || undefined : undefined, taskId: query.mj_id || undefined,
    startTimestamp: seconds(query.start_timestamp), endTimestamp: seconds(query.end_timestamp),
  })
  const taskFilter = (query: { channel_id?: number; task_id?: string; status?: string; action?: string; platform?: string; start_timestamp?: number; end_timestamp?: number }, admin: boolean): TaskFilter => ({
    ...(query.platform ? { platform: query.platform } : { excludePlatform: 'mj' }), channelId: admin ? query.channel_id || undefined : undefined, taskId: query.task_id || undefined,
    status: query.status || undefined, action: query.action || undefined, startTimestamp: seconds(query.start_timestamp), endTimestamp: seconds(query.end_timestamp),
  })

  async function list<Q>(query: Q & { p?: number; page_size?: number }, filter: TaskFilter, shape: (task: TaskRow) => Record<string, unknown>) {
    const page = readPage(query)
    const result = await store.tasks.list(filter, page)
    return ok({ items: result.items.map(shape), total: result.total, page: page.page, page_size: page.pageSize })
  }

  return new Elysia({ name: 'tollgate.tasks-api', prefix: '/api' })
    .use(authPlugin(dependencies))
    .get('/mj/', ({ query }) => list(query, midjourneyFilter(query, true), (task) => midjourneyRow(task, true)), {
      role: ROLE_ADMIN, query: MidjourneyQuery, response: envelope(pageOf(Item)), detail: { tags: ['Logs'], summary: 'All Midjourney tasks, newest first' },
    })
    .get('/mj/self', ({ query, user }) => list(query, { ...midjourneyFilter(query, false), userId: user.id }, (task) => midjourneyRow(task, false)), {
      role: ROLE_USER, query: MidjourneyQuery, response: envelope(pageOf(Item)), detail: { tags: ['Logs'], summary: 'Own Midjourney tasks' },
    })
    .get('/task/', ({ query }) => list(query, taskFilter(query, true), sunoTaskDto), {
      role: ROLE_ADMIN, query: TaskQuery, response: envelope(pageOf(Item)), detail: { tags: ['Logs'], summary: 'All asynchronous tasks but Midjourney\'s (Suno, video), newest first' },
    })
    .get('/task/self', ({ query, user }) => list(query, { ...taskFilter(query, false), userId: user.id }, (task) => ({ ...sunoTaskDto(task), channel_id: 0 })), {
      role: ROLE_USER, query: TaskQuery, response: envelope(pageOf(Item)), detail: { tags: ['Logs'], summary: 'Own asynchronous tasks' },
    })
}
