/**
 * What keeps failover from flapping, per node and in memory: disable-worthy failures are counted per channel key
 * in a sliding window (one bad answer no longer disables a channel; N within the window do), and an upstream's 429
 * cools that key down for its Retry-After instead of counting against it.
 *
 * Routing reads `cooling` (channel ids whose every key is cooling) on every attempt, so it is a Set kept up to date
 * when a cool-down starts or ends, never recomputed per request; while nothing cools it is empty and costs nothing.
 */
export interface FailoverSettings {
  /** Disable-worthy failures of one key within the window that disable it (1 = on the first, as new-api does). */
  threshold: number
  windowMs: number
  /** A 429 without a usable Retry-After cools its key down this long. */
  defaultCoolMs: number
}

export interface ChannelCircuit {
  /** Count a disable-worthy failure; true when the key has now failed `threshold` times within the window. */
  failed(channelId: number, keyIndex: number): boolean
  /** Forget a key's failures (it was disabled, re-enabled or edited). */
  reset(channelId: number, keyIndex: number): void
  /** Cool a key down for `ms` (extending a shorter cool-down); true when it was not cooling before (worth a log row). */
  cool(channelId: number, keyIndex: number, keyCount: number, ms: number): boolean
  keyCooling(channelId: number, keyIndex: number): boolean
  /** Channels every key of which is cooling: routing prefers any other. */
  readonly cooling: ReadonlySet<number>
  /** Ends every timer (shutdown). */
  close(): void
}

const MAX_COOL_MS = 3_600_000

export function createChannelCircuit(settings: () => FailoverSettings, now: () => number = Date.now): ChannelCircuit {
  /** Per `channel:key`, the times of its latest failures (at most `threshold` kept). */
  const failures = new Map<string, number[]>()
  /** Per channel, per key index, when its cool-down ends. */
  const coolUntil = new Map<number, Map<number, number>>()
  const keyCounts = new Map<number, number>()
  const cooling = new Set<number>()
  const timers = new Map<number, ReturnType<typeof setTimeout>>()

  /** Drop ended cool-downs of a channel, keep `cooling` true, and wake again when the next one ends. */
  function refresh(channelId: number) {
    const keys = coolUntil.get(channelId)
    const at = now()
    let next = Infinity
    if (keys) {
      for (const [index, until] of keys) {
        if (until <= at) keys.delete(index)
        else next = Math.min(next, until)
      }
      if (keys.size === 0) coolUntil.delete(channelId)
    }
    if (keys && keys.size > 0 && keys.size >= (keyCounts.get(channelId) ?? 1)) cooling.add(channelId)
    else cooling.delete(channelId)
    clearTimeout(timers.get(channelId))
    timers.delete(channelId)
    if (next !== Infinity) {
      const timer = setTimeout(() => refresh(channelId), Math.max(1, next - at))
      timer.unref?.()
      timers.set(channelId, timer)
    }
  }

  return {
    failed(channelId, keyIndex) {
      const { threshold, windowMs } = settings()
      const id = `${channelId}:${keyIndex}`
      const at = now()
      const times = (failures.get(id) ?? []).filter((time) => at - time < windowMs)
      times.push(at)
      if (times.length >= threshold) {
        failures.delete(id)
        return true
      }
      failures.set(id, times)
      return false
    },
    reset(channelId, keyIndex) { failures.delete(`${channelId}:${keyIndex}`) },
    cool(channelId, keyIndex, keyCount, ms) {
      const until = now() + Math.min(Math.max(ms, 1000), MAX_COOL_MS)
      let keys = coolUntil.get(channelId)
      if (!keys) coolUntil.set(channelId, keys = new Map())
      const previous = keys.get(keyIndex) ?? 0
      if (previous >= until) return false
      keys.set(keyIndex, until)
      keyCounts.set(channelId, keyCount)
      refresh(channelId)
      return previous <= now()
    },
    keyCooling(channelId, keyIndex) {
      const until = coolUntil.get(channelId)?.get(keyIndex)
      return until !== undefined && until > now()
    },
    cooling,
    close() {
      for (const timer of timers.values()) clearTimeout(timer)
      timers.clear()
    },
  }
}

/**
 * How long an upstream asked us to wait: `Retry-After` in seconds or as an HTTP date, else OpenAI's
 * `x-ratelimit-reset-requests` (`1s`, `6m0s`, `120ms`); undefined when it said nothing usable.
 */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim()
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = headers.get('x-ratelimit-reset-requests') ?? headers.get('x-ratelimit-reset-tokens')
  if (reset) {
    let ms = 0
    let matched = false
    for (const [, amount, unit] of reset.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) {
      matched = true
      ms += Number(amount) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1)
    }
    if (matched) return ms
  }
  return undefined
}
