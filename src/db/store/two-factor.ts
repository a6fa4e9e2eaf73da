import { and, eq, lt, sql } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type TwoFactorStore = ReturnType<typeof createTwoFactorStore>
export type TwoFactorRow = Database['tables']['twoFactorTable']['$inferSelect']

/**
 * One TOTP record per user. Every change that must happen once (a time step accepted, a backup code spent) is a
 * conditional update, so two nodes racing with the same code cannot both win.
 */
export function createTwoFactorStore(database: Database) {
  const { db, tables } = database
  const { twoFactorTable } = tables
  return {
    get: async (userId: number): Promise<TwoFactorRow | undefined> =>
      (await db.select().from(twoFactorTable).where(eq(twoFactorTable.userId, userId)))[0],
    /** A fresh, not yet enabled setup; replaces an earlier unfinished one, never an enabled one. */
    begin: (userId: number, sealedSecret: string, backupCodes: string[], now: number) => database.write(async () => {
      const values = { userId, sealedSecret, enabled: false, backupCodes: JSON.stringify(backupCodes), lastUsedStep: 0, failedAttempts: 0, lockedUntil: 0, createdAt: now }
      const [row] = await db.insert(twoFactorTable).values(values)
        .onConflictDoUpdate({ target: twoFactorTable.userId, set: values, setWhere: eq(twoFactorTable.enabled, false) })
        .returning()
      return row
    }),
    /** Turn an unfinished setup on, accepting `step` as its first used code. */
    enable: (userId: number, step: number) => database.write(async () =>
      (await db.update(twoFactorTable).set({ enabled: true, lastUsedStep: step, failedAttempts: 0 })
        .where(and(eq(twoFactorTable.userId, userId), eq(twoFactorTable.enabled, false), lt(twoFactorTable.lastUsedStep, step)))
        .returning({ userId: twoFactorTable.userId })).length > 0),
    /** Accept a TOTP time step once: false when that step (or a later one) was already used. */
    useStep: (userId: number, step: number) => database.write(async () =>
      (await db.update(twoFactorTable).set({ lastUsedStep: step, failedAttempts: 0 })
        .where(and(eq(twoFactorTable.userId, userId), lt(twoFactorTable.lastUsedStep, step)))
        .returning({ userId: twoFactorTable.userId })).length > 0),
    /** Replace the backup codes only if they are still `expected` (spending one, or a regeneration). */
    swapBackupCodes: (userId: number, expected: string, next: string[]) => database.write(async () =>
      (await db.update(twoFactorTable).set({ backupCodes: JSON.stringify(next), failedAttempts: 0 })
        .where(and(eq(twoFactorTable.userId, userId), eq(twoFactorTable.backupCodes, expected)))
        .returning({ userId: twoFactorTable.userId })).length > 0),
    /** Count a wrong code; past `limit` the record is locked until `lockUntil`. Returns the new count. */
    failed: (userId: number, limit: number, lockUntil: number) => database.write(async () => {
      const [row] = await db.update(twoFactorTable).set({ failedAttempts: sql`${twoFactorTable.failedAttempts} + 1` })
        .where(eq(twoFactorTable.userId, userId)).returning({ failedAttempts: twoFactorTable.failedAttempts })
      if (row && row.failedAttempts >= limit) {
        await db.update(twoFactorTable).set({ lockedUntil: lockUntil, failedAttempts: 0 }).where(eq(twoFactorTable.userId, userId))
      }
      return row?.failedAttempts ?? 0
    }),
    remove: (userId: number) => database.write(async () =>
      (await db.delete(twoFactorTable).where(eq(twoFactorTable.userId, userId)).returning({ userId: twoFactorTable.userId })).length > 0),
    /** Users with 2FA switched on, for the admin statistics. */
    countEnabled: async () => Number((await db.select({ count: sql<number>`count(*)` }).from(twoFactorTable).where(eq(twoFactorTable.enabled, true)))[0]?.count ?? 0),
  }
}
