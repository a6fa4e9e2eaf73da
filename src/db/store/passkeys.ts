import { and, asc, eq } from 'drizzle-orm'
import type { Database } from '../types.ts'
import { insertUnique } from './shared.ts'

export type PasskeysStore = ReturnType<typeof createPasskeysStore>
export type PasskeyRow = Database['tables']['passkeyCredentialsTable']['$inferSelect']
export type NewPasskey = Database['tables']['passkeyCredentialsTable']['$inferInsert']

/** WebAuthn credentials, found by the credential id a browser presents. */
export function createPasskeysStore(database: Database) {
  const { db, tables } = database
  const { passkeyCredentialsTable } = tables
  return {
    /** Throws DuplicateError('credential_id') when the authenticator is registered already. */
    add: (passkey: NewPasskey) => database.write(() => insertUnique('credential_id', async () =>
      (await db.insert(passkeyCredentialsTable).values(passkey).returning())[0]!)),
    listForUser: (userId: number) =>
      db.select().from(passkeyCredentialsTable).where(eq(passkeyCredentialsTable.userId, userId)).orderBy(asc(passkeyCredentialsTable.id)),
    byCredentialId: async (credentialId: string): Promise<PasskeyRow | undefined> =>
      (await db.select().from(passkeyCredentialsTable).where(eq(passkeyCredentialsTable.credentialId, credentialId)))[0],
    /**
     * Record a sign-in's signature counter, only when the stored one is still `previous`: a cloned authenticator
     * racing the original loses instead of both passing.
     */
    recordUse: (id: number, previous: number, counter: number, now: number) => database.write(async () =>
      (await db.update(passkeyCredentialsTable).set({ counter, lastUsedAt: now })
        .where(and(eq(passkeyCredentialsTable.id, id), eq(passkeyCredentialsTable.counter, previous)))
        .returning({ id: passkeyCredentialsTable.id })).length > 0),
    /** Remove one of the user's credentials (`id`), or all of them. Returns how many went. */
    remove: (userId: number, id?: number) => database.write(async () =>
      (await db.delete(passkeyCredentialsTable)
        .where(id === undefined ? eq(passkeyCredentialsTable.userId, userId) : and(eq(passkeyCredentialsTable.userId, userId), eq(passkeyCredentialsTable.id, id)))
        .returning({ id: passkeyCredentialsTable.id })).length),
  }
}
