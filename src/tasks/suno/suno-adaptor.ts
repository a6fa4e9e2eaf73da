import type { TaskStatus } from '../../db/store.ts'
import type { SubmitOutcome, TaskAdaptor, UpstreamTaskState } from '../types.ts'

const statuses: ReadonlySet<string> = new Set(['NOT_START', 'SUBMITTED', 'QUEUED', 'IN_PROGRESS', 'FAILURE', 'SUCCESS', 'UNKNOWN'])
const mapSunoStatus = (status: unknown): TaskStatus => (typeof status === 'string' && statuses.has(status) ? status as TaskStatus : 'UNKNOWN')
const seconds = (value: unknown) => (typeof value === 'number' && value > 0 ? (value > 1e11 ? Math.floor(value / 1000) : value) : undefined)

/**
 * Suno-API (channel type 36) as new-api's suno adaptor speaks it: `POST <base>/suno/submit/{music|lyrics}` with a
 * Bearer key answers `{code: "success", data: "<upstream id>"}`; `POST <base>/suno/fetch {ids}` answers the tasks.
 * Clients see our own public id (`task_…`), never the upstream one.
 */
export function createSunoAdaptor(): TaskAdaptor {
  return {
    platform: 'suno',
    channelTypes: [36],
    batchSize: 100,
    submitHeaders: (key) => ({ authorization: `Bearer ${key}` }),
    readSubmit(status, bodyText): SubmitOutcome {
      let answer: { code?: unknown; message?: unknown; data?: unknown }
      try {
        answer = JSON.parse(bodyText)
        if (!answer || typeof answer !== 'object') throw new Error('not an object')
      } catch {
        return { accepted: false, retryable: status >= 500 || status < 300, status: status >= 400 ? status : 502, message: 'unmarshal_response_body_failed', code: 'unmarshal_response_body_failed' }
      }
      if (status >= 200 && status < 300 && answer.code === 'success' && typeof answer.data === 'string' && answer.data !== '') {
        const message = typeof answer.message === 'string' ? answer.message : ''
        return {
          accepted: true, upstreamTaskId: answer.data, status: 'SUBMITTED', progress: '0%', message,
          clientBody: (publicId) => JSON.stringify({ code: 'success', message, data: publicId }),
        }
      }
      const message = typeof answer.message === 'string' && answer.message ? answer.message : `upstream answered HTTP ${status}`
      return { accepted: false, retryable: status >= 500 || status === 429, status: status >= 400 ? status : 502, message, code: typeof answer.code === 'string' ? answer.code : 'fail_to_submit_task' }
    },
    fetchRequest: (ids, key) => ({ method: 'POST', path: '/suno/fetch', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ ids }) }),
    readFetch(bodyText) {
      const answer = JSON.parse(bodyText) as { code?: unknown; data?: unknown }
      if (answer.code !== 'success' || !Array.isArray(answer.data)) throw new Error('suno fetch did not answer {code: "success", data: [...]}')
      const states: UpstreamTaskState[] = []
      for (const item of answer.data as Record<string, unknown>[]) {
        if (!item || typeof item.task_id !== 'string') continue
        const status = mapSunoStatus(item.status)
        states.push({
          upstreamTaskId: item.task_id, status, progress: typeof item.progress === 'string' ? item.progress : status === 'SUCCESS' ? '100%' : '0%',
          failReason: typeof item.fail_reason === 'string' ? item.fail_reason : '', startTime: seconds(item.start_time), finishTime: seconds(item.finish_time),
          data: item.data ?? null,
        })
      }
      return states
    },
    errorResponse: (status, message, code) => new Response(JSON.stringify({ code: String(code), message, data: null }), { status, headers: { 'content-type': 'application/json' } }),
  }
}
