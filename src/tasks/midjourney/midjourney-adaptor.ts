import type { Caches } from '../../cache/index.ts'
import type { TaskStatus } from '../../db/store.ts'
import type { SecretBox } from '../../security/crypto.ts'
import type { SubmitOutcome, TaskAdaptor, TaskChannel, TaskSubmission, UpstreamTaskState } from '../types.ts'
import { notifyPath } from './midjourney-notify.ts'

/** A Midjourney-Proxy submit answer: `result` is the proxy's task id. */
interface SubmitAnswer { code?: number; description?: string; properties?: Record<string, unknown>; result?: unknown }

/** The proxy's statuses, as the tasks table keeps them (a cancelled task failed; one waiting for its modal runs). */
export function mapMidjourneyStatus(status: unknown): TaskStatus {
  switch (status) {
    case 'NOT_START': case 'SUBMITTED': case 'IN_PROGRESS': case 'FAILURE': case 'SUCCESS': return status
    case 'MODAL': return 'IN_PROGRESS'
    case 'CANCEL': return 'FAILURE'
    default: return 'UNKNOWN'
  }
}

const seconds = (milliseconds: unknown) => (typeof milliseconds === 'number' && milliseconds > 0 ? Math.floor(milliseconds / 1000) : undefined)

/** One task DTO of the proxy (`/mj/task/{id}/fetch`, list-by-condition, the notify hook) as our state. */
export function readMidjourneyTask(dto: Record<string, unknown>): UpstreamTaskState | undefined {
  if (typeof dto.id !== 'string' || !dto.id) return undefined
  const status = mapMidjourneyStatus(dto.status)
  return {
    upstreamTaskId: dto.id, status, progress: typeof dto.progress === 'string' ? dto.progress : status === 'SUCCESS' ? '100%' : '0%',
    failReason: typeof dto.failReason === 'string' ? dto.failReason : '', startTime: seconds(dto.startTime), finishTime: seconds(dto.finishTime), data: dto,
  }
}

/** The local error codes of new-api's Midjourney relay: 4 request error, 5 unknown, 30 rate limited. */
const numericCode = (status: number, code: string | number) => (typeof code === 'number' ? code : status === 429 ? 30 : status >= 500 ? 5 : 4)

/**
 * Midjourney-Proxy and Midjourney-Proxy-Plus (channel types 2 and 5): submits pass through with `mj-api-secret`,
 * codes 1 (submitted), 21 (exists) and 22 (queued) are accepted and shown to the client as 1, the poller asks
 * `list-by-condition`. With `ServerAddress` set, submits carry this gateway's own notify hook (signed per channel),
 * so a status change is known at once rather than at the next poll.
 */
export function createMidjourneyAdaptor(dependencies: { caches: Caches; secretBox: SecretBox }): TaskAdaptor {
  const { caches, secretBox } = dependencies
  return {
    platform: 'mj',
    channelTypes: [2, 5],
    batchSize: 100,
    submitHeaders: (key) => ({ 'mj-api-secret': key.replace(/^Bearer\s+/i, '') }),
    bodyFor(submission: TaskSubmission, channel: TaskChannel) {
      const raw = caches.options.raw
      const serverAddress = (raw.ServerAddress ?? '').replace(/\/+$/, '')
      const clientHook = raw.MjNotifyEnabled === 'true' && typeof submission.body.notifyHook === 'string' && submission.body.notifyHook !== ''
      if (clientHook || !serverAddress) return submission.body
      return { ...submission.body, notifyHook: serverAddress + notifyPath(secretBox, channel.id) }
    },
    readSubmit(status: number, bodyText: string, submission: TaskSubmission): SubmitOutcome {
      let answer: SubmitAnswer
      try {
        const parsed = JSON.parse(bodyText)
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object')
        answer = parsed
      } catch {
        return { accepted: false, retryable: status >= 500 || status === 200, status: status >= 400 ? status : 502, message: bodyText ? 'unmarshal_response_body_failed' : 'empty_response_body', code: 5 }
      }
      const code = Number(answer.code)
      if (status === 200 && (code === 1 || code === 21 || code === 22) && typeof answer.result === 'string' && answer.result !== '') {
        const properties = answer.properties ?? {}
        let taskStatus: TaskStatus = 'SUBMITTED'
        let progress = '0%'
        if (code === 21 && properties.status === 'SUCCESS') [taskStatus, progress] = ['SUCCESS', '100%']
        if (code === 1 && submission.action === 'UPLOAD') [taskStatus, progress] = ['SUCCESS', '100%']
        const data = code === 21 && typeof properties.imageUrl === 'string' ? { id: answer.result, status: properties.status, imageUrl: properties.imageUrl, prompt: submission.properties.prompt } : { id: answer.result, status: taskStatus, prompt: submission.properties.prompt, description: answer.description }
        // Free actions keep code 21 as new-api does (the client resumes the existing modal).
        const shownCode = code === 22 || (code === 21 && !submission.free) ? 1 : code
        const clientBody = JSON.stringify({ ...answer, code: shownCode })
        return { accepted: true, upstreamTaskId: answer.result, status: taskStatus, progress, data, clientBody: () => clientBody, message: answer.description ?? '' }
      }
      const message = answer.description || `upstream answered HTTP ${status} with code ${answer.code ?? 'none'}`
      // Code 3: the proxy has no account instance; 23: its queue is full. Another proxy may take the task.
      return { accepted: false, retryable: status >= 500 || code === 3 || code === 23, status: code === 30 ? 429 : 400, message, code: Number.isFinite(code) ? code : 5, disableChannel: code === 3 }
    },
    fetchRequest: (ids, key) => ({ method: 'POST', path: '/mj/task/list-by-condition', headers: { 'content-type': 'application/json', 'mj-api-secret': key.replace(/^Bearer\s+/i, '') }, body: JSON.stringify({ ids }) }),
    readFetch(bodyText) {
      const parsed = JSON.parse(bodyText)
      if (!Array.isArray(parsed)) throw new Error('list-by-condition did not answer an array')
      const states: UpstreamTaskState[] = []
      for (const item of parsed) {
        const state = item && typeof item === 'object' ? readMidjourneyTask(item) : undefined
        if (state) states.push(state)
      }
      return states
    },
    errorResponse: (status, message, code) => new Response(JSON.stringify({ description: message, type: 'upstream_error', code: numericCode(status, code) }), { status, headers: { 'content-type': 'application/json' } }),
  }
}
