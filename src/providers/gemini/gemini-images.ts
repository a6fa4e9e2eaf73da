import { isRecord } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ImageRequest, ImagesCapability, ImagesResult, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertGeminiUsage } from './convert-gemini-usage.ts'
import { geminiApiVersion } from './gemini-adaptor.ts'

/**
 * Images on the Gemini API, in OpenAI's shape. Imagen models (`imagen-*`) generate through `:predict`
 * (`instances[].prompt`, `parameters.sampleCount`, `parameters.aspectRatio` → `predictions[].bytesBase64Encoded`);
 * Gemini image models (`gemini-2.5-flash-image`, `gemini-3-pro-image-preview`…) through `:generateContent` with
 * image output (`responseModalities`, `imageConfig.aspectRatio` → `inlineData` parts), which also edits: the input
 * images go in as `inlineData` parts after the prompt. Neither has variations; both answer in base64 only.
 */

const isImagen = (model: string) => model.startsWith('imagen-')

/** The aspect ratios each family documents; an OpenAI `WxH` size is sent as the nearest one. */
const imagenAspectRatios = ['1:1', '3:4', '4:3', '9:16', '16:9']
const geminiAspectRatios = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']

function nearestAspectRatio(size: string | undefined, choices: string[]): string | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size ?? '')
  if (!match) return undefined
  const wanted = Math.log(Number(match[1]) / Number(match[2]))
  let best: { ratio: string; distance: number } | undefined
  for (const ratio of choices) {
    const [width, height] = ratio.split(':').map(Number) as [number, number]
    const distance = Math.abs(Math.log(width / height) - wanted)
    if (!best || distance < best.distance) best = { ratio, distance }
  }
  return best?.ratio
}

function modelUrl(target: UpstreamTarget, action: string): string {
  return joinUrl(target.baseUrl, `/${geminiApiVersion(target.model, target.setting)}/models/${encodeURIComponent(target.model)}:${action}`)
}

function imagenBody(image: ImageRequest): Record<string, unknown> {
  const aspectRatio = nearestAspectRatio(image.size, imagenAspectRatios)
  return { instances: [{ prompt: image.prompt }], parameters: { sampleCount: image.n, ...(aspectRatio ? { aspectRatio } : {}) } }
}

function generateContentBody(image: ImageRequest): Record<string, unknown> {
  const aspectRatio = nearestAspectRatio(image.size, geminiAspectRatios)
  const parts: Record<string, unknown>[] = [{ text: image.prompt }]
  for (const input of image.images) parts.push({ inlineData: { mimeType: input.mimeType, data: Buffer.from(input.bytes).toString('base64') } })
  return {
    contents: [{ role: 'user', parts }],
    generationConfig: { responseModalities: ['TEXT', 'IMAGE'], ...(aspectRatio ? { imageConfig: { aspectRatio } } : {}) },
  }
}

function parsePredictions(body: Record<string, unknown>): ImagesResult {
  const predictions = Array.isArray(body.predictions) ? body.predictions : []
  const data = predictions.filter(isRecord).flatMap((prediction) => (typeof prediction.bytesBase64Encoded === 'string' ? [{ b64_json: prediction.bytesBase64Encoded }] : []))
  return { data, usage: null }
}

function parseCandidates(body: Record<string, unknown>): ImagesResult {
  const data: ImagesResult['data'] = []
  for (const candidate of Array.isArray(body.candidates) ? body.candidates : []) {
    const parts = isRecord(candidate) && isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : []
    for (const part of parts) {
      if (isRecord(part) && isRecord(part.inlineData) && typeof part.inlineData.data === 'string') data.push({ b64_json: part.inlineData.data })
    }
  }
  return { data, usage: convertGeminiUsage(body.usageMetadata) }
}

export const geminiImages: ImagesCapability = {
  operations: new Set(['generations', 'edits']),
  request(image, target) {
    const imagen = isImagen(target.model)
    if (imagen && image.operation !== 'generations') throw new ConversionError('invalid_request', `Imagen models only generate images: ${target.model} cannot serve /v1/images/${image.operation}`, 'model')
    return {
      url: modelUrl(target, imagen ? 'predict' : 'generateContent'),
      headers: { 'content-type': 'application/json', 'x-goog-api-key': target.key },
      body: imagen ? imagenBody(image) : generateContentBody(image),
    }
  },
  parse: (body, image) => (image.operation === 'generations' && Array.isArray(body.predictions) ? parsePredictions(body) : parseCandidates(body)),
}
