import type { Usage } from '../providers/types.ts'
import type { Price } from './pricing.ts'

/**
 * Image requests are billed one of two ways, as new-api bills them:
 * - per image, when the model has a ModelPrice: ModelPrice × QuotaPerUnit × GroupRatio × size ratio × quality
 *   ratio × images (new-api's dall-e multipliers: 256² 0.4, 512² 0.45, 1024² 1, 1792×1024 either way 2; dall-e-3
 *   `hd` 2, or 1.5 at the 1792 sizes);
 * - by tokens, when it has a ModelRatio and the upstream reports usage (gpt-image models, Gemini image models):
 *   (text input + image input × ImageRatio + output × CompletionRatio) × ModelRatio × GroupRatio, cached input at
 *   CacheRatio as for chat.
 */

/** The dall-e size and quality multipliers (1 for every other model: their per-image price is the price). */
export function imagePriceMultipliers(model: string, size: string | undefined, quality: string | undefined): { size: number; quality: number } {
  if (!model.startsWith('dall-e')) return { size: 1, quality: 1 }
  const tall = size === '1024x1792' || size === '1792x1024'
  const sizeRatio = size === '256x256' ? 0.4 : size === '512x512' ? 0.45 : tall ? 2 : 1
  const qualityRatio = model.startsWith('dall-e-3') && quality === 'hd' ? (tall ? 1.5 : 2) : 1
  return { size: sizeRatio, quality: qualityRatio }
}

/** Quota for `images` images at a per-call price. */
export function perImageQuota(price: Extract<Price, { kind: 'per-call' }>, multipliers: { size: number; quality: number }, images: number, quotaPerUnit: number): number {
  return Math.round(price.price * quotaPerUnit * price.groupRatio * multipliers.size * multipliers.quality * images)
}

/** Quota for an image request's reported tokens at a ratio price; image input tokens weigh `imageRatio`. */
export function imageTokenQuota(price: Extract<Price, { kind: 'ratio' }>, usage: Usage, imageRatio: number): number {
  const textInput = Math.max(0, usage.inputTokens - usage.imageInputTokens - usage.cachedInputTokens - usage.cacheWriteInputTokens)
  const weighted = textInput + usage.cachedInputTokens * price.cacheRatio + usage.cacheWriteInputTokens * price.createCacheRatio
    + usage.imageInputTokens * imageRatio + usage.outputTokens * price.completionRatio
  const ratio = price.modelRatio * price.groupRatio
  const quota = Math.round(weighted * ratio)
  return ratio !== 0 && quota === 0 && usage.inputTokens + usage.outputTokens > 0 ? 1 : quota
}

/**
 * Output tokens one gpt-image picture may take, as a reservation bound: OpenAI's published counts for the largest
 * standard size (1536×1024: low 408, medium 1584, high 6240), scaled by area for larger custom sizes.
 */
export function outputTokensBound(size: string | undefined, quality: string | undefined): number {
  const perQuality = quality === 'low' ? 408 : quality === 'medium' ? 1584 : 6240
  const match = /^(\d+)x(\d+)$/.exec(size ?? '')
  const area = match ? Number(match[1]) * Number(match[2]) : 0
  return Math.ceil(perQuality * Math.max(1, area / (1536 * 1024)))
}

/** What to reserve for a token-priced image request: the prompt, input images as large outputs, and the outputs. */
export function imageTokenReservation(price: Extract<Price, { kind: 'ratio' }>, promptTokens: number, inputImages: number, images: number, size: string | undefined, quality: string | undefined): number {
  const output = images * outputTokensBound(size, quality)
  const input = promptTokens + inputImages * outputTokensBound(undefined, 'high')
  return Math.ceil((input + output * price.completionRatio) * price.modelRatio * price.groupRatio)
}
