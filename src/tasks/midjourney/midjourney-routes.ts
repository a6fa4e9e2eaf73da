import { Elysia } from 'elysia'
import type { Caches } from '../../cache/index.ts'
import type { ChannelClient } from '../../channels/channel-client.ts'
import { pickKey } from '../../channels/channel-requests.ts'
import type { Config } from '../../config.ts'
import type { Store, TaskRow } from '../../db/store.ts'
import { SafeFetchError, safeFetchStream } from '../../net/safe-fetch.ts'
import type { ClientAddress, ServerLike } from '../../net/client-address.ts'
import type { SecretBox } from '../../security/crypto.ts'
import { routeHelpers } from '../route-helpers.ts'
import { TaskError, type TaskRelay } from '../task-relay.ts'
import { taskProperties, type TaskUpdater } from '../task-updates.ts'
import type { TaskAdaptor, TaskSubmission } from '../types.ts'
import { billingNameOf, changeActions, decodeCustomId, freeActions, parseSimpleChange, type MidjourneyAction } from './midjourney-actions.ts'
import { readMidjourneyTask } from './midjourney-adaptor.ts'
import { midjourneyDto } from './midjourney-dto.ts'
import { verifyNotifySignature } from './midjourney-notify.ts'

export interface MidjourneyRouteDependencies {
  config: Config
  caches: Caches
  store: Store
  secretBox: SecretBox
  channels: ChannelClient
  relay: TaskRelay
  updater: TaskUpdater
  adaptor: TaskAdaptor
  addressOf: ClientAddress
}

/** `/mj` and the mode prefixes new-api mounts it under; the prefix is dropped before forwarding. */
const prefixes = ['/mj', '/mj-fast/mj', '/mj-turbo/mj', '/mj-relax/mj']
const IMAGE_TIMEOUT_MS = 60_000

type Context = { request: Request; server: ServerLike; path: string; params: Record<string, string> }

const nonEmpty = (value: unknown) => typeof value === 'string' && value.trim() !== ''
const required = (field: string) => new TaskError(400, `${field}_is_required`, 4)

/**
 * Every route of new-api's Midjourney relay (§10): submits through the task relay, the task DTO routes answered
 * from the database, the image proxy, and the notify hook the proxy calls back.
 */
export function midjourneyRoutes(dependencies: MidjourneyRouteDependencies) {
  const { addressOf } = dependencies
  const { config, caches, store, secretBox, channels, relay, updater, adaptor } = dependencies
  const flag = (name: string, fallback: boolean) => (caches.options.raw[name] ?? String(fallback)) === 'true'
  const serverAddress = () => (caches.options.raw.ServerAddress ?? '').replace(/\/+$/, '')
  const { fail, json, readBody } = routeHelpers(adaptor, 4)

  /** The body as the proxy gets it: notifyHook and accountFilter only when allowed, mode flags cleared when asked. */
  function forwardedBody(body: Record<string, unknown>): Record<string, unknown> {
    const forwarded = { ...body }
    if (!flag('MjNotifyEnabled', false)) delete forwarded.notifyHook
    if (!flag('MjAccountFilterEnabled', false)) delete forwarded.accountFilter
    if (flag('MjModeClearEnabled', false) && typeof forwarded.prompt === 'string') forwarded.prompt = forwarded.prompt.replace(/--(fast|relax|turbo)/g, '')
    return forwarded
  }

  /** The caller's own earlier task a follow-up acts on (someone else's is "not found", as new-api answers). */
  async function originOf(caller: { user: { id: number } }, taskId: unknown, action: MidjourneyAction): Promise<TaskRow> {
    if (!nonEmpty(taskId)) throw required('task_id')
    const origin = await store.tasks.getByTaskId(String(taskId), { platform: 'mj', userId: caller.user.id })
    if (!origin) throw new TaskError(400, 'task_not_found', 4)
    if (flag('MjActionCheckSuccessEnabled', true) && action !== 'MODAL' && origin.status !== 'SUCCESS') throw new TaskError(400, 'task_status_not_success', 4)
    return origin
  }

  /** Validate and name one submit (`kind` is the path after /submit/ or `insight-face/swap`). */
  async function submission(kind: string, body: Record<string, unknown>, caller: { user: { id: number } }): Promise<TaskSubmission> {
    let action: MidjourneyAction
    let origin: TaskRow | undefined
    switch (kind) {
      case 'imagine': if (!nonEmpty(body.prompt)) throw required('prompt'); action = 'IMAGINE'; break
      case 'describe': if (!nonEmpty(body.base64)) throw required('base64'); action = 'DESCRIBE'; break
      case 'blend':
        if (!Array.isArray(body.base64Array) || body.base64Array.length < 2) throw new TaskError(400, 'base64_array_needs_two_or_more_images', 4)
        action = 'BLEND'; break
      case 'shorten': if (!nonEmpty(body.prompt)) throw required('prompt'); action = 'SHORTEN'; break
      case 'edits': if (!nonEmpty(body.prompt)) throw required('prompt'); action = 'EDITS'; break
      case 'upload-discord-images':
        if (!Array.isArray(body.base64Array) || body.base64Array.length === 0) throw required('base64_array')
        action = 'UPLOAD'; break
      case 'swap':
        if (!nonEmpty(body.sourceBase64) || !nonEmpty(body.targetBase64)) throw new TaskError(400, 'sour_base64_and_target_base64_is_required', 4)
        action = 'SWAP_FACE'; break
      case 'change': {
        if (!nonEmpty(body.taskId)) throw required('task_id')
        if (!nonEmpty(body.action)) throw required('action')
        if (!changeActions.has(String(body.action))) throw new TaskError(400, `unknown_action: ${String(body.action)} (UPSCALE, VARIATION or REROLL)`, 4)
        if (body.action !== 'REROLL' && !(Number(body.index) >= 1 && Number(body.index) <= 4)) throw required('index')
        action = body.action as MidjourneyAction
        origin = await originOf(caller, body.taskId, action)
        break
      }
      case 'simple-change': {
        if (!nonEmpty(body.content)) throw required('content')
        const parsed = parseSimpleChange(String(body.content))
        if (!parsed) throw new TaskError(400, 'content_parse_failed', 4)
        action = parsed.action
        origin = await originOf(caller, parsed.taskId, action)
        break
      }
      case 'action': {
        if (!nonEmpty(body.customId)) throw required('custom_id')
        const decoded = decodeCustomId(String(body.customId))
        if ('error' in decoded) throw new TaskError(400, decoded.error, 4)
        action = decoded.action
        origin = await originOf(caller, body.taskId, action)
        break
      }
      case 'modal': action = 'MODAL'; origin = await originOf(caller, body.taskId, 'MODAL'); break
      case 'video':
        action = 'VIDEO'
        if (nonEmpty(body.taskId)) origin = await originOf(caller, body.taskId, 'VIDEO')
        else if (!nonEmpty(body.prompt)) throw required('task_id')
        break
      default: throw new TaskError(404, `unknown_relay_action: ${kind}`, 4)
    }
    const prompt = origin ? taskProperties(origin).prompt ?? '' : body.prompt ?? ''
    return {
      action, modelName: billingNameOf(action), path: kind === 'swap' ? '/mj/insight-face/swap' : `/mj/submit/${kind}`,
      body: forwardedBody(body), origin, free: freeActions.has(action), properties: { prompt },
    }
  }

  async function submit({ request, server, path, params }: Context, kind: string) {
    try {
      const route = { path, clientAddress: addressOf(request, server) }
      const caller = relay.authenticate(request, path, route.clientAddress)
      const body = await readBody(request)
      return await relay.submit(adaptor, caller, route, await submission(kind ?? params.kind, body, caller), (upstreamTaskId) => upstreamTaskId)
    } catch (error) {
      return fail(error)
    }
  }

  const forward = () => ({ serverAddress: serverAddress(), enabled: flag('MjForwardUrlEnabled', true) })

  async function fetchOne({ request, server, path, params }: Context) {
    try {
      const caller = relay.authenticate(request, path, addressOf(request, server))
      const task = await store.tasks.getByTaskId(params.id!, { platform: 'mj', userId: caller.user.id })
      if (!task) throw new TaskError(404, 'task_no_found', 4)
      return json(midjourneyDto(task, forward()))
    } catch (error) {
      return fail(error)
    }
  }

  async function listByCondition({ request, server, path }: Context) {
    try {
      const caller = relay.authenticate(request, path, addressOf(request, server))
      const body = await readBody(request)
      if (body.ids !== undefined && (!Array.isArray(body.ids) || body.ids.some((id) => typeof id !== 'string'))) throw new TaskError(400, 'ids must be an array of task ids', 4)
      const ids = ((body.ids as string[] | undefined) ?? []).slice(0, 1000)
      const tasks = await store.tasks.listByTaskIds(ids, { platform: 'mj', userId: caller.user.id })
      const shape = forward()
      return json(tasks.map((task) => midjourneyDto(task, shape)))
    } catch (error) {
      return fail(error)
    }
  }

  /** `GET /mj/task/{id}/image-seed`: asked of the channel that produced the task. */
  async function imageSeed({ request, server, path, params }: Context) {
    try {
      const caller = relay.authenticate(request, path, addressOf(request, server))
      const task = await store.tasks.getByTaskId(params.id!, { platform: 'mj', userId: caller.user.id })
      if (!task) throw new TaskError(404, 'task_no_found', 4)
      const channel = caches.routing.byId.get(task.channelId)
      if (!channel || channel.status !== 1) throw new TaskError(400, 'the channel that produced this task is disabled or gone', 4)
      const key = channel.keys[Math.max(0, pickKey(channel))] ?? ''
      const upstreamId = taskProperties(task).upstream_task_id ?? task.taskId
      const response = await channels.send(channel, channels.requests.capability(channel, { method: 'GET', url: `${channel.baseUrl}/mj/task/${encodeURIComponent(upstreamId)}/image-seed`, headers: adaptor.submitHeaders(key) }, key), { timeoutMs: 30_000 })
      return new Response(await response.text(), { status: response.status, headers: { 'content-type': 'application/json' } })
    } catch (error) {
      if (!(error instanceof TaskError)) return adaptor.errorResponse(502, `do_request_failed: ${(error as Error).message}`, 5)
      return fail(error)
    }
  }

  /**
   * `GET /mj/image/{id}` (no key, as new-api: image tags cannot send one): the stored image URL fetched through
   * the SSRF guard and streamed to the client, capped at MAX_FILE_DOWNLOAD_MB. Only the producing channel's own
   * host may be a private address (a self-hosted proxy serving its images); nothing else internal is reachable.
   */
  async function image({ params }: Context) {
    const task = await store.tasks.getByTaskId(params.id!, { platform: 'mj' })
    if (!task) return adaptor.errorResponse(404, 'midjourney_task_not_found', 4)
    let data: { imageUrl?: unknown } = {}
    try { data = JSON.parse(task.data || '{}') } catch { /* no image */ }
    if (typeof data.imageUrl !== 'string' || !data.imageUrl) return adaptor.errorResponse(404, 'the task has no image yet', 4)
    const channel = caches.routing.byId.get(task.channelId)
    let allowPrivateHosts: string[] = []
    try { if (channel?.baseUrl) allowPrivateHosts = [new URL(channel.baseUrl).hostname] } catch { /* no base URL to trust */ }
    const maxMb = caches.options.overrides.maxFileDownloadMb ?? config.maxFileDownloadMb
    try {
      const fetched = await safeFetchStream(data.imageUrl, { maxBytes: maxMb * 1024 * 1024, timeoutMs: IMAGE_TIMEOUT_MS, allowPrivateHosts })
      return new Response(fetched.body, { headers: { 'content-type': fetched.contentType || 'image/jpeg', 'cache-control': task.status === 'SUCCESS' ? 'public, max-age=86400' : 'no-store' } })
    } catch (error) {
      const code = error instanceof SafeFetchError ? error.code : 'network'
      const status = code === 'unsafe_url' ? 403 : code === 'too_large' ? 413 : code === 'http_status' ? ((error as SafeFetchError).status ?? 502) : 502
      return adaptor.errorResponse(status, `http_get_image_failed: ${(error as Error).message}`, 5)
    }
  }

  /**
   * The proxy's callback (the hook this gateway set at submit): signed per channel, and it may only move a task of
   * that channel that is still unfinished; the state it carries goes through the same update as a poll.
   */
  async function notify({ request, params }: Context) {
    try {
      const channelId = Number(params.channel)
      if (!Number.isInteger(channelId) || !verifyNotifySignature(secretBox, channelId, params.signature ?? '')) throw new TaskError(403, 'invalid notify signature', 4)
      const state = readMidjourneyTask(await readBody(request))
      if (!state) throw new TaskError(400, 'the body is not a task (no id)', 4)
      const task = await store.tasks.getByTaskId(state.upstreamTaskId, { platform: 'mj' })
      if (!task || task.channelId !== channelId) throw new TaskError(404, 'midjourney_task_not_found', 4)
      await updater.apply(task, state)
      return json({ code: 1, description: 'success', result: task.taskId })
    } catch (error) {
      return fail(error)
    }
  }

  const notFound = ({ path }: { path: string }) => adaptor.errorResponse(404, `No Midjourney route for ${path}`, 4)
  const submitKinds = ['imagine', 'change', 'simple-change', 'action', 'modal', 'describe', 'blend', 'shorten', 'edits', 'video', 'upload-discord-images']
  let app = new Elysia({ name: 'tollgate.midjourney' })
  for (const prefix of prefixes) {
    // The mode prefixes are the same routes: documented once, under /mj.
    const doc = (summary: string) => (prefix === '/mj' ? { tags: ['Relay'], summary } : { hide: true })
    for (const kind of submitKinds) app = app.post(`${prefix}/submit/${kind}`, (context) => submit(context as unknown as Context, kind), { parse: 'none', detail: doc(`Midjourney ${kind}`) })
    app = app
      .post(`${prefix}/insight-face/swap`, (context) => submit(context as unknown as Context, 'swap'), { parse: 'none', detail: doc('Midjourney face swap') })
      .get(`${prefix}/task/:id/fetch`, (context) => fetchOne(context as unknown as Context), { detail: doc('Midjourney task') })
      .get(`${prefix}/task/:id/image-seed`, (context) => imageSeed(context as unknown as Context), { detail: doc('Midjourney image seed') })
      .post(`${prefix}/task/list-by-condition`, (context) => listByCondition(context as unknown as Context), { parse: 'none', detail: doc('Midjourney tasks by id') })
      .get(`${prefix}/image/:id`, (context) => image(context as unknown as Context), { detail: doc('Midjourney image (proxied)') })
      .post(`${prefix}/notify/:channel/:signature`, (context) => notify(context as unknown as Context), { parse: 'none', detail: { hide: true } })
      .get(prefix, notFound, { detail: { hide: true } })
      .get(`${prefix}/*`, notFound, { detail: { hide: true } })
      .post(`${prefix}/*`, notFound, { parse: 'none', detail: { hide: true } })
  }
  return app
}
