/**
 * Local mock Midjourney-Proxy and Suno-API servers for the task tests, on real ports. Each follows its published
 * API (novicezk/midjourney-proxy docs/api.md; Suno-API's /suno/submit and /suno/fetch as new-api calls them) and
 * moves its tasks SUBMITTED → IN_PROGRESS → SUCCESS (or FAILURE when the prompt says "fail") on its own clock,
 * one step every `stepMs`, calling the task's notifyHook on every step as the proxy does.
 */

export interface MockTaskUpstream {
  url: string
  /** Every request received: path, the key it carried, and its JSON body. */
  requests: { path: string; key: string; body: any }[]
  /** Fetch requests that named these ids (poll traffic). */
  fetches: number
  /** Answer garbage (HTTP 200, not JSON) to fetches from now on. */
  garbage: boolean
  stop(): Promise<void>
}

const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0))
export const mockPng = PNG

interface MockTask { id: string; prompt: string; action: string; step: number; fail: boolean; notifyHook?: string; imageUrl?: string; submitTime: number; startTime: number; finishTime: number }

function steps(task: MockTask): { status: string; progress: string } {
  if (task.step <= 0) return { status: 'SUBMITTED', progress: '0%' }
  if (task.step === 1) return { status: 'IN_PROGRESS', progress: '50%' }
  return task.fail ? { status: 'FAILURE', progress: '100%' } : { status: 'SUCCESS', progress: '100%' }
}

/** The upstream's own clock: every `stepMs` each unfinished task moves one step on. */
function startClock<T extends MockTask>(tasks: Map<string, T>, stepMs: number, onStep: (task: T) => void) {
  return setInterval(() => {
    for (const task of tasks.values()) {
      if (task.step >= 2) continue
      task.step++
      if (task.step === 1) task.startTime = Date.now()
      if (task.step === 2) task.finishTime = Date.now()
      onStep(task)
    }
  }, stepMs)
}

/** Fill in the mock's address and how it stops (its clock, then its server). */
function running<State extends MockTaskUpstream>(state: State, server: { port?: number; stop(force: boolean): Promise<void> }, clock: ReturnType<typeof setInterval>): State {
  state.url = `http://127.0.0.1:${server.port}`
  state.stop = async () => {
    clearInterval(clock)
    await server.stop(true)
  }
  return state
}

/** Read until `done` says yes (a task moving on on the mock's clock); no timing is asserted, only the end state. */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; attempt < 400; attempt++) {
    const value = await read()
    if (done(value)) return value
    await Bun.sleep(25)
  }
  throw new Error('condition not reached')
}

export async function startMockMidjourney(options: { keys: string[]; stepMs: number }): Promise<MockTaskUpstream> {
  const tasks = new Map<string, MockTask>()
  let counter = 1_700_000_000_000
  const state: MockTaskUpstream = { url: '', requests: [], fetches: 0, garbage: false, stop: async () => {} }
  const dto = (task: MockTask) => {
    const { status, progress } = steps(task)
    return {
      id: task.id, action: task.action, prompt: task.prompt, promptEn: task.prompt, description: '/imagine ' + task.prompt, state: '', status, progress,
      submitTime: task.submitTime, startTime: task.startTime, finishTime: task.finishTime, failReason: status === 'FAILURE' ? 'banned prompt' : '',
      imageUrl: status === 'SUCCESS' ? (task.imageUrl ?? `${state.url}/mj/image/${task.id}.png`) : '',
      buttons: status === 'SUCCESS' ? [{ customId: `MJ::JOB::upsample::1::${task.id}`, label: 'U1', emoji: '', style: 2, type: 2 }] : [],
      properties: {},
    }
  }
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const key = request.headers.get('mj-api-secret') ?? ''
      if (url.pathname.startsWith('/mj/image/')) return new Response(PNG, { headers: { 'content-type': 'image/png' } })
      if (!options.keys.includes(key)) return Response.json({ code: 401, description: 'invalid mj-api-secret' }, { status: 401 })
      const body = request.method === 'POST' ? await request.json() : undefined
      state.requests.push({ path: url.pathname, key, body })
      if (url.pathname === '/mj/task/list-by-condition') {
        state.fetches++
        if (state.garbage) return new Response('<html>proxy error</html>', { headers: { 'content-type': 'text/html' } })
        return Response.json((body.ids as string[]).map((id) => tasks.get(id)).filter(Boolean).map((task) => dto(task!)))
      }
      const seed = /^\/mj\/task\/([^/]+)\/image-seed$/.exec(url.pathname)
      if (seed) return Response.json({ code: 1, description: 'success', result: `seed-of-${seed[1]}` })
      if (url.pathname.startsWith('/mj/submit/') || url.pathname === '/mj/insight-face/swap') {
        const prompt = String(body.prompt ?? '')
        if (prompt.includes('noaccount')) return Response.json({ code: 3, description: 'No available account instance', result: null })
        const id = String(counter++)
        const action = url.pathname.split('/').pop()!.toUpperCase()
        tasks.set(id, {
          id, prompt, action, step: 0, fail: prompt.includes('fail'), notifyHook: body.notifyHook, submitTime: Date.now(), startTime: 0, finishTime: 0,
          imageUrl: prompt.includes('metadata') ? 'http://169.254.169.254/latest/meta-data/' : undefined,
        })
        return Response.json({ code: 1, description: '提交成功', properties: { discordInstanceId: '1' }, result: id })
      }
      return Response.json({ code: 4, description: 'not found' }, { status: 404 })
    },
  })
  return running(state, server, startClock(tasks, options.stepMs, (task) => {
    if (task.notifyHook) fetch(task.notifyHook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dto(task)) }).catch(() => {})
  }))
}

export async function startMockSuno(options: { key: string; stepMs: number }): Promise<MockTaskUpstream> {
  const tasks = new Map<string, MockTask & { kind: string }>()
  let counter = 0
  const state: MockTaskUpstream = { url: '', requests: [], fetches: 0, garbage: false, stop: async () => {} }
  const dto = (task: MockTask & { kind: string }) => {
    const { status, progress } = steps(task)
    return {
      task_id: task.id, action: task.kind, status, progress, fail_reason: status === 'FAILURE' ? 'generation failed' : '',
      submit_time: Math.floor(task.submitTime / 1000), start_time: Math.floor(task.startTime / 1000), finish_time: Math.floor(task.finishTime / 1000),
      data: status === 'SUCCESS' ? [{ id: `clip-${task.id}`, audio_url: `${state.url}/files/${task.id}.mp3`, image_url: '', title: task.prompt, status: 'complete', metadata: { tags: 'pop' } }] : [],
    }
  }
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const key = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '')
      if (key !== options.key) return Response.json({ code: 'unauthorized', message: 'bad key', data: null }, { status: 401 })
      const body = await request.json()
      state.requests.push({ path: url.pathname, key, body })
      const submit = /^\/suno\/submit\/(music|lyrics)$/.exec(url.pathname)
      if (submit) {
        const id = `upstream-${++counter}`
        const prompt = String(body.prompt ?? body.gpt_description_prompt ?? '')
        tasks.set(id, { id, kind: submit[1]!.toUpperCase(), prompt, action: submit[1]!, step: 0, fail: prompt.includes('fail'), submitTime: Date.now(), startTime: 0, finishTime: 0 })
        return Response.json({ code: 'success', message: '', data: id })
      }
      if (url.pathname === '/suno/fetch') {
        state.fetches++
        if (state.garbage) return new Response('oops', { status: 200 })
        return Response.json({ code: 'success', message: '', data: (body.ids as string[]).map((id) => tasks.get(id)).filter(Boolean).map((task) => dto(task!)) })
      }
      return Response.json({ code: 'not_found', message: 'no route', data: null }, { status: 404 })
    },
  })
  return running(state, server, startClock(tasks, options.stepMs, () => {}))
}

/** Bytes the mock Sora serves as every finished video (an MP4 `ftyp` box, then filler), large enough to stream in chunks. */
export const mockVideo = (() => {
  const bytes = new Uint8Array(300_000)
  bytes.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32])
  for (let index = 12; index < bytes.length; index++) bytes[index] = index % 251
  return bytes
})()

/**
 * A mock of OpenAI's video API (Sora): `POST /v1/videos` (JSON or multipart, as the openai SDK sends it), `GET
 * /v1/videos/{id}` (queued → in_progress → completed, or failed when the prompt says "fail"), `GET
 * /v1/videos/{id}/content`.
 */
export async function startMockSora(options: { key: string; stepMs: number }): Promise<MockTaskUpstream & { uploads: { contentType: string; fields: Record<string, string> }[] }> {
  const tasks = new Map<string, MockTask & { model: string; seconds: string; size: string }>()
  let counter = 0
  const state = { url: '', requests: [] as MockTaskUpstream['requests'], fetches: 0, garbage: false, uploads: [] as { contentType: string; fields: Record<string, string> }[], stop: async () => {} }
  const video = (task: MockTask & { model: string; seconds: string; size: string }) => {
    const { status } = steps(task)
    const openAi = status === 'SUBMITTED' ? 'queued' : status === 'IN_PROGRESS' ? 'in_progress' : status === 'SUCCESS' ? 'completed' : 'failed'
    return {
      id: task.id, object: 'video', model: task.model, status: openAi, progress: task.step === 0 ? 0 : task.step === 1 ? 50 : 100,
      created_at: Math.floor(task.submitTime / 1000), completed_at: task.finishTime ? Math.floor(task.finishTime / 1000) : null,
      // "longer" in the prompt: the finished video runs 4 s longer than asked (the gateway settles the difference).
      expires_at: null, seconds: openAi === 'completed' && task.prompt.includes('longer') ? String(Number(task.seconds) + 4) : task.seconds, size: task.size, remixed_from_video_id: null,
      error: openAi === 'failed' ? { code: 'moderation_blocked', message: 'Your request was blocked by our moderation system.' } : null,
    }
  }
  const server = Bun.serve({
    port: 0, hostname: '127.0.0.1',
    async fetch(request) {
      const url = new URL(request.url)
      const key = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '')
      if (key !== options.key) return Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 })
      state.requests.push({ path: url.pathname, key, body: null })
      if (request.method === 'POST' && url.pathname === '/v1/videos') {
        const contentType = request.headers.get('content-type') ?? ''
        const fields: Record<string, string> = {}
        if (contentType.startsWith('multipart/form-data')) {
          for (const [name, value] of await request.formData()) fields[name] = typeof value === 'string' ? value : `file:${value.size}`
        } else Object.assign(fields, await request.json())
        state.uploads.push({ contentType, fields })
        if (!fields.prompt) return Response.json({ error: { message: "Missing required parameter: 'prompt'.", type: 'invalid_request_error', code: 'missing_required_parameter' } }, { status: 400 })
        const id = `video_upstream_${++counter}`
        const task = { id, prompt: fields.prompt, action: 'generate', step: 0, fail: fields.prompt.includes('fail'), submitTime: Date.now(), startTime: 0, finishTime: 0, model: fields.model ?? 'sora-2', seconds: String(fields.seconds ?? '4'), size: fields.size ?? '720x1280' }
        tasks.set(id, task)
        return Response.json(video(task))
      }
      const match = /^\/v1\/videos\/([^/]+)(\/content)?$/.exec(url.pathname)
      const task = match ? tasks.get(match[1]!) : undefined
      if (!task) return Response.json({ error: { message: 'Video not found', type: 'invalid_request_error', code: 'not_found' } }, { status: 404 })
      if (match![2]) {
        if (steps(task).status !== 'SUCCESS') return Response.json({ error: { message: 'Video is not ready', type: 'invalid_request_error', code: null } }, { status: 400 })
        return new Response(mockVideo, { headers: { 'content-type': 'video/mp4' } })
      }
      state.fetches++
      if (state.garbage) return new Response('not json', { status: 200 })
      return Response.json(video(task))
    },
  })
  return running(state, server, startClock(tasks, options.stepMs, () => {}))
}
