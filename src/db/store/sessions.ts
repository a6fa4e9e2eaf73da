import { and, desc, eq, gt, inArray, lte } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type SessionsStore = ReturnType<typeof createSessionsStore>
export type SessionRow = Database['tables']['sessionsTable']['$inferSelect']
export type NewSession = Database['tables']['sessionsTable']['$inferInsert']

/**
 * Sessions: one row per sign-in (listed on the account page), and the signed-out ids, kept until the cookie that
 * carried them would have expired anyway.
 */
export function createSessionsStore(database: Database) {
  const { db, tables } = database
  const { revokedSessionsTable, sessionsTable } = tables
  return {
    revoke: (id: string, userId: number, expiresAt: number) => database.write(() =>
      db.insert(revokedSessionsTable).values({ id, userId, expiresAt }).onConflictDoNothing()),
    /** Revoke several sessions and drop their rows, in one transaction. */
    end: (sessions: readonly Pick<SessionRow, 'id' | 'userId' | 'expiresAt'>[]) => sessions.length === 0 ? Promise.resolve() : database.transaction(async (tx) => {
      await tx.insert(revokedSessionsTable).values(sessions.map(({ id, userId, expiresAt }) => ({ id, userId, expiresAt }))).onConflictDoNothing()
      await tx.delete(sessionsTable).where(inArray(sessionsTable.id, sessions.map((session) => session.id)))
    }),
    /** Ids still revoked at `now` (unix seconds). */
    revokedIds: async (now: number) =>
      (await db.select({ id: revokedSessionsTable.id }).from(revokedSessionsTable).where(gt(revokedSessionsTable.expiresAt, now))).map((row) => row.id),
    deleteExpired: (now: number) => database.write(async () => {
      await db.delete(revokedSessionsTable).where(lte(revokedSessionsTable.expiresAt, now))
      await db.delete(sessionsTable).where(lte(sessionsTable.expiresAt, now))
    }),
    /** Record a sign-in, or (the row exists) move its last-seen time. */
    record: (session: NewSession) => database.write(() =>
      db.insert(sessionsTable).values(session).onConflictDoUpdate({ target: sessionsTable.id, set: { lastSeenAt: session.lastSeenAt } })),
    /** The user's sessions that have not expired, most recently seen first. */
    listForUser: (userId: number, now: number) =>
      db.select().from(sessionsTable).where(and(eq(sessionsTable.userId, userId), gt(sessionsTable.expiresAt, now))).orderBy(desc(sessionsTable.lastSeenAt)),
  }
}
