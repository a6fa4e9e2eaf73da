import { and, asc, count, desc, eq, like, max, ne, or, sql, type SQL } from 'drizzle-orm'
import type { Database, NewUser, Page } from '../types.ts'
import { insertUnique, nothingToSet, now, offset, paged } from './shared.ts'

/** The user columns that hold a sign-in provider's identity. */
export type IdentityColumn = 'githubId' | 'oidcId' | 'linuxDoId' | 'discordId' | 'telegramId'

export type UserSort = { by?: 'id' | 'username' | 'quota' | 'used_quota' | 'request_count' | 'role'; order?: 'asc' | 'desc' }
export interface UserSearch { keyword?: string; group?: string; role?: number; status?: number }

export type UsersStore = ReturnType<typeof createUsersStore>

export function createUsersStore(database: Database) {
  const { db, tables } = database
  const { usersTable, tokensTable, twoFactorTable, passkeyCredentialsTable } = tables
  return {
    count: async () => Number((await db.select({ value: count() }).from(usersTable))[0]?.value ?? 0),
    create: (user: NewUser) => database.write(() => insertUnique('username', async () =>
      (await db.insert(usersTable).values({ createdTime: now(), ...user }).returning())[0]!)),
    get: async (id: number) => (await db.select().from(usersTable).where(eq(usersTable.id, id)))[0],
    /**
     * By username, or else by e-mail (sign-in accepts either, as new-api does): an address held by more than one
     * account names none of them.
     */
    async getByUsername(username: string) {
      const rows = await db.select().from(usersTable)
        .where(or(eq(usersTable.username, username), and(ne(usersTable.email, ''), eq(sql`lower(${usersTable.email})`, username.toLowerCase())))).limit(3)
      const byName = rows.find((row) => row.username === username)
      if (byName) return byName
      return rows.length === 1 ? rows[0] : undefined
    },
    /** Accounts holding the e-mail address (compared without case), at most `limit`. */
    byEmail: (email: string, limit = 2) =>
      db.select().from(usersTable).where(and(ne(usersTable.email, ''), eq(sql`lower(${usersTable.email})`, email.toLowerCase()))).limit(limit),
    /** The account a provider identity is bound to; never matches the '' of unbound accounts. */
    getByIdentity: async (column: IdentityColumn, value: string) =>
      value === '' ? undefined : (await db.select().from(usersTable).where(eq(usersTable[column], value)))[0],
    maxId: async () => Number((await db.select({ value: max(usersTable.id) }).from(usersTable))[0]?.value ?? 0),
    getByAccessTokenHash: async (hash: string) => (await db.select().from(usersTable).where(eq(usersTable.accessTokenHash, hash)))[0],
    list(page: Page, sort: UserSort = {}) {
      const column = { id: usersTable.id, username: usersTable.username, quota: usersTable.quota, used_quota: usersTable.usedQuota, request_count: usersTable.requestCount, role: usersTable.role }[sort.by ?? 'id']
      return paged(
        db.select().from(usersTable).orderBy(sort.order === 'asc' ? asc(column) : desc(column)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(usersTable),
      )
    },
    search(filter: UserSearch, page: Page) {
      const conditions: SQL[] = []
      if (filter.keyword) {
        const pattern = `%${filter.keyword}%`
        const byText = or(like(usersTable.username, pattern), like(usersTable.displayName, pattern), like(usersTable.email, pattern))!
        conditions.push(/^\d+$/.test(filter.keyword) ? or(eq(usersTable.id, Number(filter.keyword)), byText)! : byText)
      }
      if (filter.group) conditions.push(eq(usersTable.group, filter.group))
      if (filter.role !== undefined) conditions.push(eq(usersTable.role, filter.role))
      if (filter.status !== undefined) conditions.push(eq(usersTable.status, filter.status))
      const where = conditions.length ? and(...conditions) : undefined
      return paged(
        db.select().from(usersTable).where(where).orderBy(desc(usersTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(usersTable).where(where),
      )
    },
    update: (id: number, changes: Partial<NewUser>) => database.write(() => insertUnique('username', async () => nothingToSet(changes)
      ? (await db.select().from(usersTable).where(eq(usersTable.id, id)))[0]
      : (await db.update(usersTable).set(changes).where(eq(usersTable.id, id)).returning())[0])),
    /** Adds (or with a negative amount subtracts) quota without a read-modify-write race. */
    addQuota: (id: number, amount: number) => database.write(async () =>
      (await db.update(usersTable).set({ quota: sql`${usersTable.quota} + ${amount}` }).where(eq(usersTable.id, id)).returning())[0]),
    /** Deletes the user and their tokens together, so no token outlives its owner. */
    delete: (id: number) => database.transaction(async (tx) => {
      await tx.delete(tokensTable).where(eq(tokensTable.userId, id))
      // A deleted account's second factors go with it: a new account must never inherit them.
      await tx.delete(twoFactorTable).where(eq(twoFactorTable.userId, id))
      await tx.delete(passkeyCredentialsTable).where(eq(passkeyCredentialsTable.userId, id))
      return (await tx.delete(usersTable).where(eq(usersTable.id, id)).returning({ id: usersTable.id })).length > 0
    }),
    all: () => db.select().from(usersTable),
  }
}
