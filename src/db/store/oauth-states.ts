import { and, eq, gt, lte } from 'drizzle-orm'
import type { Database, Tables } from '../types.ts'

export type OAuthStateRow = Tables['oauthStatesTable']['$inferSelect']
export type OAuthStatesStore = ReturnType<typeof createOAuthStatesStore>

/** OAuth sign-ins under way (src/auth/oauth/state.ts): a state is taken once, by the browser that started it. */
export function createOAuthStatesStore(database: Database) {
  const { db, tables } = database
  const { oauthStatesTable } = tables
  return {
    /** Records a new state; states already expired at `now` (unix seconds) are swept on the way. */
    create: (row: OAuthStateRow, now: number) => database.write(async () => {
      await db.delete(oauthStatesTable).where(lte(oauthStatesTable.expiresAt, now))
      await db.insert(oauthStatesTable).values(row)
    }),
    /**
     * Takes the state: deleted and returned when it exists, belongs to this browser and provider and has not expired; otherwise
     * nothing changes and nothing is returned. One statement, so two callbacks racing with the same state cannot
     * both win, on any node.
     */
    take: (stateHash: string, browserHash: string, provider: string, now: number) => database.write(async () =>
      (await db.delete(oauthStatesTable).where(and(
        eq(oauthStatesTable.stateHash, stateHash), eq(oauthStatesTable.browserHash, browserHash), eq(oauthStatesTable.provider, provider), gt(oauthStatesTable.expiresAt, now),
      )).returning())[0]),
  }
}
