import { isRecord } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ImageRequest, ImagesCapability, ImagesResult, PrepareIo, UpstreamAnswer, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'

/**
 * DashScope's Wanx (通义万相) text-to-image, which is asynchronous only (Model Studio "Text-to-image V2 API
 * reference"): `POST /api/v1/services/aigc/text2image/image-synthesis` with `X-DashScope-Async: enable` answers a
 * task id, and `GET /api/v1/tasks/{id}` tells PENDING / RUNNING until a terminal status. OpenAI's clients wait for
 * their images in one call, so the submit's answer is followed here until the task ends or the channel's limit
 * passes; the finished task then stands in for the answer, and `parse` turns its `results[]` into `data[]`.
 */

const SUBMIT_PATH = '/api/v1/services/aigc/text2image/image-synthesis'

/** How long a client waits for a task by default; `setting.image_task_timeout` (seconds) changes it per channel. */
const DEFAULT_TASK_TIMEOUT_S = 180
/** The first look comes soon (turbo models finish in seconds), then every two seconds: the documented query QPS is small. */
const FIRST_POLL_MS = 1000
const NEXT_POLL_MS = 2000

/** A result image fetched for `b64_json`: a 1440×1440 PNG is a few MB, so this bounds memory without refusing real ones. */
const MAX_IMAGE_BYTES = 20 * 1024 * 1024

/** wanx-v1 offers four sizes; the 2.x models take any width and height within 512–1440 pixels. */
const wanxV1Sizes = new Set(['1024*1024', '720*1280', '768*1152', '1280*720'])
const MIN_SIDE = 512
const MAX_SIDE = 1440
/** DashScope's `parameters.n` range. */
const MAX_IMAGES = 4

/** OpenAI's `1024x1024` as DashScope's `1024*1024`, refused (400 naming `size`) where the model cannot make it. */
function wanxSize(model: string, size: string | undefined): string | undefined {
  if (!size || size === 'auto') return undefined
  const match = /^(\d+)x(\d+)$/.exec(size)
  if (!match) throw new ConversionError('invalid_request', `"size" must be WIDTHxHEIGHT (e.g. 1024x1024), got ${size}`, 'size')
  const wanx = `${match[1]}*${match[2]}`
  if (model.startsWith('wanx-v1')) {
    if (!wanxV1Sizes.has(wanx)) throw new ConversionError('invalid_request', `"size": ${model} offers ${[...wanxV1Sizes].map((s) => s.replace('*', 'x')).join(', ')}, not ${size}`, 'size')
    return wanx
  }
  const width = Number(match[1])
  const height = Number(match[2])
  if (width < MIN_SIDE || width > MAX_SIDE || height < MIN_SIDE || height > MAX_SIDE) {
    throw new ConversionError('invalid_request', `"size": ${model} takes a width and height from ${MIN_SIDE} to ${MAX_SIDE} pixels, not ${size}`, 'size')
  }
  return wanx
}

/** An answer standing in for the upstream's: a finished task, or a failure in DashScope's `{code, message}` shape. */
const answer = (status: number, body: Record<string, unknown>): UpstreamAnswer =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/** Refusals of the content (prompt or image) are OpenAI's content-policy 400; they would fail on any channel. */
const contentPolicyCodes = new Set(['DataInspectionFailed', 'DataInspection', 'IPInfringementSuspect'])

/** A DashScope failure code as the status and body the chat adaptor's mapError reads. */
function failure(code: string, message: string): UpstreamAnswer {
  if (contentPolicyCodes.has(code)) return answer(400, { code: 'content_policy_violation', message: `${message} (DashScope ${code})` })
  if (code === 'InvalidParameter' || code.startsWith('InvalidParameter.')) return answer(400, { code, message })
  return answer(502, { code: code || 'task_failed', message })
}

const text = (value: unknown) => (typeof value === 'string' ? value : '')

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    return isRecord(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/** A refused submit keeps its status; only a content refusal is rewritten, so every Wanx content refusal reads alike. */
async function refusedSubmit(submitted: UpstreamAnswer): Promise<UpstreamAnswer> {
  const bodyText = await submitted.text()
  const body = parseJson(bodyText)
  if (body && contentPolicyCodes.has(text(body.code))) return failure(text(body.code), text(body.message))
  return new Response(bodyText, { status: submitted.status, statusText: submitted.statusText, headers: submitted.headers })
}

function taskTimeoutMs(target: UpstreamTarget): number {
  const seconds = target.setting.image_task_timeout
  return (typeof seconds === 'number' && seconds > 0 ? seconds : DEFAULT_TASK_TIMEOUT_S) * 1000
}

/** `b64_json` was asked: each result URL is fetched (under the SSRF guard and a size cap) and its bytes put in the result. */
async function embedImages(results: Record<string, unknown>[], io: PrepareIo, target: UpstreamTarget): Promise<UpstreamAnswer | undefined> {
  // DashScope's results are on its object storage; a channel pointed at a private host (a mirror) may serve them itself.
  const allowPrivateHosts = [new URL(target.baseUrl).hostname]
  try {
    await Promise.all(results.map(async (result) => {
      const bytes = await io.download(String(result.url), { maxBytes: MAX_IMAGE_BYTES, allowPrivateHosts })
      result.b64_json = Buffer.from(bytes).toString('base64')
    }))
    return undefined
  } catch (error) {
    return answer(502, { code: 'image_download_failed', message: `The generated image could not be fetched for b64_json: ${(error as Error).message}` })
  }
}

const TIMER_SLACK_MS = 20

/** Follows a submitted task to its end: the finished task as a 200 answer, or a failure answer. */
async function followTask(submitted: UpstreamAnswer, io: PrepareIo, target: UpstreamTarget, image: ImageRequest): Promise<UpstreamAnswer> {
  if (!submitted.ok) return refusedSubmit(submitted)
  const body = parseJson(await submitted.text())
  const taskId = body && isRecord(body.output) ? text(body.output.task_id) : ''
  if (!taskId) return answer(502, { code: 'bad_response_body', message: 'DashScope accepted the image task without a task_id' })
  const taskUrl = joinUrl(target.baseUrl, `/api/v1/tasks/${encodeURIComponent(taskId)}`)
  const headers = { authorization: `Bearer ${target.key}` }
  const deadline = performance.now() + taskTimeoutMs(target)
  for (let delay = FIRST_POLL_MS; ; delay = NEXT_POLL_MS) {
    await Bun.sleep(Math.max(0, Math.min(delay, deadline - performance.now())))
    const polled = await io.get(taskUrl, headers)
    const polledText = await polled.text()
    if (polled.status < 200 || polled.status >= 300) return new Response(polledText, { status: polled.status, headers: { 'content-type': 'application/json' } })
    const task = parseJson(polledText)
    const output = task && isRecord(task.output) ? task.output : undefined
    if (!task || !output) return answer(502, { code: 'bad_response_body', message: 'DashScope answered the task query without an output' })
    const status = text(output.task_status)
    if (status === 'SUCCEEDED') {
      const results = Array.isArray(output.results) ? output.results.filter(isRecord) : []
      const images = results.filter((result) => typeof result.url === 'string')
      // Every image refused: the first sub-result's code says why (DataInspectionFailed for a refused picture).
      if (images.length === 0) {
        const refused = results.find((result) => typeof result.code === 'string')
        return failure(text(refused?.code), text(refused?.message) || 'The Wanx task finished without an image')
      }
      if (image.responseFormat === 'b64_json') {
        const failed = await embedImages(images, io, target)
        if (failed) return failed
      }
      return answer(200, task)
    }
    if (status === 'FAILED' || status === 'CANCELED' || status === 'UNKNOWN') {
      return failure(text(output.code), text(output.message) || `The Wanx task ended ${status}`)
    }
    // A timer may fire a little early: a deadline less than one poll's worth of margin away counts as reached.
    if (performance.now() >= deadline - TIMER_SLACK_MS) {
      // Not billed: the client gets no image. The task may still finish upstream, on the channel's account.
      return answer(504, { code: 'task_timeout', message: `The Wanx task ${taskId} was still ${status || 'pending'} after ${taskTimeoutMs(target) / 1000} s (the channel's setting.image_task_timeout)` })
    }
  }
}

export const wanxImages: ImagesCapability = {
  operations: new Set(['generations']),
  request(image, target) {
    if (image.n > MAX_IMAGES) throw new ConversionError('invalid_request', `"n": Wanx makes 1 to ${MAX_IMAGES} images per request, not ${image.n}`, 'n')
    const parameters: Record<string, unknown> = { n: image.n }
    const size = wanxSize(target.model, image.size)
    if (size) parameters.size = size
    return {
      url: joinUrl(target.baseUrl, SUBMIT_PATH),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}`, 'x-dashscope-async': 'enable' },
      body: { model: target.model, input: { prompt: image.prompt }, parameters },
      read: (submitted, io) => followTask(submitted, io, target, image),
    }
  },
  parse(body) {
    const output = isRecord(body.output) ? body.output : {}
    const results = Array.isArray(output.results) ? output.results.filter(isRecord) : []
    return {
      data: results.flatMap((result): ImagesResult['data'] => {
        const revised = typeof result.actual_prompt === 'string' ? { revised_prompt: result.actual_prompt } : {}
        if (typeof result.b64_json === 'string') return [{ b64_json: result.b64_json, ...revised }]
        return typeof result.url === 'string' ? [{ url: result.url, ...revised }] : []
      }),
      usage: null,
    }
  },
}
