/**
 * Closed-loop HTTP load with autocannon. Latency is taken from autocannon's per-response timing (hrtime,
 * sub-millisecond) rather than its summary histogram, whose 1 ms resolution hides a gateway's overhead.
 */
import autocannon from 'autocannon'
import { treeCpuSeconds } from './processes.ts'
import { SampleReservoir, summarize } from './stats.ts'
import type { Summary } from './stats.ts'

export interface LoadRequest {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
}

export interface LoadSettings {
  connections: number
  durationSeconds: number
  /** A discarded run first, so JIT warm-up and connection set-up do not land in the figures. */
  warmupSeconds?: number
  timeoutSeconds?: number
  /** Server process whose CPU time (with its children) is charged to the measured requests. */
  cpuPid?: number
}

export interface LoadResult {
  connections: number
  durationSeconds: number
  /** 2xx responses per second. */
  requestsPerSecond: number
  /** Time to the whole response, ms, 2xx responses only. */
  latency: Summary
  ok: number
  non2xx: number
  /** Responses per HTTP status other than 2xx, e.g. { "401": 12 }. */
  failedStatuses: Record<string, number>
  errors: number
  timeouts: number
  bytesPerSecond: number
  /** CPU time the server process tree spent per response, µs (null without cpuPid). */
  cpuMicrosecondsPerRequest: number | null
}

async function attack(request: LoadRequest, connections: number, durationSeconds: number, timeoutSeconds: number, record?: (status: number, milliseconds: number) => void) {
  const instance = autocannon({
    url: request.url,
    method: request.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    connections,
    duration: durationSeconds,
    timeout: timeoutSeconds,
  })
  if (record) instance.on('response', (_client, statusCode, _bytes, responseTime) => record(statusCode, responseTime))
  return await instance
}

export async function runLoad(request: LoadRequest, settings: LoadSettings): Promise<LoadResult> {
  const timeoutSeconds = settings.timeoutSeconds ?? 30
  if (settings.warmupSeconds && settings.warmupSeconds > 0) {
    await attack(request, settings.connections, settings.warmupSeconds, timeoutSeconds)
  }
  const latencies = new SampleReservoir(500_000)
  let ok = 0
  let non2xx = 0
  const failedStatuses: Record<string, number> = {}
  const cpuBefore = settings.cpuPid === undefined ? 0 : treeCpuSeconds(settings.cpuPid)
  const result = await attack(request, settings.connections, settings.durationSeconds, timeoutSeconds, (statusCode, milliseconds) => {
    if (statusCode >= 200 && statusCode < 300) {
      ok++
      latencies.add(milliseconds)
    } else {
      non2xx++
      failedStatuses[statusCode] = (failedStatuses[statusCode] ?? 0) + 1
    }
  })
  const cpuSeconds = settings.cpuPid === undefined ? null : treeCpuSeconds(settings.cpuPid) - cpuBefore
  const responses = ok + non2xx
  return {
    connections: settings.connections,
    durationSeconds: result.duration,
    requestsPerSecond: ok / result.duration,
    latency: summarize(latencies.values()),
    ok,
    non2xx,
    failedStatuses,
    errors: result.errors,
    timeouts: result.timeouts,
    bytesPerSecond: result.throughput.average,
    cpuMicrosecondsPerRequest: cpuSeconds === null || responses === 0 ? null : (cpuSeconds * 1e6) / responses,
  }
}
