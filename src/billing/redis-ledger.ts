import { QuotaLedger, type Ledger, type QuotaHolders, type Reservation, type ReserveFailure, type ReserveRequest } from './ledger.ts'
import type { LimitCheck, Refusal } from '../traffic/limiter.ts'
import { LEASE_MS, LIMIT_FUNCTIONS, limitArguments } from '../traffic/redis-limiter.ts'

/**
 * Quota counters shared by every node through Redis. Per user and per token one hash holds `p` (the persisted
 * quota, as the database has it after the last flush) and `r` (reserved + spent but not yet flushed, by any node).
 * Available = p − r. Reservation is one Lua script: check both counters and add to both, atomically. A node's
 * committed flush moves the flushed amount from `r` into `p` in one transaction, so availability never jumps.
 * Administrators' changes adjust `p` by their delta. Keys are created from the database value on first use.
 *
 * This node also keeps its own in-memory view (the same books, local spending only) for display and the cheap
 * exhausted-token check at authentication; the script is the authority.
 */
const QUOTA_CHECK_AND_RESERVE = `
local amount = tonumber(ARGV[1])
redis.call('HSETNX', KEYS[1], 'p', ARGV[2])
redis.call('HSETNX', KEYS[1], 'r', 0)
redis.call('HSETNX', KEYS[2], 'p', ARGV[3])
redis.call('HSETNX', KEYS[2], 'r', 0)
local user = redis.call('HMGET', KEYS[1], 'p', 'r')
local userAvailable = tonumber(user[1]) - tonumber(user[2])
if userAvailable <= 0 or userAvailable < amount then return {1, userAvailable} end
if ARGV[4] == '1' then
  local token = redis.call('HMGET', KEYS[2], 'p', 'r')
  local tokenAvailable = tonumber(token[1]) - tonumber(token[2])
  if tokenAvailable <= 0 or tokenAvailable < amount then return {2, tokenAvailable} end
end
redis.call('HINCRBY', KEYS[1], 'r', amount)
redis.call('HINCRBY', KEYS[2], 'r', amount)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
`
const RESERVE = `${QUOTA_CHECK_AND_RESERVE}
return {0, userAvailable}
`

/**
 * The reservation with the request's rate limits (src/traffic/) in the same script and round trip: limits first (a
 * refusal answers {3, index, retry after ms} and nothing is counted or reserved), then quota, then both are taken.
 * KEYS[3…] and ARGV[8…] are the limits as LIMIT_FUNCTIONS read them; ARGV[6], ARGV[7]: the lease id and its ms.
 */
const RESERVE_WITHIN_LIMITS = `${LIMIT_FUNCTIONS}
local refused = checkLimits(3, 8, #KEYS - 2)
if refused then return {3, refused[1], refused[2]} end
${QUOTA_CHECK_AND_RESERVE}
takeLimits(3, 8, #KEYS - 2, ARGV[6], tonumber(ARGV[7]))
return {0, userAvailable}
`

/** Only move counters that exist: a key created after a Redis restart starts from the database value. */
const MOVE = `
for index, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local spent = tonumber(ARGV[index])
    redis.call('HINCRBY', key, 'p', -spent)
    redis.call('HINCRBY', key, 'r', -spent)
  end
end
return 0
`

/**
 * Counters idle this long are dropped and start again from the database value. A node that dies holding
 * reservations leaves them in `r`; they go with the key once nobody has reserved on it for this long (a live node's
 * unflushed spending is flushed within seconds, and MOVE skips a key that is gone).
 */
export const COUNTER_IDLE_SECONDS = 3600

const userKey = (id: number) => `tg:quota:u:${id}`
const tokenKey = (id: number) => `tg:quota:t:${id}`

export async function createRedisLedger(url: string, log: (line: string) => void = console.warn): Promise<Ledger> {
  const { default: Redis } = await import('ioredis')
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await redis.connect()
  redis.defineCommand('tollgateReserve', { numberOfKeys: 2, lua: RESERVE })
  redis.defineCommand('tollgateMove', { lua: MOVE })
  redis.defineCommand('tollgateReserveWithinLimits', { lua: RESERVE_WITHIN_LIMITS })
  const local = new QuotaLedger()
  const commands = redis as unknown as {
    tollgateReserve(user: string, token: string, amount: number, userPersisted: number, tokenPersisted: number, checkToken: string, idleSeconds: number): Promise<[number, number]>
    tollgateMove(keyCount: number, ...keysThenAmounts: (string | number)[]): Promise<number>
    tollgateReserveWithinLimits(keyCount: number, ...keysThenArguments: (string | number)[]): Promise<number[]>
  }
  const failed = (what: string) => (error: Error) => log(`[ledger] ${what} failed (${error.message}); counters catch up at the next flush`)

  return {
    async reserve(request: ReserveRequest): Promise<Reservation | ReserveFailure> {
      const amount = Math.max(0, Math.ceil(request.amount))
      const [outcome] = await commands.tollgateReserve(userKey(request.userId), tokenKey(request.tokenId), amount, request.userQuota, request.tokenQuota, request.unlimitedToken ? '0' : '1', COUNTER_IDLE_SECONDS)
      if (outcome === 1) return 'user'
      if (outcome === 2) return 'token'
      // Mirror locally (never refused: Redis already decided).
      const mirrored = local.reserve({ ...request, userQuota: Number.MAX_SAFE_INTEGER, tokenQuota: Number.MAX_SAFE_INTEGER, unlimitedToken: true, amount })
      return { ...(mirrored as Reservation), unlimitedToken: request.unlimitedToken }
    },
    async reserveWithin(request: ReserveRequest, limits: { checks: readonly LimitCheck[]; leaseId: string }): Promise<Reservation | ReserveFailure | Refusal> {
      const amount = Math.max(0, Math.ceil(request.amount))
      const { keys, triples } = limitArguments(limits.checks)
      const [outcome, first, second] = await commands.tollgateReserveWithinLimits(2 + keys.length, userKey(request.userId), tokenKey(request.tokenId), ...keys,
        amount, request.userQuota, request.tokenQuota, request.unlimitedToken ? '0' : '1', COUNTER_IDLE_SECONDS, limits.leaseId, LEASE_MS, ...triples)
      if (outcome === 3) return { index: first! - 1, retryAfterMs: second! }
      if (outcome === 1) return 'user'
      if (outcome === 2) return 'token'
      const mirrored = local.reserve({ ...request, userQuota: Number.MAX_SAFE_INTEGER, tokenQuota: Number.MAX_SAFE_INTEGER, unlimitedToken: true, amount })
      return { ...(mirrored as Reservation), unlimitedToken: request.unlimitedToken }
    },
    settle(reservation, actual) {
      if (reservation.settled) return
      const difference = actual - reservation.amount
      local.settle(reservation, actual)
      if (difference === 0) return
      redis.multi().hincrby(userKey(reservation.userId), 'r', difference).hincrby(tokenKey(reservation.tokenId), 'r', difference).exec().catch(failed('settle'))
    },
    flushed(users, tokens, holders: QuotaHolders) {
      local.flushed(users, tokens, holders)
      const keys = [...users.map((delta) => userKey(delta.id)), ...tokens.map((delta) => tokenKey(delta.id))]
      if (keys.length === 0) return
      const amounts = [...users, ...tokens].map((delta) => delta.spent)
      commands.tollgateMove(keys.length, ...keys, ...amounts).catch(failed('moving a flush'))
    },
    adjust(kind, id, delta) {
      if (delta === 0) return
      const key = kind === 'user' ? userKey(id) : tokenKey(id)
      // Only an existing counter moves; a missing one is created from the database value on next use.
      redis.eval(`if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('HINCRBY', KEYS[1], 'p', ARGV[1]) end return 0`, 1, key, delta).catch(failed('adjusting a quota'))
    },
    // Redis still counts them in `r` (the dead node settled there): only this node's view learns of them.
    replayed: (users, tokens) => local.replayed(users, tokens),
    availableForUser: (id, persisted) => local.availableForUser(id, persisted),
    availableForToken: (id, persisted) => local.availableForToken(id, persisted),
    pendingForUser: (id) => local.pendingForUser(id),
    pendingForToken: (id) => local.pendingForToken(id),
    async close() { await redis.quit().catch(() => redis.disconnect()) },
  }
}
