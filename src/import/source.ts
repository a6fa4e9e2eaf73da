import { Database as SqliteClient } from 'bun:sqlite'
import { existsSync, statSync } from 'node:fs'

/**
 * A one-api / new-api database opened read-only: a SQLite file, MySQL / MariaDB or PostgreSQL. The importer only
 * ever reads from it, table by table in primary-key order, so an interrupted import can continue after the last id
 * it wrote.
 */
export type SourceRow = Record<string, unknown>
export type SourceKind = 'sqlite' | 'mysql' | 'postgres'

export interface SourceDatabase {
  kind: SourceKind
  /** Where it is, without the password (for reports). */
  location: string
  tables(): Promise<string[]>
  columns(table: string): Promise<string[]>
  count(table: string): Promise<number>
  /** Up to `limit` rows with `id` greater than `afterId`, in id order. */
  rowsAfter(table: string, afterId: number, limit: number): Promise<SourceRow[]>
  /** Every row of a small table (options, abilities). */
  all(table: string): Promise<SourceRow[]>
  close(): Promise<void>
}

export class SourceError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SourceError'
  }
}

/**
 * What `bun run import <source>` accepts: a path to a SQLite file, `mysql://…`, `postgres://…`, or the DSN forms
 * one-api and new-api take in SQL_DSN (`user:pass@tcp(host:3306)/db?…` for MySQL, `host=… user=… dbname=…` for
 * Postgres), so an operator can paste the value they already use.
 */
export function parseSourceUrl(source: string): { kind: SourceKind; url: string } {
  const text = source.trim()
  if (/^postgres(ql)?:\/\//i.test(text)) return { kind: 'postgres', url: text }
  if (/^(mysql|mariadb):\/\//i.test(text)) return { kind: 'mysql', url: text.replace(/^mariadb:/i, 'mysql:') }
  const goMysql = /^(?:([^:@/]*)(?::(.*))?@)?tcp\(([^)]+)\)\/([^?]*)(?:\?.*)?$/.exec(text)
  if (goMysql) {
    const [, user = 'root', password = '', host, database] = goMysql
    const credentials = password ? `${encodeURIComponent(user)}:${encodeURIComponent(password)}` : encodeURIComponent(user)
    return { kind: 'mysql', url: `mysql://${credentials}@${host}/${database}` }
  }
  if (/(^|\s)(host|dbname)=/.test(text)) {
    const fields = Object.fromEntries(text.split(/\s+/).map((pair) => pair.split('=') as [string, string]))
    const url = new URL(`postgres://${fields.host ?? '127.0.0.1'}:${fields.port ?? '5432'}/${fields.dbname ?? 'postgres'}`)
    if (fields.user) url.username = fields.user
    if (fields.password) url.password = fields.password
    return { kind: 'postgres', url: url.toString() }
  }
  return { kind: 'sqlite', url: text }
}

/** A database URL without its password, for messages. */
export const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@]*@/, '//$1:***@')

export async function openSource(source: string): Promise<SourceDatabase> {
  const { kind, url } = parseSourceUrl(source)
  if (kind === 'sqlite') return openSqliteSource(url)
  if (kind === 'mysql') return openMysqlSource(url)
  return openPostgresSource(url)
}

function openSqliteSource(path: string): SourceDatabase {
  if (!existsSync(path) || !statSync(path).isFile()) throw new SourceError(`${path}: no such file (give the path to one-api.db, or a mysql:// or postgres:// URL)`)
  let client: SqliteClient
  try {
    client = new SqliteClient(path, { readonly: true })
    client.query('select count(*) from sqlite_master').get()
  } catch (error) {
    throw new SourceError(`${path} is not a SQLite database (${(error as Error).message})`)
  }
  const quote = (name: string) => `"${name.replaceAll('"', '""')}"`
  return {
    kind: 'sqlite',
    location: path,
    tables: async () => client.query<{ name: string }, []>(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all().map((row) => row.name),
    columns: async (table) => client.query<{ name: string }, []>(`pragma table_info(${quote(table)})`).all().map((row) => row.name),
    count: async (table) => Number(client.query<{ value: number }, []>(`select count(*) as value from ${quote(table)}`).get()?.value ?? 0),
    rowsAfter: async (table, afterId, limit) =>
      client.query<SourceRow, [number, number]>(`select * from ${quote(table)} where id > ? order by id limit ?`).all(afterId, limit),
    all: async (table) => client.query<SourceRow, []>(`select * from ${quote(table)}`).all(),
    close: async () => client.close(),
  }
}

async function openMysqlSource(url: string): Promise<SourceDatabase> {
  const mysql = await import('mysql2/promise')
  const parsed = new URL(url)
  const database = decodeURIComponent(parsed.pathname.slice(1))
  if (!database) throw new SourceError(`${redact(url)}: the URL names no database`)
  let connection: Awaited<ReturnType<typeof mysql.createConnection>>
  try {
    // Dates as text and JSON columns as text: the importer copies values, it does not interpret them.
    connection = await mysql.createConnection({
      host: parsed.hostname, port: Number(parsed.port || 3306), user: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password), database, dateStrings: true, supportBigNumbers: true, bigNumberStrings: false, jsonStrings: true,
    })
  } catch (error) {
    throw new SourceError(`cannot connect to ${redact(url)}: ${(error as Error).message}`)
  }
  const quote = (name: string) => `\`${name.replaceAll('`', '``')}\``
  const query = async <T>(sql: string, values: unknown[] = []) => (await connection.query(sql, values))[0] as T[]
  return {
    kind: 'mysql',
    location: redact(url),
    tables: async () => (await query<{ name: string }>('select table_name as name from information_schema.tables where table_schema = ? and table_type = ?', [database, 'BASE TABLE'])).map((row) => row.name),
    columns: async (table) => (await query<{ name: string }>('select column_name as name from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position', [database, table])).map((row) => row.name),
    count: async (table) => Number((await query<{ value: number }>(`select count(*) as value from ${quote(table)}`))[0]?.value ?? 0),
    rowsAfter: (table, afterId, limit) => query<SourceRow>(`select * from ${quote(table)} where id > ? order by id limit ?`, [afterId, limit]),
    all: (table) => query<SourceRow>(`select * from ${quote(table)}`),
    close: () => connection.end(),
  }
}

async function openPostgresSource(url: string): Promise<SourceDatabase> {
  const { default: postgres } = await import('postgres')
  // json / jsonb columns come back as their text, like every other column: values are copied, not interpreted.
  const client = postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 10, types: { json: { to: 114, from: [114, 3802], serialize: (value: unknown) => String(value), parse: (value: string) => value } } })
  try {
    await client`select 1`
  } catch (error) {
    await client.end({ timeout: 1 }).catch(() => undefined)
    throw new SourceError(`cannot connect to ${redact(url)}: ${(error as Error).message}`)
  }
  return {
    kind: 'postgres',
    location: redact(url),
    tables: async () => (await client<{ name: string }[]>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`).map((row) => row.name),
    columns: async (table) => (await client<{ name: string }[]>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ${table} order by ordinal_position`).map((row) => row.name),
    count: async (table) => Number((await client`select count(*) as value from ${client(table)}`)[0]?.value ?? 0),
    rowsAfter: async (table, afterId, limit) => [...await client`select * from ${client(table)} where id > ${afterId} order by id limit ${limit}`] as SourceRow[],
    all: async (table) => [...await client`select * from ${client(table)}`] as SourceRow[],
    close: () => client.end({ timeout: 5 }),
  }
}
