import { and, eq, lte } from 'drizzle-orm'
import type { Database } from '../types.ts'

export type AuthFlowsStore = ReturnType<typeof createAuthFlowsStore>
export type AuthFlowRow = Database['tables']['authFlowsTable']['$inferSelect']

/** Pending sign-in steps, each taken once (a DELETE that returns the row: only one caller gets it). */
export function createAuthFlowsStore(database: Database) {
  const { db, tables } = database
  const { authFlowsTable } = tables
  return {
    put: (flow: AuthFlowRow) => database.write(() => db.insert(authFlowsTable).values(flow)),
    peek: async (id: string, kind: string): Promise<AuthFlowRow | undefined> =>
      (await db.select().from(authFlowsTable).where(and(eq(authFlowsTable.id, id), eq(authFlowsTable.kind, kind))))[0],
    take: (id: string, kind: string) => database.write(async () =>
      (await db.delete(authFlowsTable).where(and(eq(authFlowsTable.id, id), eq(authFlowsTable.kind, kind))).returning())[0] as AuthFlowRow | undefined),
    deleteExpired: (now: number) => database.write(() => db.delete(authFlowsTable).where(lte(authFlowsTable.expiresAt, now))),
  }
}
