import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { APIError } from 'openai'
import { CNY_PER_USD } from '../../billing/default-prices-table.ts'
import { startRelayHarness, type RelayHarness } from '../../testing/relay.ts'
import { readFixtureJson } from '../replay-fixture.ts'

/**
 * Wanx images end to end: the official openai SDK's `images.generate` against the real server, a channel of type 17
 * and a local DashScope following its API reference (fixtures/upstream/ali/): it refuses a missing Bearer key and a
 * submit without `X-DashScope-Async: enable` as DashScope does, and walks each task PENDING → RUNNING → SUCCEEDED
 * over the gateway's polls. Bills are read back from the log rows.
 */

const KEY = 'sk-ali-upstream'
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])

interface Task { answers: Record<string, unknown>[] }
const tasks = new Map<string, Task>()
const submits: { headers: Record<string, string>; body: Record<string, unknown> }[] = []
const polls: string[] = []
let dashscope: ReturnType<typeof Bun.serve>
let dashscopeUrl: string

const fixture = (name: string) => readFixtureJson(`ali/${name}`)

/** The finished task of the fixture with its image URLs on this server, so b64_json can fetch them. */
function succeeded(id: string, name = 'wanx-task-succeeded.json') {
  const task = fixture(name) as { output: Record<string, unknown> & { results: Record<string, unknown>[] } }
  task.output.task_id = id
  task.output.results = task.output.results.map((result, index) => (typeof result.url === 'string' ? { ...result, url: `${dashscopeUrl}/results/${id}-${index}.png` } : result))
  return task
}

function withId(name: string, id: string) {
  const task = fixture(name) as { output: Record<string, unknown> }
  task.output.task_id = id
  return task
}

async function mockDashScope(request: Request): Promise<Response> {
  const url = new URL(request.url)
  if (url.pathname.startsWith('/results/')) return new Response(png, { headers: { 'content-type': 'image/png' } })
  if (request.headers.get('authorization') !== `Bearer ${KEY}`) return Response.json(fixture('wanx-error-invalid-api-key.json'), { status: 401 })
  if (request.method === 'POST' && url.pathname === '/api/v1/services/aigc/text2image/image-synthesis') {
    // DashScope's HTTP image synthesis is asynchronous only; a synchronous call is refused.
    if (request.headers.get('x-dashscope-async') !== 'enable') return Response.json({ code: 'AccessDenied', message: 'current user api does not support synchronous calls' }, { status: 403 })
    const body = await request.json() as { model: string; input: { prompt: string } }
    submits.push({ headers: Object.fromEntries(request.headers), body })
    if (body.input.prompt.includes('forbidden')) return Response.json(fixture('wanx-error-data-inspection.json'), { status: 400 })
    const id = crypto.randomUUID()
    const pending = withId('wanx-task-running.json', id)
    pending.output.task_status = 'PENDING'
    const answers = body.input.prompt.includes('break') ? [withId('wanx-task-failed.json', id)] : [pending, withId('wanx-task-running.json', id), succeeded(id)]
    tasks.set(id, { answers })
    return Response.json({ ...fixture('wanx-submit.json'), output: { task_id: id, task_status: 'PENDING' } })
  }
  const taskMatch = /^\/api\/v1\/tasks\/([\w-]+)$/.exec(url.pathname)
  if (request.method === 'GET' && taskMatch) {
    const task = tasks.get(taskMatch[1]!)
    if (!task) return Response.json({ code: 'InvalidParameter', message: 'task not found' }, { status: 400 })
    polls.push(taskMatch[1]!)
    return Response.json(task.answers.length > 1 ? task.answers.shift() : task.answers[0])
  }
  return Response.json({ code: 'NotFound', message: `no route for ${url.pathname}` }, { status: 404 })
}

let harness: RelayHarness
let key: string

async function lastRow(model: string) {
  await harness.server.flushUsage()
  const row = (await harness.root.call('GET', `/api/log/?type=2&model_name=${encodeURIComponent(model)}&page_size=1`)).body.data.items[0]
  return row ? { ...row, other: JSON.parse(row.other) } : undefined
}

async function refusal(request: Promise<unknown>): Promise<APIError> {
  try {
    await request
  } catch (error) {
    if (error instanceof APIError) return error
    throw error
  }
  throw new Error('the request succeeded')
}

beforeAll(async () => {
  dashscope = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: mockDashScope })
  dashscopeUrl = `http://127.0.0.1:${dashscope.port}`
  harness = await startRelayHarness()
  key = (await harness.addToken()).key
  await harness.addChannel({ type: 17, name: 'dashscope', key: KEY, base_url: dashscopeUrl, models: 'wanx2.1-t2i-turbo,wanx2.1-t2i-plus,wanx-v1' })
})
afterAll(async () => {
  await harness.dispose()
  await dashscope.stop(true)
})

describe('Ali Wanx images through the openai SDK', () => {
  test('generations: submitted asynchronously, polled to SUCCEEDED, answered as URLs with revised prompts; billed ModelPrice × n', async () => {
    submits.length = 0
    polls.length = 0
    const result = await harness.client(key).images.generate({ model: 'wanx2.1-t2i-turbo', prompt: '一间有着精致窗户的花店', n: 2, size: '1024x1024' })
    expect(submits).toHaveLength(1)
    expect(submits[0]!.headers['x-dashscope-async']).toBe('enable')
    expect(submits[0]!.body).toEqual({ model: 'wanx2.1-t2i-turbo', input: { prompt: '一间有着精致窗户的花店' }, parameters: { n: 2, size: '1024*1024' } })
    expect(polls).toHaveLength(3)
    const taskId = polls[0]!
    expect(result.data!.map((image) => image.url)).toEqual([`${dashscopeUrl}/results/${taskId}-0.png`, `${dashscopeUrl}/results/${taskId}-1.png`])
    expect(result.data![0]!.revised_prompt).toBe('一间有着精致雕花窗户的花店，漂亮的深色木质门上挂着铜制把手，店内摆放着各式各样的鲜花。')
    const row = (await lastRow('wanx2.1-t2i-turbo'))!
    // The default price: ¥0.14 per image at the table's yuan rate, × 500 000 quota per USD × 2 images.
    expect(row.other.model_price).toBeCloseTo(0.14 / CNY_PER_USD.rate, 6)
    expect(row.quota).toBe(Math.round(row.other.model_price * 500_000 * 2))
    expect(row.other.billed_for).toMatchObject({ n: 2, size: '1024x1024' })
  }, 20_000)

  test('response_format b64_json: the result images are fetched and answered inline', async () => {
    const result = await harness.client(key).images.generate({ model: 'wanx2.1-t2i-plus', prompt: 'a flower shop', response_format: 'b64_json' })
    expect(result.data!.map((image) => image.b64_json)).toEqual([Buffer.from(png).toString('base64'), Buffer.from(png).toString('base64')])
    expect(result.data![0]!.url).toBeUndefined()
  }, 20_000)

  test('a FAILED task is an OpenAI-shaped 502 carrying DashScope\'s message, and nothing is billed', async () => {
    const error = await refusal(harness.client(key).images.generate({ model: 'wanx-v1', prompt: 'break the painter' }))
    expect(error.status).toBe(502)
    expect(error.message).toContain('An internal error has occured during execution')
    expect(await lastRow('wanx-v1')).toBeUndefined()
  }, 20_000)

  test('a submit refused by DataInspectionFailed is a content_policy_violation 400', async () => {
    const error = await refusal(harness.client(key).images.generate({ model: 'wanx2.1-t2i-turbo', prompt: 'something forbidden' }))
    expect(error.status).toBe(400)
    expect(error.code).toBe('content_policy_violation')
    expect(error.message).toContain('Input data may contain inappropriate content.')
  })

  test('setting.image_task_timeout must be a whole number of seconds, at least 1', async () => {
    const response = await harness.root.call('POST', '/api/channel/', { mode: 'single', channel: { type: 17, name: 'bad timeout', key: KEY, base_url: dashscopeUrl, models: 'wanx-v1', group: 'default', setting: JSON.stringify({ image_task_timeout: 0 }) } })
    expect(response.body.success).toBe(false)
    expect(response.body.message).toContain('setting.image_task_timeout')
  })

  test('a size Wanx cannot make is refused before any call, naming size', async () => {
    submits.length = 0
    const error = await refusal(harness.client(key).images.generate({ model: 'wanx-v1', prompt: 'a cat', size: '512x512' }))
    expect(error.status).toBe(400)
    expect(error.message).toContain('"size"')
    expect(submits).toHaveLength(0)
  })
})
