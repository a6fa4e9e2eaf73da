import { isRecord } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ImagesCapability } from '../types.ts'
import { joinUrl } from '../url.ts'

/**
 * SiliconFlow's image API sits at OpenAI's path but speaks its own dialect (docs.siliconflow.cn, "Create image
 * generation request"): `image_size` for `size`, `batch_size` for `n` (Kolors only, up to 4), the image to edit as a
 * data URL in `image` (Qwen-Image-Edit), and an answer of `images[].url` (hosted for one hour), not `data[]`.
 * There is no base64 answer: `url` is what the client gets, whatever `response_format` it asked for.
 */
export const siliconFlowImages: ImagesCapability = {
  operations: new Set(['generations', 'edits']),
  request(image, target) {
    if (image.images.length > 1) throw new ConversionError('invalid_request', 'SiliconFlow edits take one image', 'image')
    const input = image.images[0]
    const body: Record<string, unknown> = { model: target.model, prompt: image.prompt }
    if (image.size && /^\d+x\d+$/.test(image.size)) body.image_size = image.size
    if (image.n > 1) body.batch_size = image.n
    if (input) body.image = `data:${input.mimeType};base64,${Buffer.from(input.bytes).toString('base64')}`
    return { url: joinUrl(target.baseUrl, '/v1/images/generations'), headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` }, body }
  },
  parse(body) {
    const images = Array.isArray(body.images) ? body.images : Array.isArray(body.data) ? body.data : []
    return { data: images.filter(isRecord).flatMap((entry) => (typeof entry.url === 'string' ? [{ url: entry.url }] : [])), usage: null }
  },
}
