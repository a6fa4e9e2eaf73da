import { and, count, desc, eq, like, sql, type SQL } from 'drizzle-orm'
import type { Database, NewTopUp, Page, TopUpRow, UserRow } from '../types.ts'
import { insertUnique, now, offset, paged } from './shared.ts'

/** An order is created pending and leaves that state once: to success, failed or expired. */
export type TopUpStatus = 'pending' | 'success' | 'failed' | 'expired'

export interface TopUpFilter {
  userId?: number
  /** Part of the order number (new-api searches trade_no with LIKE %keyword%). */
  keyword?: string
  status?: TopUpStatus
}

export interface CompleteTopUp {
  /** Quota to credit for the order, e.g. `order.amount * quotaPerUnit`; read inside the transaction. */
  quotaFor(order: TopUpRow): number
  /** Only an order of this provider completes (a notify callback must not complete another provider's order). */
  provider?: string
  /** The method the payment was actually made with, when the callback names one. */
  paymentMethod?: string
}

export type CompleteFailure = 'not_found' | 'not_pending' | 'wrong_provider'
export type CompleteResult =
  | { completed: true; order: TopUpRow; quota: number; user: UserRow }
  | { completed: false; reason: CompleteFailure }

export type TopUpsStore = ReturnType<typeof createTopUpsStore>

export function createTopUpsStore(database: Database) {
  const { db, tables } = database
  const { topUpsTable, usersTable } = tables

  function topUpWhere(filter: TopUpFilter) {
    const conditions: SQL[] = []
    if (filter.userId !== undefined) conditions.push(eq(topUpsTable.userId, filter.userId))
    if (filter.keyword) conditions.push(like(topUpsTable.tradeNo, `%${filter.keyword}%`))
    if (filter.status) conditions.push(eq(topUpsTable.status, filter.status))
    return conditions.length ? and(...conditions) : undefined
  }

  const stillPending = (tradeNo: string) => and(eq(topUpsTable.tradeNo, tradeNo), eq(topUpsTable.status, 'pending'))

  return {
    create: (order: NewTopUp) => database.write(() => insertUnique('trade_no', async () =>
      (await db.insert(topUpsTable).values({ createTime: now(), ...order }).returning())[0]!)),
    get: async (id: number, userId?: number) =>
      (await db.select().from(topUpsTable).where(userId === undefined ? eq(topUpsTable.id, id) : and(eq(topUpsTable.id, id), eq(topUpsTable.userId, userId))))[0],
    getByTradeNo: async (tradeNo: string) => (await db.select().from(topUpsTable).where(eq(topUpsTable.tradeNo, tradeNo)))[0],
    list(filter: TopUpFilter, page: Page) {
      const where = topUpWhere(filter)
      return paged(
        db.select().from(topUpsTable).where(where).orderBy(desc(topUpsTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(topUpsTable).where(where),
      )
    },
    update: (id: number, changes: Partial<NewTopUp>) => database.write(() => insertUnique('trade_no', async () =>
      (await db.update(topUpsTable).set(changes).where(eq(topUpsTable.id, id)).returning())[0])),
    delete: (id: number) => database.write(async () =>
      (await db.delete(topUpsTable).where(eq(topUpsTable.id, id)).returning({ id: topUpsTable.id })).length > 0),
    /**
     * Completes a pending order and credits its user, in one transaction, exactly once: payment providers repeat
     * their notify callbacks, and an admin may complete by hand at the same time. The pending → success change is a
     * conditional UPDATE, so only one of concurrent calls matches the row (Postgres re-checks the condition after
     * the row lock; SQLite serialises transactions). Throws (and completes nothing) if the user does not exist.
     */
    complete: (tradeNo: string, options: CompleteTopUp) => database.transaction(async (tx): Promise<CompleteResult> => {
      const condition = options.provider === undefined ? stillPending(tradeNo) : and(stillPending(tradeNo), eq(topUpsTable.paymentProvider, options.provider))
      const [order] = await tx.update(topUpsTable)
        .set({ status: 'success', completeTime: now(), ...(options.paymentMethod ? { paymentMethod: options.paymentMethod } : {}) })
        .where(condition)
        .returning()
      if (!order) {
        const [row] = await tx.select().from(topUpsTable).where(eq(topUpsTable.tradeNo, tradeNo))
        if (!row) return { completed: false, reason: 'not_found' }
        return { completed: false, reason: row.status !== 'pending' ? 'not_pending' : 'wrong_provider' }
      }
      const quota = options.quotaFor(order)
      const [user] = await tx.update(usersTable).set({ quota: sql`${usersTable.quota} + ${quota}` }).where(eq(usersTable.id, order.userId)).returning()
      if (!user) throw new Error(`Cannot complete order ${tradeNo}: user ${order.userId} does not exist`)
      return { completed: true, order, quota, user }
    }),
    /** Closes a pending order without credit; undefined when it was no longer pending (or does not exist). */
    closePending: (tradeNo: string, status: 'failed' | 'expired') => database.write(async () =>
      (await db.update(topUpsTable).set({ status, completeTime: now() }).where(stillPending(tradeNo)).returning())[0]),
  }
}
