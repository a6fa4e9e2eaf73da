import { Database as SqliteClient } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { drizzle as drizzleSqlite } from 'drizzle-orm/bun-sqlite'
import { migrate as migrateSqlite } from 'drizzle-orm/bun-sqlite/migrator'
import { sql } from 'drizzle-orm'
import * as sqliteSchema from './schema/sqlite.ts'
import { createPrivateFile } from '../security/data-dir.ts'
import * as pgSchema from './schema/pg.ts'
import { createSqliteFlusher } from './bulk-flush.ts'
import { migrationsFolder, workerEntry } from '../runtime-paths.ts'
import type { Database, Db, FlushBatch, Tables } from './types.ts'
import type { WriterRequest, WriterResponse } from './sqlite-writer.worker.ts'

export type { Database, Db, Dialect, Tables } from './types.ts'


/** A FIFO async mutex: SQLite has one writer, and bun:sqlite transactions cannot span awaits on their own. */
function createMutex() {
  let tail: Promise<unknown> = Promise.resolve()
  return function runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = tail.then(work, work)
    tail = result.catch(() => undefined)
    return result
  }
}

export function openSqlite(dataDir: string, fileName = 'tollgate.db'): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  if (fileName !== ':memory:') createPrivateFile(join(dataDir, fileName))
  const client = new SqliteClient(fileName === ':memory:' ? ':memory:' : join(dataDir, fileName), { create: true, strict: true })
  client.exec('PRAGMA journal_mode = WAL')
  client.exec('PRAGMA busy_timeout = 10000')
  client.exec('PRAGMA synchronous = NORMAL')
  client.exec('PRAGMA foreign_keys = ON')
  const db = drizzleSqlite(client, { schema: sqliteSchema })
  migrateSqlite(db, { migrationsFolder: migrationsFolder('sqlite') })
  const exclusive = createMutex()
  const writer = fileName === ':memory:' ? undefined : createWriterThread(join(dataDir, fileName))
  const inlineFlusher = writer ? undefined : createSqliteFlusher(client)
  return {
    dialect: 'sqlite',
    db,
    tables: sqliteSchema,
    transaction: (work) => exclusive(async () => {
      client.exec('BEGIN IMMEDIATE')
      try {
        const result = await work(db)
        client.exec('COMMIT')
        return result
      } catch (error) {
        client.exec('ROLLBACK')
        throw error
      }
    }),
    write: (work) => exclusive(() => work(db)),
    bulkFlush: (batch) => (writer ? writer.flush(batch) : exclusive(async () => inlineFlusher!.flush(batch))),
    ping: async () => { client.query('select 1').get() },
    close: async () => {
      await writer?.close()
      client.close()
    },
  }
}

/**
 * The SQLite writer thread (sqlite-writer.worker.ts): flushes run there in order; a thread that dies fails
 * what it held (the usage writer keeps and retries those batches) and is started afresh for the next flush.
 */
const holdProcess = (thread: Worker, hold: boolean) => {
  const handle = thread as unknown as { ref(): void; unref(): void }
  if (hold) handle.ref()
  else handle.unref()
}

function createWriterThread(path: string) {
  let worker: Worker | undefined
  let nextId = 1
  const pending = new Map<number, { resolve(): void; reject(error: Error): void }>()
  const start = () => {
    const thread = new Worker(workerEntry('src/db/sqlite-writer.worker.ts'))
    thread.onmessage = (event: MessageEvent<WriterResponse>) => {
      const response = event.data
      const waiter = pending.get(response.id)
      pending.delete(response.id)
      if (pending.size === 0) holdProcess(thread, false)
      if (response.kind === 'done') waiter?.resolve()
      else waiter?.reject(Object.assign(new Error(response.message), { code: response.code }))
    }
    thread.addEventListener('close', () => {
      if (worker === thread) worker = undefined
      for (const [id, waiter] of pending) {
        pending.delete(id)
        waiter.reject(new Error('the SQLite writer thread stopped'))
      }
    })
    thread.postMessage({ kind: 'open', path } satisfies WriterRequest)
    holdProcess(thread, false)
    return thread
  }
  return {
    flush(batch: FlushBatch): Promise<void> {
      worker ??= start()
      const id = nextId++
      // While a flush is pending the thread keeps the process alive (a final flush at shutdown must land);
      // idle, it does not.
      holdProcess(worker, true)
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker!.postMessage({ kind: 'flush', id, batch: JSON.stringify(batch) } satisfies WriterRequest)
      })
    },
    async close() {
      if (!worker) return
      const closing = new Promise<void>((resolve) => worker!.addEventListener('close', () => resolve(), { once: true }))
      worker.postMessage({ kind: 'close' } satisfies WriterRequest)
      await Promise.race([closing, Bun.sleep(2000)])
      worker?.terminate()
    },
  }
}

/** Seconds before reconnect attempt `retries`: 0.1, 0.2, 0.4 … capped at 2, with jitter so nodes do not stampede. */
export const reconnectDelaySeconds = (retries: number) => Math.min(0.1 * 2 ** retries, 2) * (0.75 + Math.random() / 2)

export async function openPostgres(url: string, options: { max?: number } = {}): Promise<Database> {
  // Loaded only for Postgres deployments: the embedded default does not pay its memory.
  const [{ default: postgres }, { drizzle: drizzlePg }, { migrate: migratePg }] = await Promise.all([
    import('postgres'), import('drizzle-orm/postgres-js'), import('drizzle-orm/postgres-js/migrator'),
  ])
  // Reconnect attempts back off to at most 2 s. postgres.js's default grows to 20 s after a few failures, so after
  // an outage of some seconds the gateway could wait that long to notice the database was back, with usage rows
  // queued and the flush that carries them held (seen as a 40 s stall in the outage test).
  const client = postgres(url, { max: options.max ?? 10, onnotice: () => {}, idle_timeout: 30, connect_timeout: 10, backoff: reconnectDelaySeconds })
  const db = drizzlePg(client, { schema: pgSchema })
  // Several nodes may start at once: one migrates, the others wait on the advisory lock.
  const lockHolder = await client.reserve()
  try {
    await lockHolder`select pg_advisory_lock(727274)`
    await migratePg(db, { migrationsFolder: migrationsFolder('pg') })
  } finally {
    await lockHolder`select pg_advisory_unlock(727274)`.catch(() => undefined)
    lockHolder.release()
  }
  const presented = db as unknown as Db
  return {
    dialect: 'postgres',
    db: presented,
    tables: pgSchema as unknown as Tables,
    transaction: (work) => db.transaction((transaction) => work(transaction as unknown as Db)),
    write: (work) => work(presented),
    ping: async () => { await db.execute(sql`select 1`) },
    close: async () => { await client.end({ timeout: 5 }) },
  }
}

export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl) : openSqlite(options.dataDir)
}
