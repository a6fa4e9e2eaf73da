import { SLOT_RETRY_MS } from './memory-limiter.ts'
import { WINDOW_SLICES, type LimitCheck, type Limiter, type Refusal, type SettledWeight } from './limiter.ts'

/**
 * Limits shared by every node through Redis. A window is a hash of slice number → total (at most WINDOW_SLICES
 * live fields, expiring with the window); slots are a sorted set of lease ids scored by their expiry, so a node that
 * dies holding slots frees them within LEASE_MS. Time is Redis's own (TIME), so nodes with skewed clocks agree.
 *
 * ACQUIRE checks every limit of a request and, only when all pass, counts it and takes its slots: one script,
 * one round trip. ARGV: lease id, lease ms, then per key: kind (c count, s settled, l slot), limit, window ms.
 * Answers {0, 0} when admitted, or {index (1-based), retry after ms}.
 */
const ACQUIRE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease, leaseMs, slices = ARGV[1], tonumber(ARGV[2]), ${WINDOW_SLICES}
local currents = {}
for i = 1, #KEYS do
  local kind, limit, window = ARGV[i * 3], tonumber(ARGV[i * 3 + 1]), tonumber(ARGV[i * 3 + 2])
  if kind == 'l' then
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
    if redis.call('ZCARD', KEYS[i]) >= limit then return {i, ${SLOT_RETRY_MS}} end
  else
    local sliceMs = math.max(1, math.ceil(window / slices))
    local current = math.floor(now / sliceMs)
    currents[i] = current
    local fields = redis.call('HGETALL', KEYS[i])
    local total, stale, live = 0, {}, {}
    for j = 1, #fields, 2 do
      local slice = tonumber(fields[j])
      if slice <= current - slices then stale[#stale + 1] = fields[j]
      else
        local amount = tonumber(fields[j + 1])
        total = total + amount
        live[#live + 1] = {slice, amount}
      end
    end
    if #stale > 0 then redis.call('HDEL', KEYS[i], unpack(stale)) end
    if total >= limit then
      local retry = window
      if limit > 0 then
        table.sort(live, function(a, b) return a[1] < b[1] end)
        for _, entry in ipairs(live) do
          total = total - entry[2]
          if total < limit then retry = (entry[1] + slices) * sliceMs - now break end
        end
      end
      return {i, retry}
    end
  end
end
for i = 1, #KEYS do
  local kind, window = ARGV[i * 3], tonumber(ARGV[i * 3 + 2])
  if kind == 'l' then
    redis.call('ZADD', KEYS[i], now + leaseMs, lease)
    redis.call('PEXPIRE', KEYS[i], leaseMs)
  elseif kind == 'c' then
    redis.call('HINCRBY', KEYS[i], currents[i], 1)
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
return {0, 0}
`

/** SETTLE adds weights to windows and frees slots. ARGV: lease id, then per key: kind (w weight, l slot), weight, window ms. */
const SETTLE = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i = 1, #KEYS do
  local kind = ARGV[i * 3 - 1]
  if kind == 'l' then redis.call('ZREM', KEYS[i], ARGV[1])
  else
    local window = tonumber(ARGV[i * 3 + 1])
    local sliceMs = math.max(1, math.ceil(window / ${WINDOW_SLICES}))
    redis.call('HINCRBY', KEYS[i], math.floor(now / sliceMs), tonumber(ARGV[i * 3]))
    redis.call('PEXPIRE', KEYS[i], window)
  end
end
return 0
`

/** RENEW pushes back the expiry of slots still held. ARGV: lease ms, then one lease id per key. */
const RENEW = `
local time = redis.call('TIME')
local expiry = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], 'XX', expiry, ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
return 0
`

/** A slot held by a node that stopped renewing (it died) is freed after this long. */
export const LEASE_MS = 60_000
const kindCode = { count: 'c', settled: 's', slot: 'l' } as const

export async function createRedisLimiter(url: string, log: (line: string) => void = console.warn): Promise<Limiter> {
  const { default: Redis } = await import('ioredis')
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 })
  await redis.connect()
  redis.defineCommand('tollgateLimitAcquire', { lua: ACQUIRE })
  redis.defineCommand('tollgateLimitSettle', { lua: SETTLE })
  redis.defineCommand('tollgateLimitRenew', { lua: RENEW })
  const commands = redis as unknown as Record<'tollgateLimitAcquire' | 'tollgateLimitSettle' | 'tollgateLimitRenew', (keyCount: number, ...keysThenArguments: (string | number)[]) => Promise<[number, number]>>

  // Slots this node holds, renewed together (one call) while their requests run.
  const held = new Map<string, readonly string[]>()
  const renewer = setInterval(() => {
    if (held.size === 0) return
    const keys: string[] = []
    const leases: string[] = []
    for (const [lease, slotKeys] of held) for (const key of slotKeys) { keys.push(key); leases.push(lease) }
    commands.tollgateLimitRenew(keys.length, ...keys, LEASE_MS, ...leases).catch(failed('renewing slots'))
  }, LEASE_MS / 3)
  renewer.unref?.()

  // Redis unreachable: requests are admitted (a limit must not take the gateway down), and that is said once a minute.
  let lastComplaint = 0
  function failed(what: string) {
    return (error: Error) => {
      if (Date.now() - lastComplaint < 60_000) return
      lastComplaint = Date.now()
      log(`[limits] ${what} failed (${error.message}); requests pass unlimited until Redis answers`)
    }
  }
  const complainAcquire = failed('checking limits')

  return {
    async acquire(checks: readonly LimitCheck[], leaseId: string): Promise<Refusal | undefined> {
      const keys: string[] = []
      const parameters: (string | number)[] = [leaseId, LEASE_MS]
      let slotKeys: string[] | undefined
      for (const check of checks) {
        keys.push(check.key)
        parameters.push(kindCode[check.kind], check.limit, check.windowMs)
        if (check.kind === 'slot') (slotKeys ??= []).push(check.key)
      }
      let answer: [number, number]
      try {
        answer = await commands.tollgateLimitAcquire(keys.length, ...keys, ...parameters)
      } catch (error) {
        complainAcquire(error as Error)
        return undefined
      }
      if (answer[0] !== 0) return { index: answer[0] - 1, retryAfterMs: answer[1] }
      if (slotKeys) held.set(leaseId, slotKeys)
      return undefined
    },
    settle(weights: readonly SettledWeight[], slotKeys: readonly string[], leaseId: string) {
      if (slotKeys.length) held.delete(leaseId)
      const keys: string[] = []
      const parameters: (string | number)[] = [leaseId]
      for (const { key, windowMs, weight } of weights) {
        if (weight <= 0) continue
        keys.push(key)
        parameters.push('w', weight, windowMs)
      }
      for (const key of slotKeys) {
        keys.push(key)
        parameters.push('l', 0, 0)
      }
      if (keys.length) commands.tollgateLimitSettle(keys.length, ...keys, ...parameters).catch(failed('settling limits'))
    },
    async close() {
      clearInterval(renewer)
      await redis.quit().catch(() => redis.disconnect())
    },
  }
}
