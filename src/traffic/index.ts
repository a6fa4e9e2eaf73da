import type { Config } from '../config.ts'
import type { Limiter } from './limiter.ts'
import { createMemoryLimiter } from './memory-limiter.ts'
import { createRedisLimiter } from './redis-limiter.ts'

/** The limiter for this deployment: shared through Redis when REDIS_URL is set, else in this process. */
export async function createLimiter(config: Pick<Config, 'redisUrl'>, log: (line: string) => void): Promise<Limiter> {
  return config.redisUrl ? await createRedisLimiter(config.redisUrl, log) : createMemoryLimiter()
}
