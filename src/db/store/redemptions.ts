import { and, count, desc, eq, gte, like, lt, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Database, NewLog, NewRedemption, Page, RedemptionRow, UserRow } from '../types.ts'
import { insertUnique, now, offset, paged } from './shared.ts'

/** new-api's redemption statuses. */
export const RedemptionStatus = { unused: 1, disabled: 2, used: 3 } as const

export interface RedemptionFilter {
  /** new-api: a number matches the id or a name prefix, anything else a name prefix. */
  keyword?: string
  status?: number
}

/** Why a code could not be redeemed; the API decides how much of it to tell the user. */
export type RedeemFailure = 'not_found' | 'disabled' | 'used' | 'expired'
export type RedeemResult =
  | { redeemed: true; quota: number; redemption: RedemptionRow; user: UserRow }
  | { redeemed: false; reason: RedeemFailure }

export type RedemptionsStore = ReturnType<typeof createRedemptionsStore>

export function createRedemptionsStore(database: Database) {
  const { db, tables } = database
  const { redemptionsTable, usersTable, logsTable } = tables

  function redemptionWhere(filter: RedemptionFilter) {
    const conditions: SQL[] = []
    if (filter.keyword) {
      const byName = like(redemptionsTable.name, `${filter.keyword}%`)
      conditions.push(/^\d+$/.test(filter.keyword) ? or(eq(redemptionsTable.id, Number(filter.keyword)), byName)! : byName)
    }
    if (filter.status !== undefined) conditions.push(eq(redemptionsTable.status, filter.status))
    return conditions.length ? and(...conditions) : undefined
  }

  const failureOf = (row: RedemptionRow | undefined, time: number): RedeemFailure => {
    if (!row) return 'not_found'
    if (row.status === RedemptionStatus.disabled) return 'disabled'
    if (row.status === RedemptionStatus.used) return 'used'
    if (row.expiredTime !== 0 && row.expiredTime < time) return 'expired'
    return 'not_found'
  }

  return {
    create: (redemption: NewRedemption) => database.write(() => insertUnique('key', async () =>
      (await db.insert(redemptionsTable).values({ createdTime: now(), ...redemption }).returning())[0]!)),
    /** All codes of a batch or none (a batch is one admin request for up to 100 codes). */
    createMany: (redemptions: NewRedemption[]) => database.transaction((tx) => insertUnique('key', () =>
      tx.insert(redemptionsTable).values(redemptions.map((redemption) => ({ createdTime: now(), ...redemption }))).returning())),
    get: async (id: number) => (await db.select().from(redemptionsTable).where(eq(redemptionsTable.id, id)))[0],
    getByKey: async (key: string) => (await db.select().from(redemptionsTable).where(eq(redemptionsTable.key, key)))[0],
    list(filter: RedemptionFilter, page: Page) {
      const where = redemptionWhere(filter)
      return paged(
        db.select().from(redemptionsTable).where(where).orderBy(desc(redemptionsTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(redemptionsTable).where(where),
      )
    },
    update: (id: number, changes: Partial<NewRedemption>) => database.write(() => insertUnique('key', async () =>
      (await db.update(redemptionsTable).set(changes).where(eq(redemptionsTable.id, id)).returning())[0])),
    delete: (id: number) => database.write(async () =>
      (await db.delete(redemptionsTable).where(eq(redemptionsTable.id, id)).returning({ id: redemptionsTable.id })).length > 0),
    /** Removes used, disabled and expired unused codes (new-api's DELETE /api/redemption/invalid); returns how many. */
    deleteInvalid: () => database.write(async () => {
      const expired = and(ne(redemptionsTable.expiredTime, 0), lt(redemptionsTable.expiredTime, now()))
      return (await db.delete(redemptionsTable).where(or(ne(redemptionsTable.status, RedemptionStatus.unused), expired))
        .returning({ id: redemptionsTable.id })).length
    }),
    /**
     * Marks an unused, unexpired code used by `userId` and credits its quota to that user, in one transaction.
     * The claim is a conditional UPDATE (status still unused), so of any number of concurrent calls exactly one
     * changes the row: on Postgres the losers wait for the winner's row lock and then no longer match; on SQLite
     * transactions are serialised. Throws (and claims nothing) if the user does not exist. `logRow`, when given,
     * builds the log row of the credit, written in the same transaction (no credit without its row, nor the reverse).
     */
    redeem: (key: string, userId: number, logRow?: (credit: { quota: number; redemption: RedemptionRow; user: UserRow }) => NewLog) => database.transaction(async (tx): Promise<RedeemResult> => {
      const time = now()
      const [claimed] = await tx.update(redemptionsTable)
        .set({ status: RedemptionStatus.used, redeemedTime: time, usedUserId: userId })
        .where(and(
          eq(redemptionsTable.key, key),
          eq(redemptionsTable.status, RedemptionStatus.unused),
          or(eq(redemptionsTable.expiredTime, 0), gte(redemptionsTable.expiredTime, time)),
        ))
        .returning()
      if (!claimed) {
        const [row] = await tx.select().from(redemptionsTable).where(eq(redemptionsTable.key, key))
        return { redeemed: false, reason: failureOf(row, time) }
      }
      const [user] = await tx.update(usersTable).set({ quota: sql`${usersTable.quota} + ${claimed.quota}` }).where(eq(usersTable.id, userId)).returning()
      if (!user) throw new Error(`Cannot redeem for user ${userId}: no such user`)
      const credit = { quota: Number(claimed.quota), redemption: claimed, user }
      if (logRow) await tx.insert(logsTable).values(logRow(credit))
      return { redeemed: true, ...credit }
    }),
  }
}
