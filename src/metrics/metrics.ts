import { collectDefaultMetrics, Gauge, Registry } from 'prom-client'

/**
 * Prometheus metrics (`GET /metrics`, on when METRICS_TOKEN is set; off, nothing is recorded at all).
 *
 * Two kinds of series:
 * - Per relay request (requests, errors, latency and upstream time to first byte, by endpoint, model and channel):
 *   recorded on the hot path into plain arrays (`RequestSeries`), a map lookup and a few additions per request,
 *   and written out in the exposition format at scrape time. prom-client's labelled histograms cost about a
 *   microsecond per observation each, which at three per request would be most of the 3% the bench allows.
 * - Everything read at scrape time (usage-writer backlog and journal, worker pool, open streams, cache sizes,
 *   process and event-loop metrics): prom-client gauges with `collect` callbacks and its default metrics.
 */

/** Latency buckets, seconds: from a cached answer to a long stream. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const FIRST_BYTE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

interface Histogram {
  counts: Float64Array
  sum: number
  count: number
}

const newHistogram = (buckets: number[]): Histogram => ({ counts: new Float64Array(buckets.length), sum: 0, count: 0 })

function observe(histogram: Histogram, buckets: number[], value: number) {
  histogram.sum += value
  histogram.count++
  // Counts per bucket (not cumulative): the scrape accumulates.
  for (let index = 0; index < buckets.length; index++) {
    if (value <= buckets[index]!) {
      histogram.counts[index]!++
      return
    }
  }
}

/** One endpoint × model × channel. */
interface RequestSeries {
  labels: string
  /** Answers by HTTP status. */
  statuses: Map<number, number>
  /** Failures by error code. */
  errors: Map<string, number>
  duration: Histogram
  firstByte: Histogram
}

/** What the relay reports. */
export interface RelayMetrics {
  /** An answered or failed request; `firstByteSeconds` when the upstream's first byte (or token) was timed. */
  request(endpoint: string, model: string, channelId: number, status: number, seconds: number, firstByteSeconds?: number, errorCode?: string): void
}

/** What the scrape reads from the running gateway. */
export interface MetricsSources {
  writer(): { queuedRows: number; journaledRows: number; flushes: number; failures: number }
  pool?(): { size: number; busy: number; queued: number; restarts: number; streams: number }
  openStreams(): number
  openWebSockets?(): number
  caches(): { users: number; tokens: number; channels: number }
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')

export function createMetrics() {
  const series = new Map<string, RequestSeries>()

  function seriesFor(endpoint: string, model: string, channelId: number): RequestSeries {
    const key = `${endpoint}\u0000${model}\u0000${channelId}`
    let found = series.get(key)
    if (!found) {
      found = {
        labels: `endpoint="${escapeLabel(endpoint)}",model="${escapeLabel(model)}",channel="${channelId}"`,
        statuses: new Map(), errors: new Map(), duration: newHistogram(DURATION_BUCKETS), firstByte: newHistogram(FIRST_BYTE_BUCKETS),
      }
      series.set(key, found)
    }
    return found
  }

  const relay: RelayMetrics = {
    request(endpoint, model, channelId, status, seconds, firstByteSeconds, errorCode) {
      const entry = seriesFor(endpoint, model, channelId)
      entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1)
      if (errorCode !== undefined) entry.errors.set(errorCode, (entry.errors.get(errorCode) ?? 0) + 1)
      observe(entry.duration, DURATION_BUCKETS, seconds)
      if (firstByteSeconds !== undefined) observe(entry.firstByte, FIRST_BYTE_BUCKETS, firstByteSeconds)
    },
  }

  function writeHistogram(lines: string[], name: string, buckets: number[], pick: (entry: RequestSeries) => Histogram) {
    for (const entry of series.values()) {
      const histogram = pick(entry)
      if (histogram.count === 0) continue
      let cumulative = 0
      for (let index = 0; index < buckets.length; index++) {
        cumulative += histogram.counts[index]!
        lines.push(`${name}_bucket{${entry.labels},le="${buckets[index]}"} ${cumulative}`)
      }
      lines.push(`${name}_bucket{${entry.labels},le="+Inf"} ${histogram.count}`, `${name}_sum{${entry.labels}} ${histogram.sum}`, `${name}_count{${entry.labels}} ${histogram.count}`)
    }
  }

  /** The relay's series in the Prometheus text format. */
  function renderRelay(): string {
    const lines = [
      '# HELP tollgate_relay_requests_total Relay requests answered, by endpoint, model, channel (0: refused before one was chosen) and HTTP status.',
      '# TYPE tollgate_relay_requests_total counter',
    ]
    for (const entry of series.values()) for (const [status, count] of entry.statuses) lines.push(`tollgate_relay_requests_total{${entry.labels},status="${status}"} ${count}`)
    lines.push('# HELP tollgate_relay_errors_total Relay requests that failed, by error code.', '# TYPE tollgate_relay_errors_total counter')
    for (const entry of series.values()) for (const [code, count] of entry.errors) lines.push(`tollgate_relay_errors_total{${entry.labels},code="${escapeLabel(code)}"} ${count}`)
    lines.push('# HELP tollgate_relay_request_duration_seconds Time from the request to the end of the answer (a stream\'s last byte).', '# TYPE tollgate_relay_request_duration_seconds histogram')
    writeHistogram(lines, 'tollgate_relay_request_duration_seconds', DURATION_BUCKETS, (entry) => entry.duration)
    lines.push('# HELP tollgate_relay_upstream_first_byte_seconds Time from the request to the upstream\'s first answer byte or token.', '# TYPE tollgate_relay_upstream_first_byte_seconds histogram')
    writeHistogram(lines, 'tollgate_relay_upstream_first_byte_seconds', FIRST_BYTE_BUCKETS, (entry) => entry.firstByte)
    return `${lines.join('\n')}\n`
  }

  /** Registers the scrape-time gauges; call once when the gateway's parts exist. */
  function attach(sources: MetricsSources) {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'tollgate_' })
    const gauge = (name: string, help: string, read: () => number) => new Gauge({ name, help, registers: [registry], collect() { this.set(read()) } })
    gauge('tollgate_usage_writer_queued_rows', 'Usage rows waiting for the next flush.', () => sources.writer().queuedRows)
    gauge('tollgate_usage_writer_journaled_rows', 'Usage rows in the journal file (written while the database was unreachable).', () => sources.writer().journaledRows)
    gauge('tollgate_usage_writer_flushes', 'Committed usage flushes since start.', () => sources.writer().flushes)
    gauge('tollgate_usage_writer_failed_flushes', 'Usage flushes that failed (and were kept for retry) since start.', () => sources.writer().failures)
    if (sources.pool) {
      const pool = sources.pool
      gauge('tollgate_worker_pool_threads', 'Worker threads in the pool.', () => pool().size)
      gauge('tollgate_worker_pool_busy', 'Worker threads running a task.', () => pool().busy)
      gauge('tollgate_worker_pool_queued', 'Tasks waiting for a worker thread.', () => pool().queued)
      gauge('tollgate_worker_pool_restarts', 'Worker threads replaced since start.', () => pool().restarts)
      gauge('tollgate_worker_pool_stream_conversions', 'Stream conversions running in worker threads.', () => pool().streams)
    }
    gauge('tollgate_open_streams', 'Client streams open now.', sources.openStreams)
    if (sources.openWebSockets) gauge('tollgate_open_websockets', 'WebSocket sessions open now.', sources.openWebSockets)
    new Gauge({ name: 'tollgate_cache_entries', help: 'Entries in the in-memory caches.', labelNames: ['cache'], registers: [registry], collect() {
      for (const [cache, size] of Object.entries(sources.caches())) this.set({ cache }, size)
    } })
    return async () => `${await registry.metrics()}${renderRelay()}`
  }

  return { relay, attach }
}

export type Metrics = ReturnType<typeof createMetrics>
