import type { Database as SqliteClient, Statement } from 'bun:sqlite'
import { getTableColumns, sql, type SQL } from 'drizzle-orm'
import * as sqliteSchema from './schema/sqlite.ts'
import * as pgSchema from './schema/pg.ts'
import type { FlushBatch } from './types.ts'

/**
 * The usage flush's bulk paths. Log rows are the one table written at request rate, and building a drizzle
 * INSERT for thousands of rows costs more than the write: SQLite gets prepared statements (run on the writer
 * thread, see sqlite-writer.worker.ts), Postgres one INSERT … SELECT FROM jsonb_to_recordset($1) with a single
 * parameter. Column lists come from the drizzle tables, so they cannot drift from the schema.
 */

type LogColumn = { key: string; name: string; pgType: string }

/** Every log column but the generated id: JS key, SQL name, Postgres type. */
export const logColumns: LogColumn[] = Object.entries(getTableColumns(pgSchema.logsTable))
  .filter(([key]) => key !== 'id')
  .map(([key, column]) => ({ key, name: column.name, pgType: column.getSQLType() }))

const quoted = (name: string) => `"${name}"`

/** Postgres: all log rows of a batch in one statement with one JSON parameter. */
export function insertLogsPostgres(rows: Record<string, unknown>[]): SQL {
  const names = logColumns.map((column) => quoted(column.name)).join(', ')
  const record = logColumns.map((column) => `${quoted(column.name)} ${column.pgType}`).join(', ')
  const json = JSON.stringify(rows.map((row) => {
    const out: Record<string, unknown> = {}
    for (const column of logColumns) out[column.name] = row[column.key] ?? defaults[column.key]
    return out
  }))
  return sql`insert into logs (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_to_recordset(${json}::jsonb) as x(${sql.raw(record)})`
}

/** Column defaults for values a row leaves out (the same as the schema's). */
const defaults: Record<string, unknown> = Object.fromEntries(Object.entries(getTableColumns(sqliteSchema.logsTable))
  .filter(([, column]) => column.hasDefault)
  .map(([key, column]) => [key, (column as { default?: unknown }).default]))

export interface SqliteFlusher {
  /** Apply one batch in one IMMEDIATE transaction. */
  flush(batch: FlushBatch): void
}

/** SQLite: prepared once per connection, run per row inside one transaction. */
export function createSqliteFlusher(client: SqliteClient): SqliteFlusher {
  const insertLog: Statement = client.prepare(`insert into logs (${logColumns.map((column) => quoted(column.name)).join(', ')}) values (${logColumns.map(() => '?').join(', ')})`)
  const updateUser = client.prepare('update users set quota = quota - ?1, used_quota = used_quota + ?1, request_count = request_count + ?2 where id = ?3')
  const updateToken = client.prepare('update tokens set remain_quota = remain_quota - ?1, used_quota = used_quota + ?1, accessed_time = ?2 where id = ?3')
  const updateChannel = client.prepare('update channels set used_quota = used_quota + ?1 where id = ?2')
  const upsertQuotaData = client.prepare(`insert into quota_data (user_id, username, model_name, created_at, use_group, token_id, channel_id, node_name, token_used, count, quota)
    values (?1, ?2, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9, ?10)
    on conflict (created_at, user_id, token_id, channel_id, model_name, use_group)
    do update set token_used = token_used + excluded.token_used, count = count + excluded.count, quota = quota + excluded.quota`)
  const apply = client.transaction((batch: FlushBatch) => {
    const values: unknown[] = new Array(logColumns.length)
    for (const row of batch.logs) {
      const record = row as Record<string, unknown>
      for (let index = 0; index < logColumns.length; index++) {
        const column = logColumns[index]!
        let value = record[column.key] ?? defaults[column.key]
        if (typeof value === 'boolean') value = value ? 1 : 0
        values[index] = value
      }
      insertLog.run(...(values as never[]))
    }
    const now = Math.floor(Date.now() / 1000)
    for (const delta of batch.users) updateUser.run(delta.spent, delta.requests ?? 0, delta.id)
    for (const delta of batch.tokens) updateToken.run(delta.spent, now, delta.id)
    for (const delta of batch.channels) updateChannel.run(delta.spent, delta.id)
    for (const increment of batch.quotaData) {
      upsertQuotaData.run(increment.userId, increment.username, increment.modelName, increment.createdAt, increment.useGroup, increment.tokenId, increment.channelId, increment.tokenUsed, increment.count, increment.quota)
    }
  })
  return { flush: (batch) => apply.immediate(batch) }
}
