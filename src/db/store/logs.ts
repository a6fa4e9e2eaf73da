import { and, count, desc, eq, gte, lte, sql, sum, type SQL } from 'drizzle-orm'
import type { Database, NewLog, Page } from '../types.ts'
import { matchText, now, offset, paged } from './shared.ts'

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

export type LogsStore = ReturnType<typeof createLogsStore>

export function createLogsStore(database: Database) {
  const { db, tables } = database
  const { logsTable } = tables

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

  return {
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
}
