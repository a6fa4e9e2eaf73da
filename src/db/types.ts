import type { BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import type * as sqliteSchema from './schema/sqlite.ts'

/**
 * Types the database layer shares. They live apart from the modules that implement them so that the connection
 * (index.ts), the bulk flush paths (bulk-flush.ts, the writer thread) and the store can each import them without
 * importing one another.
 */

/**
 * The data-access layer is written once against the SQLite-typed query builder. drizzle's pg and sqlite builders
 * share the runtime API we use (select/insert/update/delete/returning/onConflict), so the Postgres instance is
 * presented under the same type; the contract suites in ./store/*.test.ts run against both to keep that honest.
 */
export type Db = BunSQLiteDatabase<typeof sqliteSchema>
export type Tables = typeof sqliteSchema
export type Dialect = 'sqlite' | 'postgres'

export interface Database {
  dialect: Dialect
  db: Db
  tables: Tables
  /** Run `work` atomically. On SQLite transactions are serialised in-process and use BEGIN IMMEDIATE. */
  transaction<T>(work: (db: Db) => Promise<T>): Promise<T>
  /** Run a write outside a transaction; on SQLite it waits for an open transaction so a rollback cannot take it along. */
  write<T>(work: (db: Db) => Promise<T>): Promise<T>
  /**
   * Apply a usage flush (see Store.flush) through the dialect's bulk path: SQLite on the writer thread,
   * absent on Postgres (which bulk-inserts inside an ordinary transaction).
   */
  bulkFlush?(batch: FlushBatch): Promise<void>
  /** Cheap liveness probe. */
  ping(): Promise<void>
  close(): Promise<void>
}

export type UserRow = Tables['usersTable']['$inferSelect']
export type NewUser = Tables['usersTable']['$inferInsert']
export type TokenRow = Tables['tokensTable']['$inferSelect']
export type NewToken = Tables['tokensTable']['$inferInsert']
export type ChannelRow = Tables['channelsTable']['$inferSelect']
export type NewChannel = Tables['channelsTable']['$inferInsert']
export type LogRow = Tables['logsTable']['$inferSelect']
export type NewLog = Tables['logsTable']['$inferInsert']
export type QuotaDataRow = Tables['quotaDataTable']['$inferSelect']
export type RedemptionRow = Tables['redemptionsTable']['$inferSelect']
export type NewRedemption = Tables['redemptionsTable']['$inferInsert']
export type TopUpRow = Tables['topUpsTable']['$inferSelect']
export type NewTopUp = Tables['topUpsTable']['$inferInsert']
export type TaskRow = Tables['tasksTable']['$inferSelect']
export type NewTask = Tables['tasksTable']['$inferInsert']

/** `page` counts from 1. */
export interface Page { page: number; pageSize: number }
export interface PageResult<T> { items: T[]; total: number }

/** Quota movements flushed with usage logs: positive `spent` lowers quota and raises used quota. */
export interface QuotaDelta { id: number; spent: number; requests?: number }

export interface QuotaDataIncrement {
  userId: number; username: string; modelName: string; createdAt: number; useGroup: string
  tokenId: number; channelId: number; tokenUsed: number; count: number; quota: number
}

/** One usage flush: applied in one transaction, all of it or none. */
export interface FlushBatch {
  logs: NewLog[]
  users: QuotaDelta[]
  tokens: QuotaDelta[]
  channels: QuotaDelta[]
  quotaData: QuotaDataIncrement[]
}
