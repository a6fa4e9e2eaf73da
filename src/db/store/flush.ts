import { eq, sql, type SQL } from 'drizzle-orm'
import { insertLogsPostgres } from '../bulk-flush.ts'
import type { Database, FlushBatch } from '../types.ts'
import { now } from './shared.ts'

/**
 * The usage flush: one transaction per batch, so log rows, quota deltas and hourly aggregates land together or not
 * at all. It spans logs, users, tokens, channels and quota_data, hence its own module. SQLite takes its bulk path on
 * the writer thread; Postgres inserts the log rows with one statement per 5000.
 */
export function createFlush(database: Database) {
  const { tables } = database
  const { usersTable, tokensTable, channelsTable, quotaDataTable } = tables
  return (batch: FlushBatch) => database.bulkFlush ? database.bulkFlush(batch) : database.transaction(async (tx) => {
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
}
