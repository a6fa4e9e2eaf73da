import { and, count, desc, eq, gte, inArray, like, lt, sql, type SQL } from 'drizzle-orm'
import type { Database, Db, NewLog, NewTopUp, Page, TopUpRow, UserRow } from '../types.ts'
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
  /** Statuses the order may complete from (default pending only; an admin may also complete an expired order). */
  from?: TopUpStatus[]
  /** Builds the log row of the credit, written in the same transaction. */
  logRow?(credit: { order: TopUpRow; quota: number; user: UserRow }): NewLog
  /** More work in the same transaction (a plan order starts its subscription); answers quota it added. */
  also?(tx: Db, order: TopUpRow): Promise<number>
}

/** One day of orders against what was credited for them (the admin's reconciliation view). */
export interface ReconciliationDay {
  /** Unix seconds of the day's start (UTC). */
  day: number
  orders: number
  pending: number
  succeeded: number
  expired: number
  failed: number
  /** Money of the succeeded orders, in the payment currency. */
  money: number
  /** Amount (USD units) of the succeeded orders. */
  amount: number
  /** Top-up log rows of orders written that day, and the quota they credited (should match the succeeded orders). */
  credits: number
  creditedQuota: number
}

export type CompleteFailure = 'not_found' | 'not_pending' | 'wrong_provider'
export type CompleteResult =
  | { completed: true; order: TopUpRow; quota: number; user: UserRow }
  | { completed: false; reason: CompleteFailure }

export type TopUpsStore = ReturnType<typeof createTopUpsStore>

export function createTopUpsStore(database: Database) {
  const { db, tables } = database
  const { topUpsTable, usersTable, logsTable } = tables

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
      const from = and(eq(topUpsTable.tradeNo, tradeNo), inArray(topUpsTable.status, options.from ?? ['pending']))
      const condition = options.provider === undefined ? from : and(from, eq(topUpsTable.paymentProvider, options.provider))
      const [order] = await tx.update(topUpsTable)
        .set({ status: 'success', completeTime: now(), ...(options.paymentMethod ? { paymentMethod: options.paymentMethod } : {}) })
        .where(condition)
        .returning()
      if (!order) {
        const [row] = await tx.select().from(topUpsTable).where(eq(topUpsTable.tradeNo, tradeNo))
        if (!row) return { completed: false, reason: 'not_found' }
        return { completed: false, reason: !(options.from ?? ['pending']).includes(row.status as TopUpStatus) ? 'not_pending' : 'wrong_provider' }
      }
      const quota = options.quotaFor(order)
      const [user] = await tx.update(usersTable).set({ quota: sql`${usersTable.quota} + ${quota}` }).where(eq(usersTable.id, order.userId)).returning()
      if (!user) throw new Error(`Cannot complete order ${tradeNo}: user ${order.userId} does not exist`)
      if (options.logRow) await tx.insert(logsTable).values(options.logRow({ order, quota, user }))
      const more = options.also ? await options.also(tx, order) : 0
      return { completed: true, order, quota: quota + more, user }
    }),
    /** Pending orders created before `cutoff` become expired (a payment arriving later credits nothing); returns how many. */
    expireStale: (cutoff: number) => database.write(async () =>
      (await db.update(topUpsTable).set({ status: 'expired', completeTime: now() }).where(and(eq(topUpsTable.status, 'pending'), lt(topUpsTable.createTime, cutoff)))
        .returning({ id: topUpsTable.id })).length),
    /** Orders per UTC day since `since`, by status, with the succeeded money and amount, beside the order credits logged. */
    async reconciliation(since: number): Promise<ReconciliationDay[]> {
      // A succeeded order counts on the day it was paid, when its credit row was written; the others on their creation.
      const day = sql<number>`((case when ${topUpsTable.status} = 'success' then ${topUpsTable.completeTime} else ${topUpsTable.createTime} end) / 86400) * 86400`
      const rows = await db.select({
        day, status: topUpsTable.status, orders: count(), money: sql<number>`coalesce(sum(${topUpsTable.money}), 0)`, amount: sql<number>`coalesce(sum(${topUpsTable.amount}), 0)`,
      }).from(topUpsTable).where(gte(day, since)).groupBy(day, topUpsTable.status)
      const logDay = sql<number>`(${logsTable.createdAt} / 86400) * 86400`
      // Order credits carry their order number in `other` (usage-log.ts topUpCreditRow).
      const credits = await db.select({ day: logDay, credits: count(), quota: sql<number>`coalesce(sum(${logsTable.quota}), 0)` }).from(logsTable)
        .where(and(eq(logsTable.type, 1), gte(logsTable.createdAt, since), like(logsTable.other, '%"trade_no":%'))).groupBy(logDay)
      const days = new Map<number, ReconciliationDay>()
      const dayOf = (key: number) => {
        const entry = days.get(key) ?? { day: key, orders: 0, pending: 0, succeeded: 0, expired: 0, failed: 0, money: 0, amount: 0, credits: 0, creditedQuota: 0 }
        days.set(key, entry)
        return entry
      }
      for (const row of credits) {
        const entry = dayOf(Number(row.day))
        entry.credits = Number(row.credits)
        entry.creditedQuota = Number(row.quota)
      }
      for (const row of rows) {
        const entry = dayOf(Number(row.day))
        const orders = Number(row.orders)
        entry.orders += orders
        if (row.status === 'success') {
          entry.succeeded += orders
          entry.money += Number(row.money)
          entry.amount += Number(row.amount)
        } else if (row.status === 'pending') entry.pending += orders
        else if (row.status === 'expired') entry.expired += orders
        else entry.failed += orders
      }
      return [...days.values()].sort((a, b) => b.day - a.day)
    },
    /** Closes a pending order without credit; undefined when it was no longer pending (or does not exist). */
    closePending: (tradeNo: string, status: 'failed' | 'expired') => database.write(async () =>
      (await db.update(topUpsTable).set({ status, completeTime: now() }).where(stillPending(tradeNo)).returning())[0]),
  }
}
