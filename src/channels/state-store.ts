import { RedisClient } from 'bun'
import type { StateStore } from '../providers/types.ts'

/**
 * The shared state request preparers keep between requests (Dify's conversation ids). One node keeps it in memory;
 * with REDIS_URL every node reads and writes the same entries, so a conversation continues whichever node the next
 * turn lands on (as the ledger, the limiter and the bus pick Redis when the gateway has it).
 */

/** Entries one node keeps at most; the least recently used go first. */
const MEMORY_ENTRIES = 10_000

/** An LRU (a Map in use order) whose entries also expire. */
export function createMemoryStateStore(maxEntries = MEMORY_ENTRIES): StateStore {
  const entries = new Map<string, { value: string; expiresAt: number }>()
  return {
    async get(key) {
      const entry = entries.get(key)
      if (!entry) return undefined
      entries.delete(key)
      if (entry.expiresAt <= Date.now()) return undefined
      entries.set(key, entry)
      return entry.value
    },
    async set(key, value, ttlSeconds) {
      entries.delete(key)
      entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 })
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value!)
    },
  }
}

/** Keys are namespaced so the state never meets the ledger's or the limiter's keys in a shared database. */
const PREFIX = 'tollgate:state:'

export async function createRedisStateStore(url: string): Promise<StateStore & { close(): void }> {
  const client = new RedisClient(url, { enableOfflineQueue: false, autoReconnect: true, enableAutoPipelining: true })
  await client.connect()
  return {
    async get(key) {
      return (await client.get(PREFIX + key)) ?? undefined
    },
    async set(key, value, ttlSeconds) {
      await client.set(PREFIX + key, value, 'EX', ttlSeconds)
    },
    close: () => client.close(),
  }
}
