import { GatewayError } from '../../errors.ts'
import type { ImageOperation } from '../../providers/types.ts'

/**
 * What OpenAI's image models accept (its API reference), checked before anything is reserved so a request the
 * upstream would refuse costs nothing and names the field. Models of other vendors are checked for shape only:
 * their sizes are theirs to judge.
 */

/** The fields of an image request that routing and billing read, normalised (multipart fields arrive as text). */
export interface ImageFields {
  model: string
  prompt: string
  n: number
  size?: string
  quality?: string
  stream: boolean
}

interface ModelRules {
  operations: readonly ImageOperation[]
  maxImages: number
  sizes?: ReadonlySet<string>
  /** For models that take any size within limits (gpt-image-2 and later). */
  checkSize?: (size: string) => string | undefined
  qualities?: ReadonlySet<string>
}

const gptImageSizes = new Set(['auto', '1024x1024', '1536x1024', '1024x1536'])

/** gpt-image-2 and later: `auto` or WIDTHxHEIGHT, both divisible by 16, aspect within 1:3..3:1, at most 3840×2160 pixels. */
function checkFlexibleSize(size: string): string | undefined {
  if (size === 'auto') return undefined
  const match = /^(\d+)x(\d+)$/.exec(size)
  if (!match) return 'must be "auto" or WIDTHxHEIGHT'
  const [width, height] = [Number(match[1]), Number(match[2])]
  if (width % 16 !== 0 || height % 16 !== 0) return 'width and height must both be divisible by 16'
  if (width > 3 * height || height > 3 * width) return 'the aspect ratio must be between 1:3 and 3:1'
  if (Math.max(width, height) > 3840 || width * height > 3840 * 2160) return 'the largest supported resolution is 3840x2160'
  return undefined
}

const rules: [RegExp, ModelRules][] = [
  [/^dall-e-2/, { operations: ['generations', 'edits', 'variations'], maxImages: 10, sizes: new Set(['256x256', '512x512', '1024x1024']), qualities: new Set(['standard']) }],
  [/^dall-e-3/, { operations: ['generations'], maxImages: 1, sizes: new Set(['1024x1024', '1792x1024', '1024x1792']), qualities: new Set(['standard', 'hd']) }],
  [/^(gpt-image-1(\.5|-mini)?|chatgpt-image-latest)(-|$)/, { operations: ['generations', 'edits'], maxImages: 10, sizes: gptImageSizes, qualities: new Set(['auto', 'low', 'medium', 'high']) }],
  [/^gpt-image-/, { operations: ['generations', 'edits'], maxImages: 10, checkSize: checkFlexibleSize }],
  [/^imagen-/, { operations: ['generations'], maxImages: 4 }],
  [/^gemini-.*image/, { operations: ['generations', 'edits'], maxImages: 1 }],
]
const otherModels: ModelRules = { operations: ['generations', 'edits', 'variations'], maxImages: 10 }

const rulesFor = (model: string) => rules.find(([pattern]) => pattern.test(model))?.[1] ?? otherModels

const invalid = (message: string, code = 'invalid_value') => new GatewayError(400, message, code, 'invalid_request_error')

const text = (value: unknown) => (typeof value === 'string' ? value : value === undefined || value === null ? undefined : String(value))

/** The normalised fields (OpenAI's default model is dall-e-2 when none is named). */
export function imageFields(body: Record<string, unknown>): ImageFields {
  const model = text(body.model)?.trim() || 'dall-e-2'
  const n = body.n === undefined || body.n === null || body.n === '' ? 1 : Number(body.n)
  return { model, prompt: text(body.prompt) ?? '', n, size: text(body.size) || undefined, quality: text(body.quality) || undefined, stream: body.stream === true || body.stream === 'true' }
}

/** Validate an image request; `inputImages` is the number of uploaded `image` / `image[]` files. */
export function checkImageRequest(operation: ImageOperation, body: Record<string, unknown>, inputImages: number): ImageFields {
  const fields = imageFields(body)
  const model = rulesFor(fields.model)
  if (!model.operations.includes(operation)) throw invalid(`"model": ${fields.model} does not serve /v1/images/${operation}`, 'invalid_model')
  if (operation !== 'variations' && fields.prompt.trim() === '') throw invalid('"prompt" is required', 'missing_required_parameter')
  if (operation !== 'generations' && inputImages === 0) throw invalid(`"image" is required: upload the image${operation === 'edits' ? ' (or images, as image[])' : ''} as a file`, 'missing_required_parameter')
  if (operation === 'variations' && inputImages > 1) throw invalid('"image": variations take one image')
  if (!Number.isInteger(fields.n) || fields.n < 1 || fields.n > model.maxImages) {
    throw invalid(`"n" must be an integer from 1 to ${model.maxImages} for ${fields.model}, got ${String(body.n)}`)
  }
  if (fields.size) {
    if (model.sizes && !model.sizes.has(fields.size)) throw invalid(`"size": ${fields.model} offers ${[...model.sizes].join(', ')}, not ${fields.size}`)
    const problem = model.checkSize?.(fields.size)
    if (problem) throw invalid(`"size" ${fields.size} for ${fields.model}: ${problem}`)
  }
  if (fields.quality && model.qualities && !model.qualities.has(fields.quality)) {
    throw invalid(`"quality": ${fields.model} offers ${[...model.qualities].join(', ')}, not ${fields.quality}`)
  }
  const format = body.response_format
  if (format !== undefined && format !== null && format !== 'url' && format !== 'b64_json') throw invalid(`"response_format" must be "url" or "b64_json", got ${JSON.stringify(format)}`)
  if (body.stream !== undefined && typeof body.stream !== 'boolean' && body.stream !== 'true' && body.stream !== 'false') throw invalid('"stream" must be a boolean')
  if (body.partial_images !== undefined && body.partial_images !== null) {
    const partial = Number(body.partial_images)
    if (!Number.isInteger(partial) || partial < 0 || partial > 3) throw invalid(`"partial_images" must be an integer from 0 to 3, got ${String(body.partial_images)}`)
  }
  return fields
}
