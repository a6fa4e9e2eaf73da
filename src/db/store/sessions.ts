import { gt, lte } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type SessionsStore = ReturnType<typeof createSessionsStore>

/** Signed-out session ids, kept until the cookie that carried them would have expired anyway. */
export function createSessionsStore(database: Database) {
  const { db, tables } = database
  const { revokedSessionsTable } = tables
  return {
    revoke: (id: string, userId: number, expiresAt: number) => database.write(() =>
      db.insert(revokedSessionsTable).values({ id, userId, expiresAt }).onConflictDoNothing()),
    /** Ids still revoked at `now` (unix seconds). */
    revokedIds: async (now: number) =>
      (await db.select({ id: revokedSessionsTable.id }).from(revokedSessionsTable).where(gt(revokedSessionsTable.expiresAt, now))).map((row) => row.id),
    deleteExpired: (now: number) => database.write(() => db.delete(revokedSessionsTable).where(lte(revokedSessionsTable.expiresAt, now))),
  }
}
