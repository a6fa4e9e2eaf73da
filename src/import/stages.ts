import { sql } from 'drizzle-orm'
import type { Database, Db } from '../db/index.ts'
import type { QuotaDataIncrement } from '../db/store.ts'
import {
  mapChannel, mapLog, mapMidjourney, mapQuotaData, mapRedemption, mapTask, mapToken, mapTopUp, mapUser, type MapContext, type Mapped,
} from './map-rows.ts'
import { insertNewRows, type BulkTable } from './bulk-insert.ts'
import type { SourceRow } from './source.ts'

/**
 * The tables an import streams, in the order it streams them (users before the tokens that need them). Each stage
 * maps a batch of source rows and inserts the batch in one statement; rows already present (a batch re-read after an
 * interruption) are left alone, so a resumed run never duplicates.
 */
export interface Stage {
  /** Source table. */
  table: string
  /** Tollgate table whose serial must follow the ids written (Postgres), when rows keep their ids. */
  keepsIdsIn?: string
  map(row: SourceRow, context: MapContext): Mapped<object>
  /** Inserts the rows; returns how many were new. */
  write(tx: Db, database: Database, rows: object[]): Promise<number>
}

/** Inserts with the rows' own ids; rows whose id (or unique key) is already there are left alone. */
const insertNew = (table: BulkTable) => (tx: Db, database: Database, rows: object[]) => insertNewRows(tx, database, table, rows as Record<string, unknown>[])

function mergeBuckets(rows: QuotaDataIncrement[]): QuotaDataIncrement[] {
  const buckets = new Map<string, QuotaDataIncrement>()
  for (const row of rows) {
    const key = JSON.stringify([row.createdAt, row.userId, row.tokenId, row.channelId, row.modelName, row.useGroup])
    const bucket = buckets.get(key)
    if (!bucket) buckets.set(key, { ...row })
    else { bucket.tokenUsed += row.tokenUsed; bucket.count += row.count; bucket.quota += row.quota }
  }
  return [...buckets.values()]
}

export const stages: Stage[] = [
  { table: 'users', keepsIdsIn: 'users', map: mapUser, write: insertNew('usersTable') },
  { table: 'channels', keepsIdsIn: 'channels', map: mapChannel, write: insertNew('channelsTable') },
  { table: 'tokens', keepsIdsIn: 'tokens', map: mapToken, write: insertNew('tokensTable') },
  { table: 'redemptions', keepsIdsIn: 'redemptions', map: mapRedemption, write: insertNew('redemptionsTable') },
  { table: 'top_ups', keepsIdsIn: 'top_ups', map: mapTopUp, write: insertNew('topUpsTable') },
  { table: 'logs', keepsIdsIn: 'logs', map: mapLog, write: insertNew('logsTable') },
  {
    // Hourly buckets: a bucket that already exists (new-api can hold two rows for one hour) adds up. The batch and
    // the progress mark commit together, so a bucket is never added twice.
    table: 'quota_data', map: mapQuotaData,
    write: async (tx, { tables }, rows) => {
      const { quotaDataTable } = tables
      // One statement may not touch a bucket twice (Postgres refuses), so rows of one bucket are added up first.
      await tx.insert(quotaDataTable).values(mergeBuckets(rows as QuotaDataIncrement[])).onConflictDoUpdate({
        target: [quotaDataTable.createdAt, quotaDataTable.userId, quotaDataTable.tokenId, quotaDataTable.channelId, quotaDataTable.modelName, quotaDataTable.useGroup],
        set: {
          tokenUsed: sql`${quotaDataTable.tokenUsed} + excluded.token_used`,
          count: sql`${quotaDataTable.count} + excluded.count`,
          quota: sql`${quotaDataTable.quota} + excluded.quota`,
        },
      })
      return rows.length
    },
  },
  { table: 'tasks', keepsIdsIn: 'tasks', map: mapTask, write: insertNew('tasksTable') },
  {
    // After tasks (which keep their ids), so these new ids follow them.
    table: 'midjourneys', map: mapMidjourney,
    write: insertNew('tasksTable'),
  },
]
