import type { LimitCheck, Refusal } from '../traffic/limiter.ts'

/**
 * Quota counters, authoritative in memory on a single node.
 *
 * The database holds what has been flushed; the ledger holds, per user and per token, what is spent but not yet
 * flushed plus what is reserved by requests in flight. Available = persisted − pending. When the writer commits a
 * flush it moves the flushed amounts from pending into the persisted values in the same tick, so availability
 * never jumps. Reservation is check-and-add in one synchronous step: two concurrent requests cannot both take the
 * last quota.
 */
export interface QuotaHolder {
  /** The persisted value as last read (cache row). */
  persisted(): number
  /** Apply a committed flush to the persisted value (the cache row). */
  commit(spent: number): void
}

export interface Reservation {
  userId: number
  tokenId: number
  unlimitedToken: boolean
  amount: number
  settled: boolean
}

export type ReserveFailure = 'user' | 'token'

export interface ReserveRequest { userId: number; userQuota: number; tokenId: number; tokenQuota: number; unlimitedToken: boolean; amount: number }

export interface QuotaHolders { user(id: number): QuotaHolder | undefined; token(id: number): QuotaHolder | undefined }

/**
 * The books of in-flight and unflushed spending. `reserve` is the authority (in memory on one node, a Redis script
 * across nodes); the `available*`/`pending*` reads are this node's view, used for display and the cheap
 * exhausted-token check at authentication.
 */
export interface Ledger {
  reserve(request: ReserveRequest): Reservation | ReserveFailure | Promise<Reservation | ReserveFailure>
  /**
   * Shared ledgers only: check the request's rate limits (src/traffic/) and reserve in one atomic step, one round
   * trip. A refusal by a limit (a Refusal) counts and reserves nothing; one by quota counts no limit either.
   */
  reserveWithin?(request: ReserveRequest, limits: { checks: readonly LimitCheck[]; leaseId: string }): Promise<Reservation | ReserveFailure | Refusal>
  settle(reservation: Reservation, actual: number): void
  flushed(users: { id: number; spent: number }[], tokens: { id: number; spent: number }[], holders: QuotaHolders): void
  /** An administrator changed a persisted quota by `delta` (the caches reload the row itself). */
  adjust(kind: 'user' | 'token', id: number, delta: number): void
  /**
   * Spending a previous process settled but did not flush, replayed at start: pending until its flush commits, like
   * this process's own. (Reservations of that process are not: the in-memory books start empty.)
   */
  replayed(users: { id: number; spent: number }[], tokens: { id: number; spent: number }[]): void
  availableForUser(userId: number, persisted: number): number
  availableForToken(tokenId: number, persisted: number): number
  pendingForUser(userId: number): number
  pendingForToken(tokenId: number): number
  close?(): Promise<void>
}

export class QuotaLedger implements Ledger {
  private readonly userPending = new Map<number, number>()
  private readonly tokenPending = new Map<number, number>()

  availableForUser(userId: number, persisted: number): number {
    return persisted - (this.userPending.get(userId) ?? 0)
  }

  availableForToken(tokenId: number, persisted: number): number {
    return persisted - (this.tokenPending.get(tokenId) ?? 0)
  }

  /**
   * Reserve `amount` from both the user and (unless unlimited) the token. Fails without reserving when either
   * has less than the amount available (and always when either is already at or below zero).
   */
  reserve(request: ReserveRequest): Reservation | ReserveFailure {
    const amount = Math.max(0, Math.ceil(request.amount))
    const userAvailable = this.availableForUser(request.userId, request.userQuota)
    if (userAvailable <= 0 || userAvailable < amount) return 'user'
    if (!request.unlimitedToken) {
      const tokenAvailable = this.availableForToken(request.tokenId, request.tokenQuota)
      if (tokenAvailable <= 0 || tokenAvailable < amount) return 'token'
    }
    // Unlimited tokens are tracked too (never checked), so a token made limited later starts from true figures.
    add(this.userPending, request.userId, amount)
    add(this.tokenPending, request.tokenId, amount)
    return { userId: request.userId, tokenId: request.tokenId, unlimitedToken: request.unlimitedToken, amount, settled: false }
  }

  /** Replace the reservation by the real cost (which then waits in pending until flushed). Idempotent. */
  settle(reservation: Reservation, actual: number): void {
    if (reservation.settled) return
    reservation.settled = true
    const difference = actual - reservation.amount
    add(this.userPending, reservation.userId, difference)
    add(this.tokenPending, reservation.tokenId, difference)
  }

  /**
   * A flush committed `spent` for these users and tokens: move it from pending into the persisted values.
   * `holders` gives access to the cached rows.
   */
  flushed(users: { id: number; spent: number }[], tokens: { id: number; spent: number }[], holders: QuotaHolders): void {
    for (const { id, spent } of users) {
      add(this.userPending, id, -spent)
      holders.user(id)?.commit(spent)
    }
    for (const { id, spent } of tokens) {
      add(this.tokenPending, id, -spent)
      holders.token(id)?.commit(spent)
    }
  }

  /** In memory the cache reload of the changed row carries the new persisted value: nothing to do. */
  adjust(): void {}

  replayed(users: { id: number; spent: number }[], tokens: { id: number; spent: number }[]): void {
    for (const { id, spent } of users) add(this.userPending, id, spent)
    for (const { id, spent } of tokens) add(this.tokenPending, id, spent)
  }

  pendingForUser(userId: number): number {
    return this.userPending.get(userId) ?? 0
  }

  pendingForToken(tokenId: number): number {
    return this.tokenPending.get(tokenId) ?? 0
  }
}

function add(map: Map<number, number>, id: number, amount: number) {
  const next = (map.get(id) ?? 0) + amount
  if (next === 0) map.delete(id)
  else map.set(id, next)
}

