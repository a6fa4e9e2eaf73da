import { Elysia } from 'elysia'
import type { Caches } from '../../cache/index.ts'
import type { ChannelClient } from '../../channels/channel-client.ts'
import { pickKey } from '../../channels/channel-requests.ts'
import type { Config } from '../../config.ts'
import type { Store, TaskRow } from '../../db/store.ts'
import type { ClientAddress, ServerLike } from '../../net/client-address.ts'
import { randomAlphanumeric } from '../../security/crypto.ts'
import { routeHelpers } from '../route-helpers.ts'
import { TaskError, type TaskRelay } from '../task-relay.ts'
import { taskProperties } from '../task-updates.ts'
import type { TaskAdaptor, TaskSubmission } from '../types.ts'

type Context = { request: Request; server: ServerLike; path: string; params: Record<string, string>; query: Record<string, string | undefined> }

const CONTENT_TIMEOUT_MS = 10 * 60_000
const MAX_SECONDS = 60

/** OpenAI's status names for ours. */
const openAiStatus = (status: string) => (status === 'SUCCESS' ? 'completed' : status === 'FAILURE' ? 'failed' : status === 'IN_PROGRESS' ? 'in_progress' : 'queued')

function dataOf(task: TaskRow): Record<string, unknown> {
  try { return task.data ? JSON.parse(task.data) : {} } catch { return {} }
}

/** The OpenAI Video object of a stored task, under our public id. */
export function videoObject(task: TaskRow) {
  const properties = taskProperties(task)
  const failed = task.status === 'FAILURE'
  const data = dataOf(task)
  return {
    ...data,
    id: task.taskId, object: 'video', model: properties.model ?? '', status: openAiStatus(task.status), progress: Number.parseInt(task.progress, 10) || 0,
    created_at: task.submitTime, completed_at: task.status === 'SUCCESS' || failed ? task.finishTime : null,
    // What was delivered once the upstream says (and was billed: see unitsOf), else what was asked.
    seconds: String(data.seconds ?? properties.seconds ?? ''), size: properties.size ?? '', error: failed ? { code: 'video_generation_failed', message: task.failReason } : null,
  }
}

/**
 * OpenAI's video API (`POST /v1/videos`, `GET /v1/videos/{id}`, `GET /v1/videos/{id}/content`) and new-api's unified
 * `POST /v1/video/generations` / `GET /v1/video/generations/{id}` over the same adaptor, billed per second of video
 * (`ModelPrice` of the model × seconds). Errors in OpenAI's shape.
 */
export function videoRoutes(dependencies: { config: Config; caches: Caches; store: Store; channels: ChannelClient; relay: TaskRelay; adaptor: TaskAdaptor; addressOf: ClientAddress }) {
  const { addressOf } = dependencies
  const { config, caches, store, channels, relay, adaptor } = dependencies
  const { fail, json, readBody } = routeHelpers(adaptor, 'invalid_request')
  const serverAddress = () => (caches.options.raw.ServerAddress ?? '').replace(/\/+$/, '')

  function checkLength(request: Request) {
    const announced = Number(request.headers.get('content-length'))
    if (announced > config.maxRequestBodyMb * 1048576) throw new TaskError(413, `The request body is larger than the ${config.maxRequestBodyMb} MB this gateway accepts (MAX_REQUEST_BODY_MB)`, 'request_body_too_large')
  }

  /** The seconds to bill: the request's (`seconds` or `duration`), else the upstream default of 4. */
  function secondsOf(value: unknown): number {
    if (value === undefined || value === null || value === '') return 4
    const seconds = Number(value)
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) throw new TaskError(400, `seconds must be a whole number from 1 to ${MAX_SECONDS}`, 'invalid_value')
    return seconds
  }

  function submissionOf(fields: Record<string, unknown>, extra: Partial<TaskSubmission>): TaskSubmission {
    const model = typeof fields.model === 'string' ? fields.model.trim() : ''
    if (!model) throw new TaskError(400, 'model is required', 'missing_required_parameter')
    if (typeof fields.prompt !== 'string' || !fields.prompt.trim()) throw new TaskError(400, 'prompt is required', 'missing_required_parameter')
    if (fields.size !== undefined && (typeof fields.size !== 'string' || !/^\d{2,5}x\d{2,5}$/.test(fields.size))) throw new TaskError(400, 'size must be WIDTHxHEIGHT, e.g. 1280x720', 'invalid_value')
    const seconds = secondsOf(fields.seconds)
    return {
      action: 'generate', modelName: model, path: '/v1/videos', body: fields, units: seconds, billedFor: { seconds },
      properties: { model, prompt: fields.prompt, seconds, size: fields.size ?? '' }, ...extra,
    }
  }

  async function create({ request, server, path }: Context): Promise<Response> {
    checkLength(request)
    const route = { path, clientAddress: addressOf(request, server) }
    const caller = relay.authenticate(request, path, route.clientAddress)
    const contentType = request.headers.get('content-type') ?? ''
    let submission: TaskSubmission
    if (contentType.startsWith('multipart/form-data')) {
      // Read once; the fields are read from the same bytes, which go upstream untouched.
      const bytes = new Uint8Array(await request.arrayBuffer())
      let form: FormData
      try { form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData() } catch { throw new TaskError(400, 'the multipart body cannot be read', 'invalid_request') }
      const fields: Record<string, unknown> = {}
      for (const [name, value] of form) if (typeof value === 'string') fields[name] = value
      submission = submissionOf(fields, { raw: { bytes, contentType }, form })
    } else {
      const body = await readBody(request)
      submission = submissionOf(body, { body: body.seconds === undefined ? body : { ...body, seconds: String(body.seconds) } })
    }
    return relay.submit(adaptor, caller, route, submission, () => `video_${randomAlphanumeric(32)}`)
  }

  async function ownTask(request: Request, path: string, server: ServerLike, id: string): Promise<TaskRow> {
    const caller = relay.authenticate(request, path, addressOf(request, server))
    const task = await store.tasks.getByTaskId(id, { platform: 'video', userId: caller.user.id })
    if (!task) throw new TaskError(404, `No video with id ${id}`, 'not_found')
    return task
  }

  /** The stored answer of a submit, re-read under our id (the relay answers what the adaptor built). */
  async function submitted(response: Response): Promise<TaskRow | undefined> {
    if (response.status !== 200) return undefined
    const { id } = await response.json() as { id: string }
    return store.tasks.getByTaskId(id, { platform: 'video' })
  }

  async function content({ request, server, path, params, query }: Context): Promise<Response> {
    const task = await ownTask(request, path, server, params.id!)
    if (task.status !== 'SUCCESS') throw new TaskError(400, `Video ${task.taskId} is not ready (status ${openAiStatus(task.status)})`, 'video_not_ready')
    const channel = caches.routing.byId.get(task.channelId)
    if (!channel) throw new TaskError(404, 'The channel that produced this video no longer exists', 'not_found')
    const key = channel.keys[Math.max(0, pickKey(channel))] ?? ''
    const variant = query.variant && /^[a-z_]+$/.test(query.variant) ? `?variant=${query.variant}` : ''
    const upstreamId = taskProperties(task).upstream_task_id ?? task.taskId
    const request_ = channels.requests.capability(channel, { method: 'GET', url: `${channel.baseUrl}/v1/videos/${encodeURIComponent(upstreamId)}/content${variant}`, headers: adaptor.submitHeaders(key) }, key)
    let upstream
    try { upstream = await channels.send(channel, request_, { timeoutMs: CONTENT_TIMEOUT_MS }) } catch (error) { throw new TaskError(502, `Upstream request failed: ${(error as Error).message}`, 'do_request_failed') }
    if (!upstream.ok) throw new TaskError(upstream.status, `Upstream answered HTTP ${upstream.status} for the video content`, 'upstream_error')
    // Streamed through: the video is never held whole.
    const headers: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'video/mp4' }
    const length = upstream.headers.get('content-length')
    if (length) headers['content-length'] = length
    return new Response(upstream.body, { status: 200, headers })
  }

  /** new-api's unified shape of a video task. */
  function unified(task: TaskRow) {
    const properties = taskProperties(task)
    const [width, height] = String(properties.size ?? '').split('x').map(Number)
    const status = task.status === 'SUCCESS' ? 'succeeded' : task.status === 'FAILURE' ? 'failed' : task.status === 'IN_PROGRESS' ? 'processing' : 'queued'
    return {
      task_id: task.taskId, status, format: 'mp4', url: task.status === 'SUCCESS' ? `${serverAddress()}/v1/videos/${task.taskId}/content` : '',
      metadata: { duration: Number(properties.seconds) || 0, ...(width && height ? { width, height } : {}) },
      error: task.status === 'FAILURE' ? { code: 'video_generation_failed', message: task.failReason } : null,
    }
  }

  async function generate({ request, server, path }: Context): Promise<Response> {
    checkLength(request)
    const route = { path, clientAddress: addressOf(request, server) }
    const caller = relay.authenticate(request, path, route.clientAddress)
    const body = await readBody(request)
    if (body.image !== undefined || body.image_url !== undefined) throw new TaskError(400, 'an image to animate needs the multipart POST /v1/videos with input_reference', 'unsupported_parameter')
    const size = typeof body.size === 'string' ? body.size : body.width && body.height ? `${Number(body.width)}x${Number(body.height)}` : undefined
    const fields = { model: body.model, prompt: body.prompt, seconds: body.seconds ?? body.duration, ...(size ? { size } : {}) }
    const submission = submissionOf(fields, {})
    submission.body = { model: fields.model, prompt: fields.prompt, seconds: String(submission.units), ...(size ? { size } : {}) }
    const answer = await relay.submit(adaptor, caller, route, submission, () => `video_${randomAlphanumeric(32)}`)
    const task = await submitted(answer)
    return task ? json({ task_id: task.taskId, status: unified(task).status }) : answer
  }

  const guarded = (handler: (context: Context) => Promise<Response>) => async (context: unknown) => {
    try { return await handler(context as Context) } catch (error) { return fail(error) }
  }
  return new Elysia({ name: 'tollgate.video' })
    .post('/v1/videos', guarded(async (context) => {
      const answer = await create(context)
      const task = await submitted(answer.clone())
      return task ? json(videoObject(task)) : answer
    }), { parse: 'none', detail: { tags: ['Relay'], summary: 'Create a video (OpenAI Sora), JSON or multipart; billed per second' } })
    .get('/v1/videos/:id', guarded(async ({ request, server, path, params }) => json(videoObject(await ownTask(request, path, server, params.id!)))), { detail: { tags: ['Relay'], summary: 'A video task' } })
    .get('/v1/videos/:id/content', guarded(content), { detail: { tags: ['Relay'], summary: 'The finished video (streamed through)' } })
    .post('/v1/video/generations', guarded(generate), { parse: 'none', detail: { tags: ['Relay'], summary: 'Unified video generation (new-api)' } })
    .get('/v1/video/generations/:id', guarded(async ({ request, server, path, params }) => json(unified(await ownTask(request, path, server, params.id!)))), { detail: { tags: ['Relay'], summary: 'A unified video task' } })
}
