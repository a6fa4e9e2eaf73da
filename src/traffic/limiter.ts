/**
 * The limiter contract shared by the in-memory limiter (one node) and the Redis one (every node).
 *
 * Windows are sliding windows of WINDOW_SLICES slices: a window of 60 s counts what was added in the last 60
 * one-second slices, so memory per key is fixed whatever the limit, and a burst inside one window is counted
 * exactly. Slots count requests in flight (concurrency caps).
 *
 * Call order for one request: `acquire(checks)` once, before anything is reserved; then, when the request is over
 * (answered, failed, aborted), `settle(ticket)` once — it adds the weights of `settled` windows (tokens, successes)
 * and frees the slots.
 */

/** Slices per window: the window forgets a slice at a time, so it is exact to 1/60 of its length. */
export const WINDOW_SLICES = 60

/**
 * One limit that applies to a request.
 * - `count`: at most `limit` admissions per `windowMs` (the admission itself adds 1).
 * - `settled`: refused while the window already holds `limit` (tokens, successes); the weight is added at settle.
 * - `slot`: at most `limit` requests in flight under `key`.
 * A `limit` of 0 refuses every request.
 */
export interface LimitCheck {
  key: string
  kind: 'count' | 'settled' | 'slot'
  limit: number
  /** Window length (count, settled); unused for slots. */
  windowMs: number
}

/** Refused: which check (index into the checks) and when trying again may succeed. */
export interface Refusal {
  index: number
  retryAfterMs: number
}

/** Weight to add to a settled window once the request is over. */
export interface SettledWeight {
  key: string
  windowMs: number
  weight: number
}

export interface Limiter {
  /**
   * Check every limit and, only when all pass, count the admission and take the slots, atomically (one Redis round
   * trip). Undefined when admitted. `leaseId` names the slots this request holds (unique per request).
   */
  acquire(checks: readonly LimitCheck[], leaseId: string): Refusal | undefined | Promise<Refusal | undefined>
  /**
   * Shared limiters only: the slots of `leaseId` were taken by another script (the quota ledger's reservation, which
   * checks limits in the same round trip); hold and renew them as if `acquire` had.
   */
  adopt?(leaseId: string, slotKeys: readonly string[]): void
  /** Add settled weights and free the request's slots; fire and forget. */
  settle(weights: readonly SettledWeight[], slotKeys: readonly string[], leaseId: string): void
  close?(): Promise<void>
}
