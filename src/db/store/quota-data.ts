import { and, asc, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm'
import type { Database } from '../types.ts'

export interface QuotaDataRange { startTimestamp?: number; endTimestamp?: number }
export interface QuotaDataFilter extends QuotaDataRange { userId?: number; username?: string }

export type QuotaDataStore = ReturnType<typeof createQuotaDataStore>

/** Hourly usage buckets; they are written only by the usage flush (see flush.ts). */
export function createQuotaDataStore(database: Database) {
  const { db, tables } = database
  const { quotaDataTable } = tables
  return {
    /** Totals per user over a time range (admin dashboard). */
    byUser(filter: QuotaDataRange) {
      const conditions: SQL[] = []
      if (filter.startTimestamp) conditions.push(gte(quotaDataTable.createdAt, filter.startTimestamp))
      if (filter.endTimestamp) conditions.push(lte(quotaDataTable.createdAt, filter.endTimestamp))
      return db.select({
        userId: quotaDataTable.userId, username: quotaDataTable.username,
        count: sql<number>`sum(${quotaDataTable.count})`.mapWith(Number), quota: sql<number>`sum(${quotaDataTable.quota})`.mapWith(Number),
        tokenUsed: sql<number>`sum(${quotaDataTable.tokenUsed})`.mapWith(Number),
      }).from(quotaDataTable).where(conditions.length ? and(...conditions) : undefined).groupBy(quotaDataTable.userId, quotaDataTable.username).orderBy(desc(sql`sum(${quotaDataTable.quota})`))
    },
    list(filter: QuotaDataFilter) {
      const conditions: SQL[] = []
      if (filter.startTimestamp) conditions.push(gte(quotaDataTable.createdAt, filter.startTimestamp))
      if (filter.endTimestamp) conditions.push(lte(quotaDataTable.createdAt, filter.endTimestamp))
      if (filter.userId !== undefined) conditions.push(eq(quotaDataTable.userId, filter.userId))
      if (filter.username) conditions.push(eq(quotaDataTable.username, filter.username))
      return db.select().from(quotaDataTable).where(conditions.length ? and(...conditions) : undefined).orderBy(asc(quotaDataTable.createdAt)).limit(100_000)
    },
  }
}
