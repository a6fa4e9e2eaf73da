/**
 * A Midjourney-Proxy for the poller bench, run as its own process (so its work is not counted as the gateway's):
 * `list-by-condition` answers every asked id with a realistic task DTO, IN_PROGRESS until `POST /bench/finish {ids}`
 * marks it SUCCESS; a finished id that was submitted with a notifyHook is also reported to that hook at once, as the
 * proxy does. `bun bench/mock-task-proxy.ts [--port N]` prints `{"url","port"}` on its first line.
 */
const finished = new Set<string>()
const hooks = new Map<string, string>()
let counter = 1_800_000_000_000

const dto = (id: string) => {
  const done = finished.has(id)
  return {
    id, action: 'IMAGINE', prompt: 'a lighthouse at dusk, volumetric light --ar 16:9', promptEn: 'a lighthouse at dusk, volumetric light --ar 16:9',
    description: '/imagine a lighthouse at dusk', state: '', submitTime: 1_764_000_000_000, startTime: 1_764_000_001_000, finishTime: done ? 1_764_000_060_000 : 0,
    imageUrl: done ? `https://cdn.discordapp.com/attachments/1/2/${id}.png` : '', status: done ? 'SUCCESS' : 'IN_PROGRESS', progress: done ? '100%' : '53%', failReason: '',
    buttons: done ? ['U1', 'U2', 'U3', 'U4', 'V1', 'V2', 'V3', 'V4'].map((label) => ({ customId: `MJ::JOB::${label[0] === 'U' ? 'upsample' : 'variation'}::${label[1]}::${id}`, emoji: '', label, type: 2, style: 2 })) : [],
    properties: { discordInstanceId: '1118138338562560102', finalPrompt: 'a lighthouse at dusk, volumetric light --ar 16:9' },
  }
}

export function startMockTaskProxy(port = 0) {
  return Bun.serve({
    port, hostname: '127.0.0.1',
    async fetch(request) {
      const path = new URL(request.url).pathname
      const body = request.method === 'POST' ? await request.json() as Record<string, any> : {}
      if (path === '/mj/task/list-by-condition') return Response.json((body.ids as string[]).map(dto))
      if (path === '/mj/submit/imagine') {
        const id = String(counter++)
        if (typeof body.notifyHook === 'string') hooks.set(id, body.notifyHook)
        return Response.json({ code: 1, description: '提交成功', properties: {}, result: id })
      }
      if (path === '/bench/finish') {
        for (const id of body.ids as string[]) {
          finished.add(id)
          const hook = hooks.get(id)
          if (hook) fetch(hook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(dto(id)) }).catch(() => {})
        }
        return Response.json({ finished: (body.ids as string[]).length })
      }
      return Response.json({ code: 4, description: 'not found' }, { status: 404 })
    },
  })
}

if (import.meta.main) {
  const index = process.argv.indexOf('--port')
  const server = startMockTaskProxy(index > 0 ? Number(process.argv[index + 1]) : 0)
  console.log(JSON.stringify({ url: `http://127.0.0.1:${server.port}`, port: server.port }))
}
