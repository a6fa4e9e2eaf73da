import { describe, expect, test } from 'bun:test'
import { redisUrl } from '../testing/databases.ts'
import { createMemoryStateStore, createRedisStateStore } from './state-store.ts'

describe('memory state store', () => {
  test('values expire, and past its size the least recently used entry goes first', async () => {
    const store = createMemoryStateStore(2)
    await store.set('a', '1', 60)
    await store.set('b', '2', 60)
    expect(await store.get('a')).toBe('1')
    await store.set('c', '3', 60)
    expect(await store.get('b')).toBeUndefined()
    expect(await store.get('a')).toBe('1')
    await store.set('short', 'x', 0.01)
    await Bun.sleep(20)
    expect(await store.get('short')).toBeUndefined()
  })
})

if (!redisUrl) console.warn('[tests] Redis state store suite skipped: needs TEST_REDIS_URL')

describe.skipIf(!redisUrl)('Redis state store', () => {
  test('two nodes see the same entries, which expire', async () => {
    const one = await createRedisStateStore(redisUrl!)
    const two = await createRedisStateStore(redisUrl!)
    const key = `test:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
    try {
      await one.set(key, 'conversation-1', 1)
      expect(await two.get(key)).toBe('conversation-1')
      expect(await two.get(`${key}:other`)).toBeUndefined()
      await Bun.sleep(1100)
      expect(await one.get(key)).toBeUndefined()
    } finally {
      one.close()
      two.close()
    }
  })
})
