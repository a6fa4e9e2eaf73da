import { and, count, eq, gt, lte, ne, sql } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type EmailCodesStore = ReturnType<typeof createEmailCodesStore>
export type EmailCodeRow = Database['tables']['emailCodesTable']['$inferSelect']

/** Hashed e-mail codes and reset links, one row per purpose and address (src/auth/email-codes.ts owns the rules). */
export function createEmailCodesStore(database: Database) {
  const { db, tables } = database
  const { emailCodesTable } = tables
  return {
    get: async (id: string) => (await db.select().from(emailCodesTable).where(eq(emailCodesTable.id, id)))[0],
    /** Rows a client address asked for since `since` (unix seconds): the per-address sending throttle. */
    sentFromAddress: async (address: string, since: number) =>
      Number((await db.select({ value: count() }).from(emailCodesTable).where(and(eq(emailCodesTable.address, address), gt(emailCodesTable.sentAt, since))))[0]?.value ?? 0),
    /** Store the row of a new send, replacing the previous secret of the same purpose and address. */
    put: (row: EmailCodeRow) => database.write(() =>
      db.insert(emailCodesTable).values(row).onConflictDoUpdate({ target: emailCodesTable.id, set: { ...row, id: undefined } })),
    /**
     * Use the secret once: cleared only when it is still `secretHash` and unexpired, so two concurrent uses cannot
     * both succeed. Returns whether this call took it.
     */
    consume: (id: string, secretHash: string, now: number) => database.write(async () =>
      (await db.update(emailCodesTable).set({ secretHash: '' })
        .where(and(eq(emailCodesTable.id, id), eq(emailCodesTable.secretHash, secretHash), ne(emailCodesTable.secretHash, ''), gt(emailCodesTable.expiresAt, now)))
        .returning({ id: emailCodesTable.id })).length === 1),
    /** A wrong guess: counted, and past `limit` the secret is void. */
    failedAttempt: (id: string, limit: number) => database.write(() =>
      db.update(emailCodesTable).set({
        attempts: sql`${emailCodesTable.attempts} + 1`,
        secretHash: sql`case when ${emailCodesTable.attempts} + 1 >= ${limit} then '' else ${emailCodesTable.secretHash} end`,
      }).where(eq(emailCodesTable.id, id))),
    /** Rows whose last send is older than `before`: their throttle windows are over. */
    deleteOlderThan: (before: number) => database.write(() => db.delete(emailCodesTable).where(lte(emailCodesTable.sentAt, before))),
  }
}
