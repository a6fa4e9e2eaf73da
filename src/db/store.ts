import { and, asc, count, desc, eq, gte, inArray, like, lte, ne, or, sql, sum, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Database, Tables } from './index.ts'
import { insertLogsPostgres } from './bulk-flush.ts'

type UsersTable = Tables['usersTable']
type TokensTable = Tables['tokensTable']
type ChannelsTable = Tables['channelsTable']
export type UserRow = UsersTable['$inferSelect']
export type NewUser = UsersTable['$inferInsert']
export type TokenRow = TokensTable['$inferSelect']
export type NewToken = TokensTable['$inferInsert']
export type ChannelRow = ChannelsTable['$inferSelect']
export type NewChannel = ChannelsTable['$inferInsert']
export type LogRow = Tables['logsTable']['$inferSelect']
export type NewLog = Tables['logsTable']['$inferInsert']
export type QuotaDataRow = Tables['quotaDataTable']['$inferSelect']

export interface Page { page: number; pageSize: number }
export interface PageResult<T> { items: T[]; total: number }

/** A failed uniqueness rule, reported by field so the API can say which one. */
export class DuplicateError extends Error {
  constructor(readonly field: string) {
    super(`${field} already exists`)
    this.name = 'DuplicateError'
  }
}

// drizzle wraps driver errors; the driver's own error (with its code) is the cause.
const isUniqueViolation = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false
  const { code, message, cause } = error as { code?: string; message?: string; cause?: unknown }
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || String(message).includes('UNIQUE constraint failed') || isUniqueViolation(cause)
}

/** Exact match unless the pattern holds `%` (new-api: LIKE with at most two `%`). */
export function matchText(column: AnyColumn, pattern: string): SQL {
  if (!pattern.includes('%')) return eq(column, pattern)
  return like(column, pattern)
}

/** Quota movements flushed with usage logs: positive `spent` lowers quota and raises used quota. */
export interface QuotaDelta { id: number; spent: number; requests?: number }

export interface QuotaDataIncrement {
  userId: number; username: string; modelName: string; createdAt: number; useGroup: string
  tokenId: number; channelId: number; tokenUsed: number; count: number; quota: number
}

export interface FlushBatch {
  logs: NewLog[]
  users: QuotaDelta[]
  tokens: QuotaDelta[]
  channels: QuotaDelta[]
  quotaData: QuotaDataIncrement[]
}

export interface LogFilter {
  type?: number
  startTimestamp?: number
  endTimestamp?: number
  userId?: number
  username?: string
  tokenName?: string
  tokenId?: number
  modelName?: string
  channelId?: number
  group?: string
  requestId?: string
  upstreamRequestId?: string
}

export type Store = ReturnType<typeof createStore>

export function createStore(database: Database) {
  const { db, tables } = database
  const { usersTable, tokensTable, channelsTable, optionsTable, logsTable, quotaDataTable } = tables
  const now = () => Math.floor(Date.now() / 1000)

  async function paged<T>(items: Promise<T[]>, total: Promise<{ value: number }[]>): Promise<PageResult<T>> {
    const [rows, totals] = await Promise.all([items, total])
    return { items: rows, total: Number(totals[0]?.value ?? 0) }
  }
  const offset = (page: Page) => (page.page - 1) * page.pageSize

  async function insertUnique<T>(field: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateError(field)
      throw error
    }
  }

  const users = {
    count: async () => Number((await db.select({ value: count() }).from(usersTable))[0]?.value ?? 0),
    create: (user: NewUser) => database.write(() => insertUnique('username', async () =>
      (await db.insert(usersTable).values({ createdTime: now(), ...user }).returning())[0]!)),
    get: async (id: number) => (await db.select().from(usersTable).where(eq(usersTable.id, id)))[0],
    getByUsername: async (username: string) =>
      (await db.select().from(usersTable).where(or(eq(usersTable.username, username), and(ne(usersTable.email, ''), eq(usersTable.email, username)))))[0],
    getByAccessTokenHash: async (hash: string) => (await db.select().from(usersTable).where(eq(usersTable.accessTokenHash, hash)))[0],
    list(page: Page, sort: { by?: 'id' | 'username' | 'quota' | 'used_quota' | 'request_count' | 'role'; order?: 'asc' | 'desc' } = {}) {
      const column = { id: usersTable.id, username: usersTable.username, quota: usersTable.quota, used_quota: usersTable.usedQuota, request_count: usersTable.requestCount, role: usersTable.role }[sort.by ?? 'id']
      return paged(
        db.select().from(usersTable).orderBy(sort.order === 'asc' ? asc(column) : desc(column)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(usersTable),
      )
    },
    search(filter: { keyword?: string; group?: string; role?: number; status?: number }, page: Page) {
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
    update: (id: number, changes: Partial<NewUser>) => database.write(() => insertUnique('username', async () =>
      (await db.update(usersTable).set(changes).where(eq(usersTable.id, id)).returning())[0])),
    /** Adds (or with a negative amount subtracts) quota without a read-modify-write race. */
    addQuota: (id: number, amount: number) => database.write(async () =>
      (await db.update(usersTable).set({ quota: sql`${usersTable.quota} + ${amount}` }).where(eq(usersTable.id, id)).returning())[0]),
    delete: (id: number) => database.transaction(async (tx) => {
      await tx.delete(tokensTable).where(eq(tokensTable.userId, id))
      return (await tx.delete(usersTable).where(eq(usersTable.id, id)).returning({ id: usersTable.id })).length > 0
    }),
    all: () => db.select().from(usersTable),
  }

  const tokens = {
    create: (token: NewToken) => database.write(async () =>
      (await db.insert(tokensTable).values({ createdTime: now(), ...token }).returning())[0]!),
    get: async (id: number, userId?: number) =>
      (await db.select().from(tokensTable).where(userId === undefined ? eq(tokensTable.id, id) : and(eq(tokensTable.id, id), eq(tokensTable.userId, userId))))[0],
    getByHash: async (hash: string) => (await db.select().from(tokensTable).where(eq(tokensTable.keyHash, hash)))[0],
    countForUser: async (userId: number) => Number((await db.select({ value: count() }).from(tokensTable).where(eq(tokensTable.userId, userId)))[0]?.value ?? 0),
    list(userId: number, page: Page, filter: { keyword?: string; keyHash?: string } = {}) {
      const conditions: SQL[] = [eq(tokensTable.userId, userId)]
      if (filter.keyword) conditions.push(matchText(tokensTable.name, filter.keyword))
      if (filter.keyHash) conditions.push(eq(tokensTable.keyHash, filter.keyHash))
      const where = and(...conditions)
      return paged(
        db.select().from(tokensTable).where(where).orderBy(desc(tokensTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(tokensTable).where(where),
      )
    },
    update: (id: number, userId: number, changes: Partial<NewToken>) => database.write(async () =>
      (await db.update(tokensTable).set(changes).where(and(eq(tokensTable.id, id), eq(tokensTable.userId, userId))).returning())[0]),
    delete: (ids: number[], userId: number) => database.write(async () =>
      (await db.delete(tokensTable).where(and(inArray(tokensTable.id, ids), eq(tokensTable.userId, userId))).returning({ id: tokensTable.id })).map((row) => row.id)),
    all: () => db.select().from(tokensTable),
  }

  const channelSortColumns = {
    id: channelsTable.id, name: channelsTable.name, priority: channelsTable.priority, balance: channelsTable.balance,
    response_time: channelsTable.responseTime, test_time: channelsTable.testTime,
  }
  type ChannelSort = keyof typeof channelSortColumns

  function channelWhere(filter: { keyword?: string; group?: string; model?: string; status?: 'enabled' | 'disabled'; type?: number; tag?: string }) {
    const conditions: SQL[] = []
    if (filter.keyword) {
      const keyword = filter.keyword
      const options: SQL[] = [like(channelsTable.name, `%${keyword}%`), like(channelsTable.baseUrl, `%${keyword}%`)]
      if (/^\d+$/.test(keyword)) options.push(eq(channelsTable.id, Number(keyword)))
      conditions.push(or(...options)!)
    }
    if (filter.group) conditions.push(like(sql`',' || ${channelsTable.group} || ','`, `%,${filter.group},%`))
    if (filter.model) conditions.push(like(channelsTable.models, `%${filter.model}%`))
    if (filter.status === 'enabled') conditions.push(eq(channelsTable.status, 1))
    if (filter.status === 'disabled') conditions.push(ne(channelsTable.status, 1))
    if (filter.type !== undefined) conditions.push(eq(channelsTable.type, filter.type))
    if (filter.tag !== undefined) conditions.push(eq(channelsTable.tag, filter.tag))
    return conditions.length ? and(...conditions) : undefined
  }

  const channels = {
    createMany: (rows: NewChannel[]) => database.transaction(async (tx) =>
      tx.insert(channelsTable).values(rows.map((row) => ({ createdTime: now(), ...row }))).returning()),
    get: async (id: number) => (await db.select().from(channelsTable).where(eq(channelsTable.id, id)))[0],
    list(filter: Parameters<typeof channelWhere>[0], page: Page, sort: { by?: ChannelSort; order?: 'asc' | 'desc'; idSort?: boolean } = {}) {
      const where = channelWhere(filter)
      const column = channelSortColumns[sort.idSort ? 'id' : (sort.by ?? 'priority')]
      const order = (sort.order ?? 'desc') === 'asc' ? asc(column) : desc(column)
      return paged(
        db.select().from(channelsTable).where(where).orderBy(order, desc(channelsTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(channelsTable).where(where),
      )
    },
    typeCounts: async (filter: Parameters<typeof channelWhere>[0] = {}) => {
      const rows = await db.select({ type: channelsTable.type, value: count() }).from(channelsTable).where(channelWhere(filter)).groupBy(channelsTable.type)
      return Object.fromEntries(rows.map((row) => [String(row.type), Number(row.value)]))
    },
    update: (id: number, changes: Partial<NewChannel>) => database.write(async () =>
      (await db.update(channelsTable).set(changes).where(eq(channelsTable.id, id)).returning())[0]),
    setStatus: (ids: number[], status: number) => database.write(async () =>
      (await db.update(channelsTable).set({ status }).where(and(inArray(channelsTable.id, ids), ne(channelsTable.status, status))).returning({ id: channelsTable.id })).length),
    delete: (ids: number[]) => database.write(async () =>
      (await db.delete(channelsTable).where(inArray(channelsTable.id, ids)).returning({ id: channelsTable.id })).length),
    deleteDisabled: () => database.write(async () =>
      (await db.delete(channelsTable).where(ne(channelsTable.status, 1)).returning({ id: channelsTable.id })).length),
    all: () => db.select().from(channelsTable),
  }

  const options = {
    all: async () => Object.fromEntries((await db.select().from(optionsTable)).map((row) => [row.key, row.value])) as Record<string, string>,
    set: (key: string, value: string) => database.write(() =>
      db.insert(optionsTable).values({ key, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })),
  }

  function logWhere(filter: LogFilter) {
    const conditions: SQL[] = []
    if (filter.type) conditions.push(eq(logsTable.type, filter.type))
    if (filter.startTimestamp) conditions.push(gte(logsTable.createdAt, filter.startTimestamp))
    if (filter.endTimestamp) conditions.push(lte(logsTable.createdAt, filter.endTimestamp))
    if (filter.userId !== undefined) conditions.push(eq(logsTable.userId, filter.userId))
    if (filter.username) conditions.push(matchText(logsTable.username, filter.username))
    if (filter.tokenName) conditions.push(eq(logsTable.tokenName, filter.tokenName))
    if (filter.tokenId !== undefined) conditions.push(eq(logsTable.tokenId, filter.tokenId))
    if (filter.modelName) conditions.push(matchText(logsTable.modelName, filter.modelName))
    if (filter.channelId) conditions.push(eq(logsTable.channelId, filter.channelId))
    if (filter.group) conditions.push(eq(logsTable.group, filter.group))
    if (filter.requestId) conditions.push(eq(logsTable.requestId, filter.requestId))
    if (filter.upstreamRequestId) conditions.push(eq(logsTable.upstreamRequestId, filter.upstreamRequestId))
    return conditions.length ? and(...conditions) : undefined
  }

  const logs = {
    insert: (rows: NewLog[]) => database.write(async () => { if (rows.length) await db.insert(logsTable).values(rows) }),
    list(filter: LogFilter, page: Page) {
      const where = logWhere(filter)
      return paged(
        db.select().from(logsTable).where(where).orderBy(desc(logsTable.createdAt), desc(logsTable.id)).limit(page.pageSize).offset(offset(page)),
        db.select({ value: count() }).from(logsTable).where(where),
      )
    },
    /** new-api's stat: quota over consume rows matching the filter; rpm/tpm over the last 60 s. */
    async stat(filter: LogFilter) {
      const consume = { ...filter, type: 2 }
      const recent = { ...consume, startTimestamp: Math.max(filter.startTimestamp ?? 0, now() - 60), endTimestamp: undefined }
      const [quota, last] = await Promise.all([
        db.select({ value: sum(logsTable.quota) }).from(logsTable).where(logWhere(consume)),
        db.select({ requests: count(), tokens: sum(sql`${logsTable.promptTokens} + ${logsTable.completionTokens}`) }).from(logsTable).where(logWhere(recent)),
      ])
      return { quota: Number(quota[0]?.value ?? 0), rpm: Number(last[0]?.requests ?? 0), tpm: Number(last[0]?.tokens ?? 0) }
    },
    deleteOlderThan: (timestamp: number) => database.write(async () =>
      (await db.delete(logsTable).where(lte(logsTable.createdAt, timestamp)).returning({ id: logsTable.id })).length),
  }

  const quotaData = {
    /** Totals per user over a time range (admin dashboard). */
    byUser(filter: { startTimestamp?: number; endTimestamp?: number }) {
      const conditions: SQL[] = []
      if (filter.startTimestamp) conditions.push(gte(quotaDataTable.createdAt, filter.startTimestamp))
      if (filter.endTimestamp) conditions.push(lte(quotaDataTable.createdAt, filter.endTimestamp))
      return db.select({
        userId: quotaDataTable.userId, username: quotaDataTable.username,
        count: sql<number>`sum(${quotaDataTable.count})`.mapWith(Number), quota: sql<number>`sum(${quotaDataTable.quota})`.mapWith(Number),
        tokenUsed: sql<number>`sum(${quotaDataTable.tokenUsed})`.mapWith(Number),
      }).from(quotaDataTable).where(conditions.length ? and(...conditions) : undefined).groupBy(quotaDataTable.userId, quotaDataTable.username).orderBy(desc(sql`sum(${quotaDataTable.quota})`))
    },
    list(filter: { startTimestamp?: number; endTimestamp?: number; userId?: number; username?: string }) {
      const conditions: SQL[] = []
      if (filter.startTimestamp) conditions.push(gte(quotaDataTable.createdAt, filter.startTimestamp))
      if (filter.endTimestamp) conditions.push(lte(quotaDataTable.createdAt, filter.endTimestamp))
      if (filter.userId !== undefined) conditions.push(eq(quotaDataTable.userId, filter.userId))
      if (filter.username) conditions.push(eq(quotaDataTable.username, filter.username))
      return db.select().from(quotaDataTable).where(conditions.length ? and(...conditions) : undefined).orderBy(asc(quotaDataTable.createdAt)).limit(100_000)
    },
  }

  /**
   * One transaction per flush: log rows, quota deltas and hourly aggregates land together or not at all.
   * SQLite takes its bulk path on the writer thread; Postgres inserts the rows with one statement.
   */
  const flush = (batch: FlushBatch) => database.bulkFlush ? database.bulkFlush(batch) : database.transaction(async (tx) => {
    for (let index = 0; index < batch.logs.length; index += 5000) {
      await (tx as unknown as { execute(query: SQL): Promise<unknown> }).execute(insertLogsPostgres(batch.logs.slice(index, index + 5000) as Record<string, unknown>[]))
    }
    for (const delta of batch.users) {
      await tx.update(usersTable).set({
        quota: sql`${usersTable.quota} - ${delta.spent}`,
        usedQuota: sql`${usersTable.usedQuota} + ${delta.spent}`,
        requestCount: sql`${usersTable.requestCount} + ${delta.requests ?? 0}`,
      }).where(eq(usersTable.id, delta.id))
    }
    for (const delta of batch.tokens) {
      await tx.update(tokensTable).set({
        remainQuota: sql`${tokensTable.remainQuota} - ${delta.spent}`,
        usedQuota: sql`${tokensTable.usedQuota} + ${delta.spent}`,
        accessedTime: now(),
      }).where(eq(tokensTable.id, delta.id))
    }
    for (const delta of batch.channels) {
      await tx.update(channelsTable).set({ usedQuota: sql`${channelsTable.usedQuota} + ${delta.spent}` }).where(eq(channelsTable.id, delta.id))
    }
    for (const increment of batch.quotaData) {
      await tx.insert(quotaDataTable).values(increment).onConflictDoUpdate({
        target: [quotaDataTable.createdAt, quotaDataTable.userId, quotaDataTable.tokenId, quotaDataTable.channelId, quotaDataTable.modelName, quotaDataTable.useGroup],
        set: {
          tokenUsed: sql`${quotaDataTable.tokenUsed} + ${increment.tokenUsed}`,
          count: sql`${quotaDataTable.count} + ${increment.count}`,
          quota: sql`${quotaDataTable.quota} + ${increment.quota}`,
        },
      })
    }
  })

  return { database, users, tokens, channels, options, logs, quotaData, flush }
}
