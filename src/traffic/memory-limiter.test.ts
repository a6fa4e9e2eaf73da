import { describe, expect, test } from 'bun:test'
import { limiterContract } from '../testing/limiter-contract.ts'
import { createMemoryLimiter } from './memory-limiter.ts'

describe('in-memory limiter', () => {
  limiterContract(() => createMemoryLimiter(), 'memory')

  test('memory stays bounded: idle windows are swept, and past maxKeys the oldest go', async () => {
    let now = 1_000_000
    const limiter = createMemoryLimiter({ maxKeys: 100, now: () => now })
    for (let index = 0; index < 250; index++) limiter.acquire([{ key: `k${index}`, kind: 'count', limit: 10, windowMs: 1000 }], 'lease')
    expect(limiter.size()).toBeLessThanOrEqual(100)
    now += 2000
    limiter.sweep()
    expect(limiter.size()).toBe(0)
    await limiter.close?.()
  })
})
