import { parseDataUrl } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ImagesCapability } from '../types.ts'
import { replicateModel } from './replicate-model.ts'
import { settlePrediction } from './replicate-prediction.ts'

/**
 * Image generation on Replicate's image models (black-forest-labs/flux-schnell, flux-1.1-pro, ideogram-ai/…), as
 * predictions like chat: `input` {prompt, aspect_ratio, num_outputs}, the call waiting (`Prefer: wait`) and then
 * polled until the prediction is done. `n` → `num_outputs` (sent only above 1: single-image models such as
 * flux-1.1-pro take none and make one, and only images delivered are billed); `size` → the nearest of the aspect
 * ratios these models share. The output is a URL or a list of URLs (replicate.delivery, kept about an hour): they
 * are `data[].url`; an output that is a data URL is `b64_json`. Replicate has no base64 answer, so
 * `response_format: b64_json` still gets URLs (as on SiliconFlow).
 */

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
      read: (answer, io) => settlePrediction(answer, io, calls, startedAt),
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
