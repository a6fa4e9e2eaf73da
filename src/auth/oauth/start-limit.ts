import { GatewayError } from '../../errors.ts'

/**
 * How many sign-ins one client address may start in a window (new-api puts its "critical" rate limit on these
 * routes). Every start writes a state row that lives ten minutes, so this also bounds the rows one address can
 * make. Counted per node, in memory; the map is swept when it grows.
 */
export interface StartLimit {
  /** Throws 429 when `address` started too many sign-ins in the current window. */
  check(address: string): void
}

export function createStartLimit(options: { perWindow?: number; windowMs?: number; maxEntries?: number } = {}): StartLimit {
  const perWindow = options.perWindow ?? 120
  const windowMs = options.windowMs ?? 10 * 60_000
  const maxEntries = options.maxEntries ?? 100_000
  const counts = new Map<string, { count: number; since: number }>()
  return {
    check(address) {
      const now = Date.now()
      let entry = counts.get(address)
      if (!entry || now - entry.since > windowMs) {
        if (counts.size >= maxEntries) {
          for (const [key, old] of counts) if (now - old.since > windowMs) counts.delete(key)
          if (counts.size >= maxEntries) counts.delete(counts.keys().next().value!)
        }
        counts.set(address, entry = { count: 0, since: now })
      }
      if (++entry.count > perWindow) throw new GatewayError(429, 'Too many sign-ins started from this address; try again in a few minutes', 'too_many_attempts')
    },
  }
}
