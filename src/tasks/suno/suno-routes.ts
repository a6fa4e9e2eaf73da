import { Elysia } from 'elysia'
import type { Store, TaskRow } from '../../db/store.ts'
import type { ClientAddress, ServerLike } from '../../net/client-address.ts'
import { randomAlphanumeric } from '../../security/crypto.ts'
import { routeHelpers } from '../route-helpers.ts'
import { TaskError, type TaskRelay } from '../task-relay.ts'
import { sunoTaskDto } from './suno-dto.ts'
import { taskProperties } from '../task-updates.ts'
import type { TaskAdaptor, TaskSubmission } from '../types.ts'

type Context = { request: Request; server: ServerLike; path: string; params: Record<string, string> }

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '')

/** `/suno/submit/{music|lyrics}`, `POST /suno/fetch`, `GET /suno/fetch/{id}` (§10), errors in Suno's shape. */
export function sunoRoutes(dependencies: { store: Store; relay: TaskRelay; adaptor: TaskAdaptor; addressOf: ClientAddress }) {
  const { addressOf } = dependencies
  const { store, relay, adaptor } = dependencies
  const { fail, json, readBody } = routeHelpers(adaptor, 'invalid_request')

  async function submit({ request, server, path, params }: Context) {
    try {
      const action = (params.action ?? '').toUpperCase()
      if (action !== 'MUSIC' && action !== 'LYRICS') throw new TaskError(400, `unknown action ${params.action}: music or lyrics`, 'invalid_request')
      const route = { path, clientAddress: addressOf(request, server) }
      const caller = relay.authenticate(request, path, route.clientAddress)
      const body = await readBody(request)
      if (action === 'LYRICS' && !text(body.prompt)) throw new TaskError(400, 'prompt is required for lyrics', 'invalid_request')
      if (action === 'MUSIC' && !text(body.prompt) && !text(body.gpt_description_prompt)) throw new TaskError(400, 'prompt or gpt_description_prompt is required', 'invalid_request')
      let origin: TaskRow | undefined
      const forwarded = { ...body }
      if (action === 'MUSIC' && !text(forwarded.mv)) forwarded.mv = 'chirp-v3-0'
      if (text(body.task_id)) {
        // A continuation goes to the channel that made the original, under its upstream id.
        origin = await store.tasks.getByTaskId(text(body.task_id), { platform: 'suno', userId: caller.user.id })
        if (!origin) throw new TaskError(400, 'task_not_exist', 'task_not_exist')
        forwarded.task_id = taskProperties(origin).upstream_task_id ?? origin.taskId
      }
      const submission: TaskSubmission = {
        action, modelName: `suno_${action.toLowerCase()}`, path: `/suno/submit/${action.toLowerCase()}`, body: forwarded, origin,
        properties: { prompt: text(body.prompt) || text(body.gpt_description_prompt), title: text(body.title), tags: text(body.tags), mv: forwarded.mv ?? '' },
      }
      return await relay.submit(adaptor, caller, route, submission, () => `task_${randomAlphanumeric(32)}`)
    } catch (error) {
      return fail(error)
    }
  }

  async function fetchMany({ request, server, path }: Context) {
    try {
      const caller = relay.authenticate(request, path, addressOf(request, server))
      const body = await readBody(request)
      if (!Array.isArray(body.ids) || body.ids.some((id) => typeof id !== 'string')) throw new TaskError(400, 'ids must be an array of task ids', 'invalid_request')
      const tasks = await store.tasks.listByTaskIds((body.ids as string[]).slice(0, 1000), { platform: 'suno', userId: caller.user.id })
      return json({ code: 'success', message: '', data: tasks.filter((task) => !text(body.action) || task.action === text(body.action).toUpperCase()).map(sunoTaskDto) })
    } catch (error) {
      return fail(error)
    }
  }

  async function fetchOne({ request, server, path, params }: Context) {
    try {
      const caller = relay.authenticate(request, path, addressOf(request, server))
      const task = await store.tasks.getByTaskId(params.id!, { platform: 'suno', userId: caller.user.id })
      if (!task) throw new TaskError(404, 'task_not_exist', 'task_not_exist')
      return json({ code: 'success', message: '', data: sunoTaskDto(task) })
    } catch (error) {
      return fail(error)
    }
  }

  const notFound = ({ path }: { path: string }) => adaptor.errorResponse(404, `No Suno route for ${path}`, 'not_found')
  return new Elysia({ name: 'tollgate.suno' })
    .post('/suno/submit/:action', (context) => submit(context as unknown as Context), { parse: 'none', detail: { tags: ['Relay'], summary: 'Suno submit (music or lyrics)' } })
    .post('/suno/fetch', (context) => fetchMany(context as unknown as Context), { parse: 'none', detail: { tags: ['Relay'], summary: 'Suno tasks by id' } })
    .get('/suno/fetch/:id', (context) => fetchOne(context as unknown as Context), { detail: { tags: ['Relay'], summary: 'Suno task' } })
    .get('/suno', notFound, { detail: { hide: true } })
    .get('/suno/*', notFound, { detail: { hide: true } })
    .post('/suno/*', notFound, { parse: 'none', detail: { hide: true } })
}
