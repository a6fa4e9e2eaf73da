import { isRecord, parseJsonObject } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createSseDecoder, encodeSse } from '../sse.ts'
import type { PrepareIo, UpstreamAnswer } from '../types.ts'
import { predictionUrl } from './replicate-model.ts'

/**
 * A created prediction, followed until it has an answer the relay can read (the request's `read` step). Replicate
 * runs every model asynchronously: the create call waits (`Prefer: wait`) up to 60 s and then answers with the
 * prediction as it is, possibly still `starting` or `processing`.
 * - non-stream: a prediction not finished yet is polled at `GET /v1/predictions/{id}` on the channel's base URL
 *   (backing off from POLL_FIRST_MS to POLL_MAX_MS) until it is terminal or POLL_DEADLINE_MS have passed; then it is
 *   cancelled so it stops costing, and the client gets a 504. A succeeded prediction is the answer; a failed or
 *   canceled one becomes a failed answer (502) whose body is the prediction, read by mapReplicateError.
 * - stream: the prediction's `urls.stream` is opened (an SSE of `output` pieces, then `error` or `done`); the stream
 *   carries no usage, so at `done` the prediction is fetched once and its metrics go to the parser as one extra
 *   `prediction` event just before `done`. The stream host takes the key (Replicate's reference sends it), but only a
 *   host of the channel's own service gets it (sameService).
 */

/** The longest a non-stream answer is waited for, the create call's own wait included: the relay's non-stream limit. */
export const POLL_DEADLINE_MS = 10 * 60_000
const POLL_FIRST_MS = 500
const POLL_MAX_MS = 5_000

const TERMINAL = new Set(['succeeded', 'failed', 'canceled'])

const jsonAnswer = (status: number, body: JsonObject): UpstreamAnswer =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** Replicate's follow-up calls for one prediction on the channel's base URL, with the channel's key. */
export interface PredictionCalls {
  baseUrl: string
  key: string
}

const authorization = (calls: PredictionCalls) => ({ authorization: `Bearer ${calls.key}` })

/** The answer's prediction, or the failed answer that stands for a body that is not one. */
async function predictionOf(answer: UpstreamAnswer): Promise<{ prediction: JsonObject } | { failed: UpstreamAnswer }> {
  const text = await answer.text()
  const prediction = parseJsonObject(text)
  if (!prediction || typeof prediction.id !== 'string' || typeof prediction.status !== 'string') {
    return { failed: jsonAnswer(502, { title: 'Bad response', detail: `Replicate answered with something that is not a prediction: ${text.slice(0, 200)}` }) }
  }
  return { prediction }
}

/** A terminal prediction as the relay reads it: succeeded as 200, failed or canceled as a 502 carrying the prediction. */
const finished = (prediction: JsonObject): UpstreamAnswer => jsonAnswer(prediction.status === 'succeeded' ? 200 : 502, prediction)

/** Non-stream: the prediction polled until terminal (bounded by POLL_DEADLINE_MS from `startedAt`). */
export async function settlePrediction(answer: UpstreamAnswer, io: PrepareIo, calls: PredictionCalls, startedAt: number): Promise<UpstreamAnswer> {
  if (!answer.ok) return answer
  let read = await predictionOf(answer)
  let delay = POLL_FIRST_MS
  while ('prediction' in read && !TERMINAL.has(read.prediction.status as string)) {
    const id = read.prediction.id as string
    if (Date.now() + delay - startedAt > POLL_DEADLINE_MS) {
      // Stop the run (and its cost); the answer does not wait for the cancel to be confirmed.
      io.post(`${predictionUrl(calls.baseUrl, id)}/cancel`, authorization(calls), '').catch(() => {})
      return jsonAnswer(504, { title: 'Timeout', detail: `Replicate prediction ${id} did not finish within ${POLL_DEADLINE_MS / 1000} s; it was cancelled` })
    }
    await Bun.sleep(delay)
    delay = Math.min(delay * 2, POLL_MAX_MS)
    const polled = await io.get(predictionUrl(calls.baseUrl, id), authorization(calls))
    if (!polled.ok) return polled
    read = await predictionOf(polled)
  }
  return 'prediction' in read ? finished(read.prediction) : read.failed
}

/**
 * Whether a URL an answer names is Replicate's own, so the key may go with it: the base URL's host, or a host under
 * its parent domain (api.replicate.com → stream.replicate.com, streaming.api.replicate.com). An IP address or a
 * one-label host (a local proxy) must match exactly.
 */
export function sameService(baseUrl: string, url: string): boolean {
  const base = new URL(baseUrl).hostname
  const host = new URL(url).hostname
  if (host === base) return true
  const labels = base.split('.')
  if (/^[\d.]+$|:/.test(base) || labels.length < 3) return false
  return host.endsWith(`.${labels.slice(1).join('.')}`)
}

/** Stream: the prediction's SSE, with its metrics added before `done`. */
export async function openPredictionStream(answer: UpstreamAnswer, io: PrepareIo, calls: PredictionCalls): Promise<UpstreamAnswer> {
  if (!answer.ok) return answer
  const read = await predictionOf(answer)
  if ('failed' in read) return read.failed
  const prediction = read.prediction
  if (prediction.status === 'failed' || prediction.status === 'canceled') return finished(prediction)
  const streamUrl = isRecord(prediction.urls) && typeof prediction.urls.stream === 'string' ? prediction.urls.stream : undefined
  if (!streamUrl) return jsonAnswer(400, { title: 'Streaming not supported', detail: `The Replicate model ${String(prediction.model ?? '')} does not stream; ask without stream` })
  const headers: Record<string, string> = { accept: 'text/event-stream', 'cache-control': 'no-store' }
  if (sameService(calls.baseUrl, streamUrl)) Object.assign(headers, authorization(calls))
  const stream = await io.get(streamUrl, headers)
  if (!stream.ok || !stream.body) return stream
  const url = predictionUrl(calls.baseUrl, prediction.id as string)
  const predictionCalls = {
    fetch: () => io.get(url, authorization(calls)),
    cancel: () => { io.post(`${url}/cancel`, authorization(calls), '').catch(() => {}) },
  }
  return new Response(withMetrics(stream.body, predictionCalls), {
    status: 200, headers: { 'content-type': 'text/event-stream' },
  })
}

/**
 * The SSE re-framed event by event, a `prediction` event (the finished prediction) inserted before `done`. A client
 * that leaves before `done` cancels the prediction, so it stops running (and costing).
 */
function withMetrics(body: ReadableStream<Uint8Array>, prediction: { fetch(): Promise<UpstreamAnswer>; cancel(): void }): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let ended = false
  const decoder = createSseDecoder()
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await reader.read()
      const events = done ? decoder.flush() : decoder.push(value)
      let out = ''
      for (const event of events) {
        if (event.event === 'done') {
          ended = true
          const finished = await prediction.fetch().then((answer) => (answer.ok ? answer.text() : undefined)).catch(() => undefined)
          // Without the prediction the stream still ends well; the relay then counts the tokens itself.
          if (finished !== undefined) out += encodeSse({ event: 'prediction', data: finished })
        }
        out += encodeSse(event)
      }
      if (out.length > 0) controller.enqueue(encoder.encode(out))
      if (done) {
        ended = true
        controller.close()
      }
    },
    cancel(reason) {
      if (!ended) prediction.cancel()
      return reader.cancel(reason)
    },
  })
}
