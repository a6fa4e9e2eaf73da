/**
 * Scenario 10 (only when named: `--scenario 10`): realtime sessions over WebSocket, Tollgate against the mock
 * realtime upstream called directly (bench/mock-realtime-upstream.ts, its own process). Two measurements:
 *   - 500 idle sessions held open at once: resident memory per session (target < 64 KB);
 *   - 100 sessions sending 50 frames/s each (`mock.echo`, answered at once by the upstream): the round trip of a
 *     frame, whose difference to direct is twice the latency Tollgate adds per frame (target p50 < 0.3 ms).
 * The bare column is bench/bare-realtime-proxy.ts, a WebSocket relay with nothing else: the floor for any Bun gateway.
 */
import { join } from 'node:path'
import { spawnAnnouncingServer, treeCpuSeconds, treeRssMegabytes, type ChildServer } from './processes.ts'
import type { ScenarioResult } from './report.ts'
import { row, valuesOf, type ScenarioContext } from './scenarios.ts'
import { summarize } from './stats.ts'
import { benchDirectory, type Target, type TollgateTarget } from './targets.ts'

const realtimeModel = 'bench-realtime'
const IDLE_SESSIONS = 500
const BUSY_SESSIONS = 100
const FRAMES_PER_SECOND = 50

interface Endpoint { url: string; headers: Record<string, string>; pid: number }

/** One session, open once `session.created` arrived; `onFrame` sees every later frame. */
function openSession(endpoint: Endpoint, onFrame: (data: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(endpoint.url, { headers: endpoint.headers } as unknown as string[])
    let ready = false
    socket.onmessage = (message) => {
      const data = String(message.data)
      if (!ready) {
        if (data.includes('"session.created"')) {
          ready = true
          resolve(socket)
        }
        return
      }
      onFrame(data)
    }
    socket.onclose = (event) => { if (!ready) reject(new Error(`closed with ${event.code} ${event.reason} before session.created`)) }
  })
}

async function openMany(endpoint: Endpoint, count: number, onFrame: (data: string) => void): Promise<WebSocket[]> {
  const sockets: WebSocket[] = []
  // In batches, so the figure is sessions held, not a connection storm.
  for (let index = 0; index < count; index += 50) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(50, count - index) }, () => openSession(endpoint, onFrame))))
  }
  return sockets
}

async function closeAll(sockets: WebSocket[]) {
  await Promise.all(sockets.map((socket) => new Promise<void>((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve()
    socket.onclose = () => resolve()
    socket.close(1000)
  })))
}

/** RSS growth per idle session, KB. */
async function idleMemory(endpoint: Endpoint): Promise<number> {
  await closeAll(await openMany(endpoint, 20, () => {}))
  await Bun.sleep(1000)
  const before = treeRssMegabytes(endpoint.pid)
  const sockets = await openMany(endpoint, IDLE_SESSIONS, () => {})
  await Bun.sleep(1000)
  const after = treeRssMegabytes(endpoint.pid)
  await closeAll(sockets)
  return ((after - before) * 1024) / IDLE_SESSIONS
}

/** Round trips of echoed frames, ms, over `seconds` with BUSY_SESSIONS sessions at FRAMES_PER_SECOND each. */
async function echoRoundTrips(endpoint: Endpoint, seconds: number): Promise<{ p50: number; p99: number; frames: number; lost: number; cpuMicrosecondsPerFrame: number }> {
  const trips: number[] = []
  let sent = 0
  const onFrame = (data: string) => {
    const at = data.indexOf('"t":')
    if (at !== -1) trips.push(performance.now() - Number.parseFloat(data.slice(at + 4)))
  }
  const sockets = await openMany(endpoint, BUSY_SESSIONS, onFrame)
  const payload = 'x'.repeat(200)
  const cpuBefore = treeCpuSeconds(endpoint.pid)
  const deadline = performance.now() + seconds * 1000
  // Every session sends one frame per tick; ticks are spread so the frames are not all sent in one burst.
  await Promise.all(sockets.map(async (socket, index) => {
    await Bun.sleep((index * (1000 / FRAMES_PER_SECOND)) / sockets.length)
    while (performance.now() < deadline) {
      socket.send(`{"type":"mock.echo","p":"${payload}","t":${performance.now()}}`)
      sent++
      await Bun.sleep(1000 / FRAMES_PER_SECOND)
    }
  }))
  await Bun.sleep(500)
  // CPU of the process under test (for direct, the upstream's own) per echoed frame: both directions, no scheduling noise.
  const cpuMicrosecondsPerFrame = ((treeCpuSeconds(endpoint.pid) - cpuBefore) * 1e6) / Math.max(1, trips.length)
  await closeAll(sockets)
  const summary = summarize(trips)
  return { p50: summary.p50, p99: summary.p99, frames: trips.length, lost: sent - trips.length, cpuMicrosecondsPerFrame }
}

export async function scenarioRealtime(context: ScenarioContext): Promise<ScenarioResult> {
  const notes: string[] = []
  let mock: ChildServer | undefined
  let bare: ChildServer | undefined
  try {
    mock = await spawnAnnouncingServer('mock realtime upstream', ['bun', join(benchDirectory, 'mock-realtime-upstream.ts'), '--port', '0'])
    bare = await spawnAnnouncingServer('bare realtime proxy', ['bun', join(benchDirectory, 'bare-realtime-proxy.ts'), '--target', mock.url.replace('http', 'ws'), '--port', '0'])
    const endpoints = new Map<string, Endpoint>()
    const direct = { authorization: 'Bearer sk-mock-upstream' }
    endpoints.set('direct', { url: `${mock.url.replace('http', 'ws')}/v1/realtime?model=${realtimeModel}`, headers: direct, pid: mock.pid })
    endpoints.set('bare', { url: `${bare.url.replace('http', 'ws')}/v1/realtime?model=${realtimeModel}`, headers: direct, pid: bare.pid })
    for (const target of context.targets) {
      const management = (target as Partial<TollgateTarget>).management
      if (!management) continue
      await management.call('POST', '/api/channel/', { mode: 'single', channel: { type: 1, name: 'bench-realtime', key: 'sk-mock-upstream', base_url: mock.url, models: realtimeModel, group: 'default' } })
      const ratios = await management.call<{ key: string; value: string }[]>('GET', '/api/option/')
      const modelRatio = JSON.parse(ratios.find((option) => option.key === 'ModelRatio')?.value ?? '{}')
      await management.call('PUT', '/api/option/', { key: 'ModelRatio', value: JSON.stringify({ ...modelRatio, [realtimeModel]: 0.001 }) })
      const chat = target.chat('')
      endpoints.set(target.id, { url: `${chat.url.replace('/v1/chat/completions', '/v1/realtime').replace('http', 'ws')}?model=${realtimeModel}`, headers: chat.headers as Record<string, string>, pid: target.pid })
    }
    const memory = new Map<string, number>()
    const trips = new Map<string, Awaited<ReturnType<typeof echoRoundTrips>>>()
    for (const [id, endpoint] of endpoints) {
      memory.set(id, await idleMemory(endpoint))
      trips.set(id, await echoRoundTrips(endpoint, context.timing.loadSeconds))
      const trip = trips.get(id)!
      context.progress(`[s10] ${id.padEnd(16)} ${IDLE_SESSIONS} idle sessions: ${memory.get(id)!.toFixed(1)} KB each; ${BUSY_SESSIONS} × ${FRAMES_PER_SECOND} frames/s: round trip p50 ${trip.p50.toFixed(3)} ms, p99 ${trip.p99.toFixed(3)} ms, CPU ${trip.cpuMicrosecondsPerFrame.toFixed(1)} µs/frame (${trip.frames} frames${trip.lost ? `, ${trip.lost} unanswered` : ''})`)
    }
    const directTrips = trips.get('direct')
    const present = (targets: Target[]) => targets.filter((target) => endpoints.has(target.id))
    const columns = present(context.targets)
    notes.push(`Memory: RSS growth of the process tree with ${IDLE_SESSIONS} sessions open (after a warm-up of 20), per session; for direct it is the mock upstream's own, for bare the bare relay's (without the upstream's). Latency: a 250-byte text frame echoed by the upstream; Tollgate's added latency per frame is half its round trip minus direct's (each frame crosses the gateway twice). The bench client runs on the same machine.`)
    return {
      id: 10,
      title: `Realtime sessions: ${IDLE_SESSIONS} idle, ${BUSY_SESSIONS} at ${FRAMES_PER_SECOND} frames/s`,
      rows: [
        row('s10.rss-per-session', `RSS per idle session (${IDLE_SESSIONS} open; target < 64 KB)`, 'KB', valuesOf(columns, memory, (value) => value), false),
        row('s10.rtt-p50', 'frame round trip p50', 'ms', valuesOf(columns, trips, (value) => value.p50)),
        row('s10.rtt-p99', 'frame round trip p99', 'ms', valuesOf(columns, trips, (value) => value.p99)),
        row('s10.added-p50', 'added latency per frame p50 vs direct (target < 0.3 ms)', 'ms', valuesOf(columns, trips, (value) => (directTrips ? (value.p50 - directTrips.p50) / 2 : null)), false),
        row('s10.added-p99', 'added latency per frame p99 vs direct', 'ms', valuesOf(columns, trips, (value) => (directTrips ? (value.p99 - directTrips.p99) / 2 : null)), false),
        row('s10.cpu-per-frame', 'CPU per echoed frame (both directions; direct: the upstream\'s)', 'µs', valuesOf(columns, trips, (value) => value.cpuMicrosecondsPerFrame)),
        row('s10.lost', 'frames unanswered', 'count', valuesOf(columns, trips, (value) => value.lost), false),
      ],
      notes,
    }
  } finally {
    await bare?.stop()
    await mock?.stop()
  }
}
