import { and, eq, gt, lte } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type QuotaNoticesStore = ReturnType<typeof createQuotaNoticesStore>

/** Low-balance notices: one per crossing, whichever node sees it (a conditional update claims it). */
export function createQuotaNoticesStore(database: Database) {
  const { db, tables } = database
  const { usersTable } = tables
  return {
    /** The user's persisted quota is at or below `threshold` and no notice went out since the last re-arm: claim it. */
    claim: (userId: number, threshold: number) => database.write(async () =>
      (await db.update(usersTable).set({ quotaNoticeSent: true })
        .where(and(eq(usersTable.id, userId), eq(usersTable.quotaNoticeSent, false), lte(usersTable.quota, threshold))).returning())[0]),
    /** A credit lifted the quota above `threshold`: the next crossing sends a notice again. */
    rearm: (userId: number, threshold: number) => database.write(async () => {
      await db.update(usersTable).set({ quotaNoticeSent: false }).where(and(eq(usersTable.id, userId), eq(usersTable.quotaNoticeSent, true), gt(usersTable.quota, threshold)))
    }),
  }
}
