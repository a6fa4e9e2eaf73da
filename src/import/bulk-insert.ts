import type { Database as SqliteClient, Statement } from 'bun:sqlite'
import { getTableColumns, getTableName, sql } from 'drizzle-orm'
import type { Database, Db } from '../db/index.ts'
import * as pgSchema from '../db/schema/pg.ts'

/**
 * Batch inserts for the import, which writes up to millions of log rows: building a drizzle INSERT with thousands
 * of parameters costs more than the write (measured: 200 000 logs took 79 s into Postgres that way). As the usage
 * flush does (src/db/bulk-flush.ts): Postgres gets one INSERT … SELECT FROM jsonb_to_recordset($1), SQLite one
 * prepared statement run per row inside the batch's transaction. Rows that collide with one already there (same
 * id or unique key: a batch written before an interruption) are skipped; the count of new rows is returned.
 */
export type BulkTable = 'usersTable' | 'channelsTable' | 'tokensTable' | 'redemptionsTable' | 'topUpsTable' | 'logsTable' | 'tasksTable'

interface Column { key: string; name: string; pgType: string }

const quoted = (name: string) => `"${name}"`

/** The table's columns the rows carry (mappers give every row of a table the same keys). */
function columnsOf(table: BulkTable, row: object): Column[] {
  return Object.entries(getTableColumns(pgSchema[table]))
    .filter(([key]) => key in row)
    .map(([key, column]) => ({ key, name: column.name, pgType: column.getSQLType() === 'serial' ? 'integer' : column.getSQLType() }))
}

const sqliteStatements = new WeakMap<SqliteClient, Map<string, Statement>>()

export async function insertNewRows(tx: Db, database: Database, table: BulkTable, rows: Record<string, unknown>[]): Promise<number> {
  if (rows.length === 0) return 0
  const columns = columnsOf(table, rows[0]!)
  const tableName = getTableName(database.tables[table])
  const names = columns.map((column) => quoted(column.name)).join(', ')
  if (database.dialect === 'postgres') {
    const record = columns.map((column) => `${quoted(column.name)} ${column.pgType}`).join(', ')
    const json = JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((column) => [column.name, row[column.key] ?? null]))))
    const result = await (tx as unknown as { execute(query: ReturnType<typeof sql>): Promise<unknown[]> }).execute(
      sql`insert into ${sql.identifier(tableName)} (${sql.raw(names)}) select ${sql.raw(names)} from jsonb_to_recordset(${json}::jsonb) as x(${sql.raw(record)}) on conflict do nothing returning 1`,
    )
    return result.length
  }
  // SQLite: the transaction runs on this same connection (database.transaction is BEGIN IMMEDIATE on it).
  const client = (database.db as unknown as { $client: SqliteClient }).$client
  let statements = sqliteStatements.get(client)
  if (!statements) sqliteStatements.set(client, statements = new Map())
  const statementKey = `${tableName}:${names}`
  let statement = statements.get(statementKey)
  if (!statement) {
    statement = client.prepare(`insert into ${quoted(tableName)} (${names}) values (${columns.map(() => '?').join(', ')}) on conflict do nothing`)
    statements.set(statementKey, statement)
  }
  let added = 0
  const values: unknown[] = new Array(columns.length)
  for (const row of rows) {
    for (let index = 0; index < columns.length; index++) {
      const value = row[columns[index]!.key]
      values[index] = typeof value === 'boolean' ? (value ? 1 : 0) : value ?? null
    }
    added += statement.run(...(values as never[])).changes
  }
  return added
}
