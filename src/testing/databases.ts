import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { openPostgres, openSqlite, type Database } from '../db/index.ts'

/**
 * Test databases. SQLite always; Postgres whenever TEST_DATABASE_URL is set. Every Postgres database is created
 * fresh for one test file and dropped afterwards, so parallel runs never collide. In CI a missing
 * TEST_DATABASE_URL is an error, not a skip.
 */
export interface TestDatabase {
  name: 'sqlite' | 'postgres'
  open(): Promise<Database & { url?: string; dataDir?: string; dispose(): Promise<void> }>
}

export const postgresUrl = process.env.TEST_DATABASE_URL
export const redisUrl = process.env.TEST_REDIS_URL

if (process.env.CI && (!postgresUrl || !redisUrl)) {
  throw new Error('CI must set TEST_DATABASE_URL and TEST_REDIS_URL: the Postgres and Redis suites may not be skipped there')
}
if (!postgresUrl) console.warn('[tests] TEST_DATABASE_URL unset: Postgres suites are skipped (set it to postgres://postgres@127.0.0.1:5432/test to run them)')

/** Create an empty Postgres database next to the one TEST_DATABASE_URL names; returns its URL and a drop function. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set')
  const name = `tollgate_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const admin = postgres(postgresUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database "${name}"`)
  await admin.end()
  const url = new URL(postgresUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop() {
      const dropper = postgres(postgresUrl!, { max: 1, onnotice: () => {} })
      await dropper.unsafe(`drop database if exists "${name}" with (force)`)
      await dropper.end()
    },
  }
}

export function temporaryDirectory(prefix = 'tollgate-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix))
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

export const testDatabases: TestDatabase[] = [
  {
    name: 'sqlite',
    async open() {
      const directory = temporaryDirectory()
      const database = openSqlite(directory.path)
      return { ...database, dataDir: directory.path, dispose: async () => { await database.close(); directory.remove() } }
    },
  },
  ...(postgresUrl ? [{
    name: 'postgres' as const,
    async open() {
      const created = await createPostgresDatabase()
      const database = await openPostgres(created.url, { max: 5 })
      return { ...database, url: created.url, dispose: async () => { await database.close(); await created.drop() } }
    },
  }] : []),
]
