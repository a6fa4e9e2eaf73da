import { describe, expect, test } from 'bun:test'
import { redisUrl } from '../testing/databases.ts'
import { COUNTER_IDLE_SECONDS, createRedisLedger } from './redis-ledger.ts'

describe.skipIf(!redisUrl)('Redis quota counters', () => {
  test('reservations a dead node held are not kept forever: idle counters expire and restart from the database', async () => {
    const { default: Redis } = await import('ioredis')
    const redis = new Redis(redisUrl!)
    const userId = 900_000 + Math.floor(Math.random() * 90_000)
    await redis.del(`tg:quota:u:${userId}`, `tg:quota:t:${userId}`)
    const dead = await createRedisLedger(redisUrl!, () => {})
    // Reserved, then the node "dies": never settled.
    expect(await dead.reserve({ userId, userQuota: 1000, tokenId: userId, tokenQuota: 1000, unlimitedToken: false, amount: 600 })).toMatchObject({ amount: 600 })
    await dead.close!()
    const ttl = await redis.ttl(`tg:quota:u:${userId}`)
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(COUNTER_IDLE_SECONDS)
    expect(await redis.ttl(`tg:quota:t:${userId}`)).toBeGreaterThan(0)
    // Once the idle time passes the key is gone (simulated), and the next node starts from the database value.
    await redis.del(`tg:quota:u:${userId}`, `tg:quota:t:${userId}`)
    const next = await createRedisLedger(redisUrl!, () => {})
    expect(await next.reserve({ userId, userQuota: 1000, tokenId: userId, tokenQuota: 1000, unlimitedToken: false, amount: 600 })).toMatchObject({ amount: 600 })
    await next.close!()
    await redis.del(`tg:quota:u:${userId}`, `tg:quota:t:${userId}`)
    await redis.quit()
  })
})
