import { and, eq, gte, sql } from 'drizzle-orm'
import type { Database, NewLog, UserRow } from '../types.ts'

export type InvitationsStore = ReturnType<typeof createInvitationsStore>

/** Invitation codes and rewards on the users table (new-api's aff_* columns). */
export function createInvitationsStore(database: Database) {
  const { db, tables } = database
  const { usersTable, logsTable } = tables
  return {
    /** Give a user a code if they have none; answers the user's code (theirs, if another call set it first). */
    assignCode: (userId: number, code: string) => database.write(async () => {
      const [updated] = await db.update(usersTable).set({ affCode: code }).where(and(eq(usersTable.id, userId), eq(usersTable.affCode, ''))).returning({ affCode: usersTable.affCode })
      if (updated) return updated.affCode
      return (await db.select({ affCode: usersTable.affCode }).from(usersTable).where(eq(usersTable.id, userId)))[0]?.affCode
    }),
    byCode: async (code: string) => (await db.select().from(usersTable).where(eq(usersTable.affCode, code)).limit(1))[0],
    /**
     * A user joined through `inviterId`'s code, once: the invitee is linked (only while unlinked) and gets
     * `inviteeReward` quota, the inviter one more invitation and `inviterReward` waiting to be transferred.
     */
    join: (join: { inviteeId: number; inviterId: number; inviteeReward: number; inviterReward: number; logRows: NewLog[] }) => database.transaction(async (tx) => {
      const [invitee] = await tx.update(usersTable).set({ inviterId: join.inviterId, quota: sql`${usersTable.quota} + ${join.inviteeReward}` })
        .where(and(eq(usersTable.id, join.inviteeId), eq(usersTable.inviterId, 0))).returning()
      if (!invitee) return undefined
      await tx.update(usersTable).set({
        affCount: sql`${usersTable.affCount} + 1`, affQuota: sql`${usersTable.affQuota} + ${join.inviterReward}`,
        affHistoryQuota: sql`${usersTable.affHistoryQuota} + ${join.inviterReward}`,
      }).where(eq(usersTable.id, join.inviterId))
      if (join.logRows.length) await tx.insert(logsTable).values(join.logRows)
      return invitee
    }),
    /** Move `quota` of waiting rewards into the balance; undefined when fewer rewards wait. */
    transfer: (userId: number, quota: number, logRow: (user: UserRow) => NewLog) => database.transaction(async (tx) => {
      const [user] = await tx.update(usersTable).set({ affQuota: sql`${usersTable.affQuota} - ${quota}`, quota: sql`${usersTable.quota} + ${quota}` })
        .where(and(eq(usersTable.id, userId), gte(usersTable.affQuota, quota))).returning()
      if (!user) return undefined
      await tx.insert(logsTable).values(logRow(user))
      return user
    }),
  }
}
