import { describe } from 'bun:test'
import { limiterContract } from '../testing/limiter-contract.ts'
import { redisUrl } from '../testing/databases.ts'
import { createRedisLimiter } from './redis-limiter.ts'

if (!redisUrl) console.warn('[tests] Redis limiter suite skipped: needs TEST_REDIS_URL')

describe.skipIf(!redisUrl)('Redis limiter', () => {
  limiterContract(() => createRedisLimiter(redisUrl!), `tg:test:limits:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`)
})
