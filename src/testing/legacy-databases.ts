import { Database as SqliteClient } from 'bun:sqlite'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import postgres from 'postgres'
import { createPostgresDatabase } from './databases.ts'

/**
 * one-api and new-api databases for the import tests, built from the recorded gorm DDL and seed rows in
 * src/import/fixtures/ (see its README): a SQLite file, a MariaDB / MySQL database, or a Postgres database.
 * `__MOCK_UPSTREAM__` in the seed becomes `upstreamUrl`, so the imported channel reaches the test's mock.
 */
export type Flavour = 'one-api' | 'new-api'

const fixturesDir = join(import.meta.dir, '../import/fixtures')

/** The fixture's statements: comment lines dropped, split at `;` ending a line (no seed string holds one). */
export function fixtureStatements(file: string, upstreamUrl = 'http://127.0.0.1:9') {
  return readFileSync(join(fixturesDir, file), 'utf8').split('\n').filter((line) => !line.startsWith('--')).join('\n')
    .split(/;\s*\n/).map((statement) => statement.trim()).filter(Boolean).map((statement) => statement.replaceAll('__MOCK_UPSTREAM__', upstreamUrl))
}

export function createSqliteLegacyDatabase(path: string, flavour: Flavour, upstreamUrl?: string) {
  const client = new SqliteClient(path, { create: true })
  for (const statement of [...fixtureStatements(`${flavour}.sqlite.sql`), ...fixtureStatements(`${flavour}.seed.sql`, upstreamUrl)]) client.run(statement)
  client.close()
}

export const mysqlUrl = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'

/** Whether MariaDB / MySQL answers; the reason when it does not. */
export async function mysqlUnavailable(): Promise<string | undefined> {
  const mysql = await import('mysql2/promise')
  try {
    const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 })
    await connection.end()
    return undefined
  } catch (error) {
    return `MariaDB/MySQL at ${mysqlUrl} is unreachable (${(error as Error).message})`
  }
}

/** A new database on the MariaDB / MySQL server holding a fixture; returns its URL and a drop function. */
export async function createMysqlLegacyDatabase(flavour: Flavour, upstreamUrl?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const mysql = await import('mysql2/promise')
  const name = `tollgate_import_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = await mysql.createConnection({ uri: mysqlUrl })
  await admin.query(`create database \`${name}\` character set utf8mb4`)
  await admin.query(`use \`${name}\``)
  // The seed quotes identifiers the SQL-standard way.
  for (const statement of fixtureStatements(`${flavour}.mysql.sql`)) await admin.query(statement)
  await admin.query(`set session sql_mode = concat(@@sql_mode, ',ANSI_QUOTES')`)
  for (const statement of fixtureStatements(`${flavour}.seed.sql`, upstreamUrl)) await admin.query(statement)
  await admin.end()
  return {
    url: `${mysqlUrl.replace(/\/$/, '')}/${name}`,
    async drop() {
      const dropper = await mysql.createConnection({ uri: mysqlUrl })
      await dropper.query(`drop database if exists \`${name}\``)
      await dropper.end()
    },
  }
}

/** A new Postgres database holding the new-api fixture (next to TEST_DATABASE_URL's). */
export async function createPostgresLegacyDatabase(upstreamUrl?: string): Promise<{ url: string; drop(): Promise<void> }> {
  const created = await createPostgresDatabase()
  const client = postgres(created.url, { max: 1, onnotice: () => {} })
  for (const statement of [...fixtureStatements('new-api.pg.sql'), ...fixtureStatements('new-api.seed.sql', upstreamUrl)]) await client.unsafe(statement)
  await client.end()
  return created
}
