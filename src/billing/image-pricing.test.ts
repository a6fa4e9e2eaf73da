import { describe, expect, test } from 'bun:test'
import { emptyUsage } from '../providers/types.ts'
import { imagePriceMultipliers, imageTokenQuota, imageTokenReservation, outputTokensBound, perImageQuota } from './image-pricing.ts'

const perCall = { kind: 'per-call', price: 0.04, groupRatio: 1, detailsJson: '' } as const
const ratio = { kind: 'ratio', modelRatio: 2.5, completionRatio: 8, cacheRatio: 0.25, createCacheRatio: 1, groupRatio: 1, detailsJson: '' } as const

describe('image pricing (new-api rules)', () => {
  test('dall-e sizes and dall-e-3 hd; other models have no multipliers', () => {
    expect(imagePriceMultipliers('dall-e-2', '256x256', undefined)).toEqual({ size: 0.4, quality: 1 })
    expect(imagePriceMultipliers('dall-e-2', '512x512', undefined)).toEqual({ size: 0.45, quality: 1 })
    expect(imagePriceMultipliers('dall-e-3', '1024x1024', 'hd')).toEqual({ size: 1, quality: 2 })
    expect(imagePriceMultipliers('dall-e-3', '1024x1792', 'hd')).toEqual({ size: 2, quality: 1.5 })
    expect(imagePriceMultipliers('gpt-image-1', '1536x1024', 'high')).toEqual({ size: 1, quality: 1 })
  })

  test('per image: price × QuotaPerUnit × group × ratios × images', () => {
    expect(perImageQuota(perCall, { size: 2, quality: 1.5 }, 1, 500_000)).toBe(60_000)
    expect(perImageQuota({ ...perCall, groupRatio: 0.5 }, { size: 1, quality: 1 }, 3, 500_000)).toBe(30_000)
  })

  test('by tokens: image input at ImageRatio, cached text at CacheRatio, output at CompletionRatio', () => {
    const usage = { ...emptyUsage(), inputTokens: 1_100, cachedInputTokens: 100, imageInputTokens: 500, outputTokens: 1_000 }
    // (500 text + 100 × 0.25 + 500 × 2 + 1000 × 8) × 2.5 = 23 812.5, rounded as new-api rounds
    expect(imageTokenQuota(ratio, usage, 2)).toBe(23_813)
  })

  test('the reservation bounds output by quality and area, and counts input images as large outputs', () => {
    expect(outputTokensBound('1024x1024', 'low')).toBe(408)
    expect(outputTokensBound(undefined, undefined)).toBe(6_240)
    expect(outputTokensBound('3072x2048', 'high')).toBe(6_240 * 4)
    expect(imageTokenReservation(ratio, 10, 1, 2, '1024x1024', 'medium')).toBe(Math.ceil((10 + 6_240 + 2 * 1_584 * 8) * 2.5))
  })
})
