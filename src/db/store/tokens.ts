import { and, count, desc, eq, inArray, type SQL } from 'drizzle-orm'
import type { Database, NewToken, Page } from '../types.ts'
import { matchText, nothingToSet, now, offset, paged } from './shared.ts'

export interface TokenFilter { keyword?: string; keyHash?: string }

export type TokensStore = ReturnType<typeof createTokensStore>

/** Tokens are reached through their owner: every read or write by id that takes a `userId` is scoped to it. */
export function createTokensStore(database: Database) {
  const { db, tables } = database
  const { tokensTable } = tables
  return {
    create: (token: NewToken) => database.write(async () =>
      (await db.insert(tokensTable).values({ createdTime: now(), ...token }).returning())[0]!),
    get: async (id: number, userId?: number) =>
      (await db.select().from(tokensTable).where(userId === undefined ? eq(tokensTable.id, id) : and(eq(tokensTable.id, id), eq(tokensTable.userId, userId))))[0],
    getByHash: async (hash: string) => (await db.select().from(tokensTable).where(eq(tokensTable.keyHash, hash)))[0],
    countForUser: async (userId: number) => Number((await db.select({ value: count() }).from(tokensTable).where(eq(tokensTable.userId, userId)))[0]?.value ?? 0),
    list(userId: number, page: Page, filter: TokenFilter = {}) {
      const conditions: SQL[] = [eq(tokensTable.userId, userId)]
      if (filter.keyword) conditions.push(matchText(tokensTable.name, filter.keyword))
      if (filter.keyHash) conditions.push(eq(tokensTable.keyHash, filter.keyHash))
      const where = and(...conditions)
      return paged(
        db.select().from(tokensTable).where(where).orderBy(desc(tokensTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(tokensTable).where(where),
      )
    },
    update: (id: number, userId: number, changes: Partial<NewToken>) => database.write(async () => nothingToSet(changes)
      ? (await db.select().from(tokensTable).where(and(eq(tokensTable.id, id), eq(tokensTable.userId, userId))))[0]
      : (await db.update(tokensTable).set(changes).where(and(eq(tokensTable.id, id), eq(tokensTable.userId, userId))).returning())[0]),
    /** Returns the ids actually deleted (those the user owned). */
    delete: (ids: number[], userId: number) => database.write(async () =>
      (await db.delete(tokensTable).where(and(inArray(tokensTable.id, ids), eq(tokensTable.userId, userId))).returning({ id: tokensTable.id })).map((row) => row.id)),
    all: () => db.select().from(tokensTable),
  }
}
