import type { TaskStatus } from '../../db/store.ts'
import type { RawBody, SubmitOutcome, TaskAdaptor, TaskChannel, TaskSubmission, UpstreamTaskState } from '../types.ts'

/** OpenAI's video statuses as the tasks table keeps them. */
export function mapVideoStatus(status: unknown): TaskStatus {
  switch (status) {
    case 'queued': case 'pending': return 'QUEUED'
    case 'in_progress': case 'processing': return 'IN_PROGRESS'
    case 'completed': return 'SUCCESS'
    case 'failed': case 'cancelled': return 'FAILURE'
    default: return 'UNKNOWN'
  }
}

/** One OpenAI Video object as our state. */
export function readVideo(video: Record<string, unknown>): UpstreamTaskState | undefined {
  if (typeof video.id !== 'string' || !video.id) return undefined
  const status = mapVideoStatus(video.status)
  const progress = typeof video.progress === 'number' ? `${Math.max(0, Math.min(100, Math.round(video.progress)))}%` : status === 'SUCCESS' ? '100%' : '0%'
  const error = video.error as { message?: string } | null | undefined
  return {
    upstreamTaskId: video.id, status, progress, failReason: status === 'FAILURE' ? error?.message || 'video generation failed' : '',
    finishTime: typeof video.completed_at === 'number' ? video.completed_at : undefined, data: video,
  }
}

/** The upload again with another model name (the files are the same blobs, not copied). */
async function remapForm(form: FormData, model: string): Promise<RawBody> {
  const copy = new FormData()
  for (const [name, value] of form) copy.append(name, name === 'model' ? model : value)
  const encoded = new Response(copy)
  // Read before the body: Bun forgets the generated content type (and its boundary) once the body is consumed.
  const contentType = encoded.headers.get('content-type')!
  return { bytes: new Uint8Array(await encoded.arrayBuffer()), contentType }
}

const openAiError = (status: number, message: string, code: string | number) =>
  new Response(JSON.stringify({ error: { message, type: status >= 500 ? 'upstream_error' : 'invalid_request_error', param: null, code: String(code) } }), { status, headers: { 'content-type': 'application/json' } })

/** The channel types that serve `/v1/videos` (OpenAI's Sora). */
export const videoChannelTypes = [1] as const

/**
 * OpenAI video generation (Sora) on OpenAI channels: `POST <base>/v1/videos` (JSON or the SDK's multipart form)
 * answers a Video object whose id the poller asks about one at a time (`GET <base>/v1/videos/{id}`, there is no batch
 * fetch). The model is mapped per channel; a multipart form is forwarded as sent unless its model is mapped.
 */
export function createVideoAdaptor(): TaskAdaptor {
  return {
    platform: 'video',
    channelTypes: [...videoChannelTypes],
    batchSize: 1,
    submitHeaders: (key) => ({ authorization: `Bearer ${key}` }),
    bodyFor(submission: TaskSubmission, channel: TaskChannel): Record<string, unknown> | RawBody | Promise<RawBody> {
      const mapped = channel.modelMapping[String(submission.properties.model ?? '')]
      if (!mapped) return submission.raw ?? submission.body
      return submission.form ? remapForm(submission.form, mapped) : { ...submission.body, model: mapped }
    },
    readSubmit(status, bodyText): SubmitOutcome {
      let video: Record<string, unknown>
      try {
        video = JSON.parse(bodyText)
        if (!video || typeof video !== 'object') throw new Error('not an object')
      } catch {
        return { accepted: false, retryable: true, status: 502, message: 'the upstream answered a body that is not JSON', code: 'bad_response_body' }
      }
      const state = status >= 200 && status < 300 ? readVideo(video) : undefined
      if (state) {
        return { accepted: true, upstreamTaskId: state.upstreamTaskId, status: state.status === 'UNKNOWN' ? 'QUEUED' : state.status, progress: state.progress, data: video, message: '', clientBody: (publicId) => JSON.stringify({ ...video, id: publicId }) }
      }
      const error = (video.error ?? {}) as { message?: string; code?: string }
      const retryable = status >= 500 || status === 429 || status === 401
      return { accepted: false, retryable, status: status >= 400 ? status : 502, message: error.message || `upstream answered HTTP ${status}`, code: error.code || 'upstream_error' }
    },
    fetchRequest: ([id], key) => ({ method: 'GET', path: `/v1/videos/${encodeURIComponent(id!)}`, headers: { authorization: `Bearer ${key}` } }),
    readFetch(bodyText) {
      const state = readVideo(JSON.parse(bodyText))
      if (!state) throw new Error('the answer is not a video object')
      return [state]
    },
    unitsOf: (state) => {
      const seconds = Number((state.data as { seconds?: unknown } | null)?.seconds)
      return Number.isInteger(seconds) && seconds > 0 ? seconds : undefined
    },
    errorResponse: openAiError,
  }
}
