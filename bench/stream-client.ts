/**
 * A streaming client for the bench: time to first and last byte over many sequential samples, and many
 * concurrent slow streams held open at once (to read the server's memory per open stream).
 *
 * The concurrent mode runs as a child process (`bun bench/stream-client.ts concurrent ...`) because Bun's
 * fetch allows only 256 requests in flight unless BUN_CONFIG_MAX_HTTP_REQUESTS is raised before start.
 */
import { parseArgs } from 'node:util'
import { summarize } from './stats.ts'
import type { Summary } from './stats.ts'
import type { LoadRequest } from './load.ts'

export interface StreamSampleResult {
  samples: number
  /** ms from sending the request to the first body byte. */
  firstByte: Summary
  /** ms from sending the request to the end of the body. */
  lastByte: Summary
  failures: number
  firstFailure?: string
}

/** What one stream delivered: the check for "nothing dropped". */
export interface StreamTally {
  status: number
  events: number
  bytes: number
  sawDone: boolean
}

/** Reads a response body to its end, counting `data:` events (across chunk borders) and spotting `[DONE]`. */
export async function tallyStream(response: Response, onFirstByte?: () => void): Promise<StreamTally> {
  const tally: StreamTally = { status: response.status, events: 0, bytes: 0, sawDone: false }
  if (!response.body) return tally
  const decoder = new TextDecoder()
  const reader = response.body.getReader()
  // A split `data:` leaves at most 4 of its 5 characters in the previous chunk, and 4 characters cannot hold a
  // whole one, so carrying 4 counts every event exactly once. `[DONE]` needs its own, longer window.
  let eventCarry = ''
  let doneCarry = ''
  let first = true
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (first) {
      first = false
      onFirstByte?.()
    }
    tally.bytes += value.byteLength
    const chunk = decoder.decode(value, { stream: true })
    const text = eventCarry + chunk
    let index = text.indexOf('data:')
    while (index >= 0) {
      tally.events++
      index = text.indexOf('data:', index + 5)
    }
    eventCarry = text.slice(-4)
    const window = doneCarry + chunk
    if (window.includes('data: [DONE]')) tally.sawDone = true
    doneCarry = window.slice(-11)
  }
  return tally
}

function send(request: LoadRequest, signal?: AbortSignal): Promise<Response> {
  return fetch(request.url, {
    method: request.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
    signal,
  })
}

/** Sequential samples: one stream at a time, so the figures are per-request overhead, not queueing. */
export async function measureStreams(request: LoadRequest, settings: { samples: number; warmup: number; minEvents?: number }): Promise<StreamSampleResult> {
  const firstBytes: number[] = []
  const lastBytes: number[] = []
  let failures = 0
  let firstFailure: string | undefined
  for (let index = 0; index < settings.warmup + settings.samples; index++) {
    const started = performance.now()
    let firstByteAt = Number.NaN
    try {
      const response = await send(request, AbortSignal.timeout(30_000))
      const tally = await tallyStream(response, () => {
        firstByteAt = performance.now()
      })
      const finished = performance.now()
      const complete = tally.status === 200 && tally.events >= (settings.minEvents ?? 1)
      if (!complete) {
        failures++
        firstFailure ??= `status ${tally.status}, ${tally.events} events`
        continue
      }
      if (index >= settings.warmup) {
        firstBytes.push(firstByteAt - started)
        lastBytes.push(finished - started)
      }
    } catch (error) {
      failures++
      firstFailure ??= String(error)
    }
  }
  return { samples: firstBytes.length, firstByte: summarize(firstBytes), lastByte: summarize(lastBytes), failures, firstFailure }
}

export interface ConcurrentStreamsResult {
  streams: number
  /** Streams that had their first byte and had not ended when the "open" snapshot was taken. */
  openAtSnapshot: number
  /** Streams that had already ended at the snapshot (a server that queues streams finishes some early). */
  endedAtSnapshot: number
  /** ms until every stream had its first byte (or the open timeout). */
  openMs: number
  completed: number
  /** Ended without error but short of minEvents or without [DONE]: the stream was cut. */
  incomplete: number
  failed: number
  statuses: Record<string, number>
  firstFailure?: string
  totalMs: number
}

/**
 * Opens `streams` streams at once; calls onOpen once all have their first byte (or openTimeoutMs passed),
 * then waits for every stream to end (bounded by totalTimeoutMs).
 */
export async function holdConcurrentStreams(
  request: LoadRequest,
  settings: { streams: number; openTimeoutMs: number; totalTimeoutMs: number; minEvents: number; expectDone: boolean },
  onOpen: (openCount: number, openMs: number) => Promise<void> | void,
): Promise<ConcurrentStreamsResult> {
  const started = performance.now()
  const abort = AbortSignal.timeout(settings.totalTimeoutMs)
  let open = 0
  let ended = 0
  let allOpen: () => void = () => {}
  const allOpenPromise = new Promise<void>((resolve) => {
    allOpen = resolve
  })
  const result: ConcurrentStreamsResult = { streams: settings.streams, openAtSnapshot: 0, endedAtSnapshot: 0, openMs: 0, completed: 0, incomplete: 0, failed: 0, statuses: {}, totalMs: 0 }
  const markOpen = () => {
    open++
    if (open === settings.streams) allOpen()
  }
  const streams = Array.from({ length: settings.streams }, async () => {
    let counted = false
    try {
      const response = await send(request, abort)
      result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1
      const tally = await tallyStream(response, () => {
        counted = true
        markOpen()
      })
      if (counted) ended++
      if (tally.status === 200 && tally.events >= settings.minEvents && (!settings.expectDone || tally.sawDone)) result.completed++
      else {
        result.incomplete++
        result.firstFailure ??= `status ${tally.status}, ${tally.events} events, done=${tally.sawDone}`
      }
    } catch (error) {
      result.failed++
      result.firstFailure ??= String(error)
    }
    // A stream that failed before its first byte must not keep the open phase waiting, nor count as open.
    if (!counted) {
      markOpen()
      ended++
    }
  })
  await Promise.race([allOpenPromise, Bun.sleep(settings.openTimeoutMs)])
  result.openMs = performance.now() - started
  result.openAtSnapshot = open - ended
  result.endedAtSnapshot = ended
  await onOpen(result.openAtSnapshot, result.openMs)
  await Promise.all(streams)
  result.totalMs = performance.now() - started
  return result
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      body: { type: 'string', default: '' },
      headers: { type: 'string', default: '{}' },
      streams: { type: 'string', default: '100' },
      'min-events': { type: 'string', default: '1' },
      'expect-done': { type: 'boolean', default: false },
      'open-timeout': { type: 'string', default: '15000' },
      'total-timeout': { type: 'string', default: '120000' },
    },
  })
  if (positionals[0] !== 'concurrent' || !values.url) {
    console.error('usage: bun bench/stream-client.ts concurrent --url URL --body JSON [--headers JSON] [--streams N] [--min-events N] [--expect-done]')
    process.exit(2)
  }
  const request: LoadRequest = { url: values.url, body: values.body, headers: JSON.parse(values.headers) as Record<string, string> }
  // The parent reads these JSON lines: "open" is its cue to sample the server's memory, then it waits for "done".
  const result = await holdConcurrentStreams(request, {
    streams: Number(values.streams),
    minEvents: Number(values['min-events']),
    expectDone: values['expect-done'],
    openTimeoutMs: Number(values['open-timeout']),
    totalTimeoutMs: Number(values['total-timeout']),
  }, async (openCount, openMs) => {
    console.log(JSON.stringify({ event: 'open', open: openCount, openMs }))
    // Give the parent a moment to read memory while every stream is still open.
    await Bun.sleep(10)
  })
  console.log(JSON.stringify({ event: 'done', ...result }))
}
