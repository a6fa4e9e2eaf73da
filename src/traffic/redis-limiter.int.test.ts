import { describe, expect, test } from 'bun:test'
import { limiterContract } from '../testing/limiter-contract.ts'
import { redisUrl } from '../testing/databases.ts'
import { startCuttableProxy } from '../testing/tcp-proxy.ts'
import { createRedisLimiter } from './redis-limiter.ts'

if (!redisUrl) console.warn('[tests] Redis limiter suite skipped: needs TEST_REDIS_URL')

describe.skipIf(!redisUrl)('Redis limiter', () => {
  limiterContract(() => createRedisLimiter(redisUrl!), `tg:test:limits:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
})

describe.skipIf(!redisUrl)('Redis limiter when Redis goes away', () => {
  test('requests pass unlimited at once (no queueing, no hang), it says so, and limits hold again when Redis is back', async () => {
    const target = new URL(redisUrl!)
    const proxy = startCuttableProxy({ hostname: target.hostname, port: Number(target.port || 6379) })
    const lines: string[] = []
    const limiter = await createRedisLimiter(`redis://127.0.0.1:${proxy.port}${target.pathname}`, (line) => lines.push(line))
    const check = [{ key: `tg:test:limits:outage:${Date.now().toString(36)}`, kind: 'count' as const, limit: 1, windowMs: 60_000 }]
    try {
      expect(await limiter.acquire(check, 'a')).toBeUndefined()
      expect(await limiter.acquire(check, 'b')).toMatchObject({ index: 0 })
      proxy.cut()
      const started = performance.now()
      expect(await limiter.acquire(check, 'c')).toBeUndefined()
      expect(performance.now() - started).toBeLessThan(1000)
      expect(lines.join('\n')).toContain('requests pass unlimited until Redis answers')
      proxy.restore()
      let verdict: unknown
      for (let attempt = 0; attempt < 50 && verdict === undefined; attempt++) {
        await Bun.sleep(100)
        verdict = await limiter.acquire(check, `d${attempt}`)
      }
      expect(verdict).toMatchObject({ index: 0 })
    } finally {
      await limiter.close?.()
      proxy.stop()
    }
  }, 20_000)
})
