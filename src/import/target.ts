import { count, eq, sql } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Database, Db } from '../db/index.ts'

/**
 * Tollgate's side of an import: is the database empty enough to import into, where did an interrupted import stop,
 * and the bookkeeping after rows were written with their old ids.
 *
 * Progress lives in the options table under PROGRESS_KEY, written in the same transaction as each batch, so after
 * an interruption the next run starts after the last committed row of the table it was in, and nothing is written
 * twice.
 */
export const PROGRESS_KEY = 'TollgateImportProgress'

export interface ImportProgress {
  /** The source this import reads (its location without password): a resume must read the same one. */
  source: string
  /** Last source id written, per table; a table listed in `finished` is done. */
  lastIds: Record<string, number>
  finished: string[]
}

export class TargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetError'
  }
}

export async function readProgress(database: Database): Promise<ImportProgress | undefined> {
  const { optionsTable } = database.tables
  const [row] = await database.db.select().from(optionsTable).where(eq(optionsTable.key, PROGRESS_KEY))
  return row ? JSON.parse(row.value) as ImportProgress : undefined
}

export async function writeProgress(tx: Db, database: Database, progress: ImportProgress) {
  const { optionsTable } = database.tables
  const value = JSON.stringify(progress)
  await tx.insert(optionsTable).values({ key: PROGRESS_KEY, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })
}

export interface TargetState {
  progress?: ImportProgress
  /** The `root` account Tollgate created at its first start, which the imported users replace. */
  generatedRootId?: number
}

/**
 * An import goes into an empty Tollgate database (or continues its own interrupted run). "Empty" allows the root
 * account Tollgate creates at first start, and stored options; anything else is refused, naming what is there.
 */
export async function inspectTarget(database: Database, sourceLocation: string): Promise<TargetState> {
  const progress = await readProgress(database)
  if (progress) {
    if (progress.source !== sourceLocation) throw new TargetError(`Tollgate's database holds an import from ${progress.source}; it cannot also take ${sourceLocation}`)
    if (progress.finished.includes('all')) throw new TargetError(`Tollgate's database already holds the import from ${progress.source}; nothing to do`)
    return { progress }
  }
  const { db, tables } = database
  const counted = async (name: string, table: SQLiteTable) =>
    [name, Number((await db.select({ value: count() }).from(table))[0]?.value ?? 0)] as const
  const counts = await Promise.all([
    counted('tokens', tables.tokensTable), counted('channels', tables.channelsTable), counted('logs', tables.logsTable),
    counted('redemptions', tables.redemptionsTable), counted('top-ups', tables.topUpsTable), counted('tasks', tables.tasksTable),
    counted('quota data rows', tables.quotaDataTable),
  ])
  const users = await db.select({ id: tables.usersTable.id, username: tables.usersTable.username }).from(tables.usersTable).limit(2)
  const occupied = counts.filter(([, value]) => value > 0).map(([name, value]) => `${value} ${name}`)
  const onlyRoot = users.length === 1 && users[0]!.username === 'root'
  if (users.length > 1 || (users.length === 1 && !onlyRoot)) occupied.unshift('users')
  if (occupied.length) throw new TargetError(`Tollgate's database is not empty (${occupied.join(', ')}): import into a new, empty database`)
  return { generatedRootId: onlyRoot ? users[0]!.id : undefined }
}

/** Postgres serial columns do not follow explicit ids: move each sequence past the largest id written. */
export async function resetSequence(database: Database, table: string) {
  if (database.dialect !== 'postgres') return
  await (database.db as unknown as { execute(query: ReturnType<typeof sql>): Promise<unknown> }).execute(
    sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.identifier(table)}), 0) + 1, false)`,
  )
}
