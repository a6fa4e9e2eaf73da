import { describe, expect, test } from 'bun:test'
import { invalidRateLimits, parseRateLimit, rateLimitBody, rateLimitTexts } from './rate-limits.ts'

describe('rate-limit boxes', () => {
  test('empty is no limit, 0 is none allowed, anything but a whole number is invalid', () => {
    expect(parseRateLimit('')).toBeNull()
    expect(parseRateLimit(' 0 ')).toBe(0)
    expect(parseRateLimit('600')).toBe(600)
    for (const bad of ['-1', '1.5', 'ten', '3000000000']) expect(parseRateLimit(bad)).toBeUndefined()
  })

  test('a round trip through the form keeps null and 0 apart', () => {
    const texts = rateLimitTexts({ rpm_limit: 0, tpm_limit: null, concurrency_limit: 4 })
    expect(texts).toEqual({ rpm_limit: '0', tpm_limit: '', concurrency_limit: '4' })
    expect(rateLimitBody(texts)).toEqual({ rpm_limit: 0, tpm_limit: null, concurrency_limit: 4 })
    expect(invalidRateLimits({ ...texts, tpm_limit: 'x' })).toEqual(['tpm_limit'])
  })
})
