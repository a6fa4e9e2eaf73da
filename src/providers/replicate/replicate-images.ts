import { isRecord, parseDataUrl, toDataUrl } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ImagesCapability, PrepareIo, UpstreamAnswer } from '../types.ts'
import { replicateModel } from './replicate-model.ts'
import { sameService, settlePrediction, type PredictionCalls } from './replicate-prediction.ts'

/**
 * Image generation on Replicate's image models (black-forest-labs/flux-schnell, flux-1.1-pro, ideogram-ai/…), as
 * predictions like chat: `input` {prompt, aspect_ratio, num_outputs}, the call waiting (`Prefer: wait`) and then
 * polled until the prediction is done. `n` → `num_outputs` (sent only above 1: single-image models such as
 * flux-1.1-pro take none and make one, and only images delivered are billed); `size` → the nearest of the aspect
 * ratios these models share. The output is a URL or a list of URLs (replicate.delivery, kept about an hour): they
 * are `data[].url`, and an output that is a data URL is `b64_json`. Replicate has no base64 answer, so for a client
 * that asks `response_format: b64_json` (or streams) the finished prediction's images are downloaded and inlined as
 * data URLs before parse (each at most MAX_IMAGE_BYTES).
 */

const MAX_IMAGE_BYTES = 32 * 1024 * 1024

const failure = (detail: string): UpstreamAnswer =>
  new Response(JSON.stringify({ title: 'Bad response', detail }), { status: 502, headers: { 'content-type': 'application/json' } })

/** The image type by its first bytes (PNG, JPEG, WebP, GIF); PNG when unknown. */
function imageType(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'image/jpeg'
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[8] === 0x57 && bytes[9] === 0x45) return 'image/webp'
  if (bytes[0] === 0x47 && bytes[1] === 0x49) return 'image/gif'
  return 'image/png'
}

/**
 * One output URL as a data URL, or why it could not be had. The output host is the upstream's to name, so it is
 * fetched under the SSRF guard with a size cap (the channel's own host may be private: a self-hosted proxy).
 */
async function inline(url: string, io: PrepareIo, calls: PredictionCalls): Promise<{ dataUrl: string } | { problem: string }> {
  if (parseDataUrl(url)) return { dataUrl: url }
  let bytes: Uint8Array
  try {
    bytes = await io.download(url, { maxBytes: MAX_IMAGE_BYTES, allowPrivateHosts: sameService(calls.baseUrl, url) ? [new URL(url).hostname] : [] })
  } catch (error) {
    return { problem: `Replicate's image ${url} could not be downloaded: ${(error as Error).message}` }
  }
  return { dataUrl: toDataUrl(imageType(bytes), Buffer.from(bytes).toString('base64')) }
}

/** A succeeded prediction whose output URLs are replaced by their images as data URLs. */
async function inlineOutputs(settled: UpstreamAnswer, io: PrepareIo, calls: PredictionCalls): Promise<UpstreamAnswer> {
  if (!settled.ok) return settled
  const prediction = await settled.json()
  if (!isRecord(prediction)) return failure('Replicate answered with something that is not a prediction')
  const outputs = typeof prediction.output === 'string' ? [prediction.output] : Array.isArray(prediction.output) ? prediction.output : []
  const urls = outputs.filter((output): output is string => typeof output === 'string' && output.length > 0)
  const inlined = await Promise.all(urls.map((url) => inline(url, io, calls)))
  const output: string[] = []
  for (const image of inlined) {
    if ('problem' in image) return failure(image.problem)
    output.push(image.dataUrl)
  }
  return new Response(JSON.stringify({ ...prediction, output }), { status: 200, headers: { 'content-type': 'application/json' } })
}

const ASPECT_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const
const ratioValue = (ratio: string) => {
  const [width, height] = ratio.split(':').map(Number)
  return width! / height!
}

/** `WIDTHxHEIGHT` → the supported aspect ratio closest to it (compared on a log scale, so 2:1 and 1:2 are as far from 1:1). */
export function aspectRatioFor(size: string): string {
  const match = /^(\d+)x(\d+)$/.exec(size)
  if (!match || Number(match[1]) === 0 || Number(match[2]) === 0) {
    throw new ConversionError('invalid_size', `size must be WIDTHxHEIGHT (e.g. 1024x1024) or auto for Replicate, not "${size}"`, 'size')
  }
  const wanted = Math.log(Number(match[1]) / Number(match[2]))
  let best: string = ASPECT_RATIOS[0]
  for (const ratio of ASPECT_RATIOS) if (Math.abs(Math.log(ratioValue(ratio)) - wanted) < Math.abs(Math.log(ratioValue(best)) - wanted)) best = ratio
  return best
}

export const replicateImages: ImagesCapability = {
  operations: new Set(['generations']),
  request(image, target) {
    const model = replicateModel(target.baseUrl, target.model)
    const input: Record<string, unknown> = { prompt: image.prompt }
    if (image.size && image.size !== 'auto') input.aspect_ratio = aspectRatioFor(image.size)
    if (image.n > 1) input.num_outputs = image.n
    const calls = { baseUrl: target.baseUrl, key: target.key }
    const startedAt = Date.now()
    return {
      url: model.url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}`, prefer: 'wait' },
      body: { ...(model.version ? { version: model.version } : {}), input },
      read: async (answer, io) => {
        const settled = await settlePrediction(answer, io, calls, startedAt)
        return image.responseFormat === 'b64_json' ? inlineOutputs(settled, io, calls) : settled
      },
    }
  },
  parse(body) {
    const outputs = typeof body.output === 'string' ? [body.output] : Array.isArray(body.output) ? body.output : []
    const data = outputs.flatMap((output) => {
      if (typeof output !== 'string' || output.length === 0) return []
      const inline = parseDataUrl(output)
      return [inline ? { b64_json: inline.data } : { url: output }]
    })
    return { data, usage: null }
  },
}
