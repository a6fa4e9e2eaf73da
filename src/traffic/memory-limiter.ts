import { WINDOW_SLICES, type LimitCheck, type Limiter, type Refusal, type SettledWeight } from './limiter.ts'

/** One sliding window: a ring of slices, each holding the slice number it counts and its total. */
class Window {
  readonly sliceMs: number
  readonly slices = new Float64Array(WINDOW_SLICES).fill(-1)
  readonly totals = new Float64Array(WINDOW_SLICES)
  lastUsed = 0

  constructor(readonly windowMs: number) {
    this.sliceMs = Math.max(1, Math.ceil(windowMs / WINDOW_SLICES))
  }

  sum(now: number): number {
    const oldest = Math.floor(now / this.sliceMs) - WINDOW_SLICES
    let total = 0
    for (let index = 0; index < WINDOW_SLICES; index++) if (this.slices[index]! > oldest) total += this.totals[index]!
    return total
  }

  add(now: number, weight: number) {
    const slice = Math.floor(now / this.sliceMs)
    const index = slice % WINDOW_SLICES
    if (this.slices[index] !== slice) {
      this.slices[index] = slice
      this.totals[index] = 0
    }
    this.totals[index]! += weight
    this.lastUsed = now
  }

  /** Milliseconds until the window holds less than `limit` (the oldest slices leave first). */
  retryAfter(now: number, limit: number): number {
    if (limit <= 0) return this.windowMs
    const current = Math.floor(now / this.sliceMs)
    let remaining = this.sum(now)
    for (let slice = current - WINDOW_SLICES + 1; slice <= current; slice++) {
      const index = ((slice % WINDOW_SLICES) + WINDOW_SLICES) % WINDOW_SLICES
      if (this.slices[index] !== slice) continue
      remaining -= this.totals[index]!
      if (remaining < limit) return (slice + WINDOW_SLICES) * this.sliceMs - now
    }
    return this.windowMs
  }
}

/** How long a refused slot waits before trying again: slots free as requests end, so soon. */
export const SLOT_RETRY_MS = 1000

/**
 * Limits kept in this process (one node, or no Redis). Memory is bounded: windows unused for their length are
 * swept every minute, and past `maxKeys` the oldest are dropped (a limit then forgets, it never refuses more).
 */
export function createMemoryLimiter(options: { maxKeys?: number; now?: () => number } = {}): Limiter & { size(): number; sweep(): void } {
  const maxKeys = options.maxKeys ?? 200_000
  const clock = options.now ?? Date.now
  const windows = new Map<string, Window>()
  const slots = new Map<string, number>()

  function windowFor(key: string, windowMs: number, now: number): Window {
    let window = windows.get(key)
    if (!window || window.windowMs !== windowMs) {
      if (!window && windows.size >= maxKeys) {
        sweep()
        if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!)
      }
      window = new Window(windowMs)
      window.lastUsed = now
      windows.set(key, window)
    }
    return window
  }

  function sweep() {
    const now = clock()
    for (const [key, window] of windows) if (now - window.lastUsed > window.windowMs) windows.delete(key)
  }
  const sweeper = setInterval(sweep, 60_000)
  sweeper.unref?.()

  return {
    acquire(checks: readonly LimitCheck[]): Refusal | undefined {
      const now = clock()
      for (let index = 0; index < checks.length; index++) {
        const check = checks[index]!
        if (check.kind === 'slot') {
          if ((slots.get(check.key) ?? 0) >= check.limit) return { index, retryAfterMs: SLOT_RETRY_MS }
          continue
        }
        const window = windowFor(check.key, check.windowMs, now)
        if (window.sum(now) >= check.limit) return { index, retryAfterMs: window.retryAfter(now, check.limit) }
      }
      for (const check of checks) {
        if (check.kind === 'slot') slots.set(check.key, (slots.get(check.key) ?? 0) + 1)
        else if (check.kind === 'count') windows.get(check.key)!.add(now, 1)
        else windows.get(check.key)!.lastUsed = now
      }
      return undefined
    },
    settle(weights: readonly SettledWeight[], slotKeys: readonly string[]) {
      const now = clock()
      for (const { key, windowMs, weight } of weights) if (weight > 0) windowFor(key, windowMs, now).add(now, weight)
      for (const key of slotKeys) {
        const held = (slots.get(key) ?? 0) - 1
        if (held > 0) slots.set(key, held)
        else slots.delete(key)
      }
    },
    async close() { clearInterval(sweeper) },
    size: () => windows.size + slots.size,
    sweep,
  }
}
