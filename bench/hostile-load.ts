/**
 * `bun bench/hostile-load.ts [--seconds 10] [--clients 32] [--root DIR]`: the stall test of issue 12. Starts the
 * gateway (the checkout at --root, default this one) in its own process, then 32 clients send the worst bodies found
 * (deep nesting at and past the limits, oversize and chunked bodies, validation failures, anonymous megabyte relay
 * bodies) while a probe asks GET /api/status every 10 ms. Reports the probe's delay percentiles (the event-loop lag a
 * hostile client causes everyone else) and the gateway's RSS idle, during (median and peak), at the end and after a
 * GC settles, against issue 12's targets: p99 under 5 ms, RSS under twice idle.
 *
 * The probe runs in a worker thread, so the attackers' own work (building and sending megabyte bodies) does not
 * delay it, and on a fixed schedule: each probe's delay is counted from when it fell due, not from when the previous
 * one returned, so a stall shows in every probe it held back instead of in one.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { startGatewayProcess } from '../src/testing/gateway-process.ts'
import { percentile } from './stats.ts'

const PROBE_INTERVAL_MS = 10
const LAG_TARGET_MS = 5
const RSS_TARGET_RATIO = 2

/**
 * Worker side: a probe of `url` falls due every 10 ms for `ms` and is sent then, whether or not the earlier ones
 * have returned (open loop); each one's delay runs from when it fell due to its answer.
 */
async function probeFor(url: string, ms: number): Promise<number[]> {
  const probes: Promise<number>[] = []
  const started = performance.now()
  for (let due = started; due < started + ms; due += PROBE_INTERVAL_MS) {
    const wait = due - performance.now()
    if (wait > 0) await Bun.sleep(wait)
    const sentDue = due
    probes.push(fetch(url).then((response) => response.arrayBuffer()).then(() => performance.now() - sentDue))
  }
  return Promise.all(probes)
}

if (!isMainThread) {
  const { url, ms } = workerData as { url: string; ms: number }
  parentPort!.postMessage(await probeFor(url, ms))
  // The rest of this file is the main thread's: the worker stays here until it is terminated.
  await new Promise(() => {})
}

/** The probe in its own thread for `ms`; resolves with the sorted delays. */
function probe(url: string, ms: number): Promise<number[]> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { url, ms } })
  return new Promise((resolve, reject) => {
    worker.once('message', (delays: number[]) => {
      void worker.terminate()
      resolve(delays.sort((a, b) => a - b))
    })
    worker.once('error', reject)
  })
}

const { values } = parseArgs({ options: { only: { type: 'string' }, seconds: { type: 'string', default: '10' }, clients: { type: 'string', default: '32' }, root: { type: 'string' } } })
const seconds = Number(values.seconds)
const clients = Number(values.clients)
const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-hostile-'))
const password = 'root-password-for-bench'
const cwd = process.cwd()
if (values.root) process.chdir(values.root)
const { child, url } = await startGatewayProcess({ DATA_DIR: dataDir, INITIAL_ROOT_PASSWORD: password })
process.chdir(cwd)
const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024

const login = await fetch(`${url}/api/user/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root', password }) })
const cookie = login.headers.get('set-cookie')!.split(';')[0]!
const token = await (await fetch(`${url}/api/token/`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ name: 'hostile', unlimited_quota: true }) })).json() as { data: { id: number } }
const key = (await (await fetch(`${url}/api/token/${token.data.id}/key`, { method: 'POST', headers: { cookie } })).json() as { data: { key: string } }).data.key

const nest = (depth: number, open = '[', close = ']') => open.repeat(depth) + '1' + close.repeat(depth)
/** Fills `bytes` with arrays nested `depth` deep, side by side: the most structure a body within the limits holds. */
const wide = (bytes: number, depth: number) => { const one = nest(depth); return `[${Array(Math.floor(bytes / (one.length + 1))).fill(one).join(',')}]` }
const json = { 'content-type': 'application/json' }
const hostile: { method: string; path: string; body: string | (() => ReadableStream); headers: Record<string, string> }[] = [
  { method: 'POST', path: '/api/user/login', body: `{"username":${nest(20000, '{"a":', '}')},"password":"x"}`, headers: json },
  { method: 'POST', path: '/api/user/register', body: `{"username":${wide(60_000, 63)},"password":"x12345678"}`, headers: json },
  { method: 'POST', path: '/api/user/login', body: `{"username":${wide(60_000, 63)},"password":"x"}`, headers: json },
  { method: 'POST', path: '/api/token/', body: `{"name":${nest(5000)}}`, headers: { ...json, cookie } },
  { method: 'PUT', path: '/api/channel/', body: `{"id":1,"other":${nest(100_000)}}`, headers: { ...json, cookie } },
  { method: 'POST', path: '/api/user/login', body: () => new ReadableStream({ pull(controller) { controller.enqueue(new TextEncoder().encode('['.repeat(16384))) } }), headers: json },
  { method: 'POST', path: '/v1/chat/completions', body: `{"model":"m","x":${nest(100_000)}}`, headers: { ...json, authorization: `Bearer sk-${key}` } },
  { method: 'POST', path: '/v1/chat/completions', body: `{"model":"m","x":"${'a'.repeat(8 * 1048576)}"}`, headers: { ...json, authorization: 'Bearer sk-not-a-key' } },
]

/** --only 1,3: a subset of the bodies above (0-based), to see what each costs. */
const chosen = values.only ? values.only.split(',').map((index) => hostile[Number(index)]!) : hostile

let stop = false
const sent = new Map<number, number>()
async function attacker(index: number) {
  let turn = index
  while (!stop) {
    const item = chosen[turn++ % chosen.length]!
    try {
      const response = await fetch(url + item.path, { method: item.method, headers: item.headers, body: typeof item.body === 'string' ? item.body : item.body(), duplex: 'half' } as RequestInit)
      await response.arrayBuffer()
      sent.set(response.status, (sent.get(response.status) ?? 0) + 1)
    } catch {
      sent.set(0, (sent.get(0) ?? 0) + 1)
    }
  }
}

Bun.gc(true)
await Bun.sleep(500)
const idle = rssMb()
// The probe alone first: the floor of its delay on this machine.
const baseline = await probe(`${url}/api/status`, 2000)
const attackers = Array.from({ length: clients }, (_, index) => attacker(index))
const during: number[] = []
const sampler = setInterval(() => during.push(rssMb()), 100)
const latencies = await probe(`${url}/api/status`, seconds * 1000)
stop = true
await Promise.all(attackers)
clearInterval(sampler)
const end = rssMb()
await Bun.sleep(3000)
const settled = rssMb()
during.sort((a, b) => a - b)
const peak = Math.max(idle, during.at(-1) ?? idle)
const fmt = (values: number[]) => `p50 ${percentile(values, 0.5).toFixed(2)} ms, p99 ${percentile(values, 0.99).toFixed(2)} ms, max ${values.at(-1)!.toFixed(2)} ms (${values.length} probes)`
console.log(`status probe every ${PROBE_INTERVAL_MS} ms, idle:     ${fmt(baseline)}`)
console.log(`status probe every ${PROBE_INTERVAL_MS} ms, attacked: ${fmt(latencies)}`)
console.log(`hostile requests by status: ${JSON.stringify(Object.fromEntries(sent))}`)
const cpu = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
console.log(`gateway CPU: ${((Number(cpu[11]) + Number(cpu[12])) / 100).toFixed(1)} s`)
console.log(`gateway RSS: idle ${idle.toFixed(0)} MB, during median ${percentile(during, 0.5).toFixed(0)} MB / peak ${peak.toFixed(0)} MB, end ${end.toFixed(0)} MB, 3 s later ${settled.toFixed(0)} MB`)
const p99 = percentile(latencies, 0.99)
console.log(`issue 12 targets: probe p99 ${p99.toFixed(2)} ms ${p99 < LAG_TARGET_MS ? '<' : '>='} ${LAG_TARGET_MS} ms (${p99 < LAG_TARGET_MS ? 'met' : 'MISSED'}); peak RSS ${(peak / idle).toFixed(2)}x idle ${peak < RSS_TARGET_RATIO * idle ? '<' : '>='} ${RSS_TARGET_RATIO}x (${peak < RSS_TARGET_RATIO * idle ? 'met' : 'MISSED'})`)
child.kill()
await child.exited
rmSync(dataDir, { recursive: true, force: true })
