/**
 * Which node polls: with Redis (several nodes) a lease key held by one node at a time and renewed every round;
 * a node that dies stops renewing and another takes over once the lease runs out (the tasks are in the database,
 * so nothing is lost). Without Redis there is one node: it always holds the lease.
 */
export interface PollerLease {
  /** Take or renew the lease; true when this node may poll now. */
  acquire(): Promise<boolean>
  release(): Promise<void>
  close(): Promise<void>
}

const LEASE_KEY = 'tg:task-poller:lease'

/** Renew only our own lease; take a free one. Returns 1 when we hold it. */
const ACQUIRE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`

export const localLease = (): PollerLease => ({ acquire: async () => true, release: async () => {}, close: async () => {} })

export async function createRedisLease(url: string, ttlMs: number): Promise<PollerLease> {
  const { default: Redis } = await import('ioredis')
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await redis.connect()
  const holder = `${process.pid}-${crypto.randomUUID()}`
  return {
    async acquire() {
      try {
        return (await redis.eval(ACQUIRE, 1, LEASE_KEY, holder, ttlMs)) === 1
      } catch {
        // Redis unreachable: every node polls until it is back. Tasks keep moving, and nothing is refunded or
        // settled twice (the node that wins a task's conditional update does that); the cost is repeated polls.
        return true
      }
    },
    async release() { await redis.eval(RELEASE, 1, LEASE_KEY, holder).catch(() => 0) },
    async close() { await redis.quit().catch(() => redis.disconnect()) },
  }
}
