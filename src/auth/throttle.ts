/**
 * Failed-login throttle per client address: after a few failures every further attempt waits longer, and past
 * the limit the address is refused until the window ends. Memory is bounded: old entries are swept.
 */
export interface LoginThrottle {
  /** Milliseconds to wait before checking credentials, or -1 when the address is locked out. */
  delayFor(address: string): number
  failed(address: string): void
  succeeded(address: string): void
  /** Seconds until a locked-out address may try again. */
  retryAfter(address: string): number
}

export function createLoginThrottle(options: { freeAttempts?: number; lockoutAfter?: number; windowMs?: number; maxEntries?: number } = {}): LoginThrottle {
  const freeAttempts = options.freeAttempts ?? 5
  const lockoutAfter = options.lockoutAfter ?? 10
  const windowMs = options.windowMs ?? 15 * 60_000
  const maxEntries = options.maxEntries ?? 100_000
  const failures = new Map<string, { count: number; first: number }>()

  const current = (address: string) => {
    const entry = failures.get(address)
    if (entry && Date.now() - entry.first > windowMs) {
      failures.delete(address)
      return undefined
    }
    return entry
  }

  return {
    delayFor(address) {
      const entry = current(address)
      if (!entry || entry.count < freeAttempts) return 0
      if (entry.count >= lockoutAfter) return -1
      return Math.min(4000, 250 * 2 ** (entry.count - freeAttempts))
    },
    failed(address) {
      if (failures.size >= maxEntries) {
        const now = Date.now()
        for (const [key, entry] of failures) if (now - entry.first > windowMs) failures.delete(key)
        if (failures.size >= maxEntries) failures.delete(failures.keys().next().value!)
      }
      const entry = current(address)
      if (entry) entry.count++
      else failures.set(address, { count: 1, first: Date.now() })
    },
    succeeded(address) { failures.delete(address) },
    retryAfter(address) {
      const entry = current(address)
      return entry ? Math.ceil((entry.first + windowMs - Date.now()) / 1000) : 0
    },
  }
}
