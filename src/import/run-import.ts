import { eq } from 'drizzle-orm'
import type { Database } from '../db/index.ts'
import type { SecretBox } from '../security/crypto.ts'
import { checkAbilities } from './abilities.ts'
import { mapUser, noteDropped, type MapContext } from './map-rows.ts'
import { mapOptions } from './options.ts'
import { ImportReport } from './report.ts'
import { inspectLogsSource, inspectSchema, knownUnimportedTables } from './schema.ts'
import { openSource, type SourceDatabase } from './source.ts'
import { stages, type Stage } from './stages.ts'
import { inspectTarget, resetSequence, writeProgress, type ImportProgress } from './target.ts'

export interface ImportOptions {
  /** Path of a SQLite file, or a mysql:// / postgres:// URL (or the SQL_DSN forms one-api and new-api accept). */
  source: string
  /** Tollgate's database, opened (migrations applied); a dry run may leave it out. */
  database?: Database
  /** The box the gateway seals keys with (same CRYPTO_SECRET), so imported keys open there. */
  secretBox: SecretBox
  /** new-api's LOG_SQL_DSN: logs are read from this database instead of the main one. */
  logsSource?: string
  dryRun?: boolean
  /** Source rows per transaction (default 500). */
  batchSize?: number
  /** Progress lines ("logs 12000/50000"). */
  log?: (line: string) => void
  /** Test hook, after each committed batch: throwing here simulates an interruption. */
  afterBatch?(table: string, lastId: number): void
}

/**
 * Reads a one-api / new-api database and writes Tollgate's. Nothing is written until the source's schema is fully
 * understood and Tollgate's database is found empty (or holding this same import, half done). Then each table is
 * streamed in id order, one transaction per batch, each batch committing its progress mark with it.
 */
export async function runImport(options: ImportOptions): Promise<ImportReport> {
  const source = await openSource(options.source)
  try {
    const logsSource = options.logsSource ? await openSource(options.logsSource) : undefined
    try {
      return await importFrom(source, logsSource, options)
    } finally {
      await logsSource?.close()
    }
  } finally {
    await source.close()
  }
}

async function importFrom(source: SourceDatabase, logsSource: SourceDatabase | undefined, options: ImportOptions): Promise<ImportReport> {
  const database = options.database
  if (!database && !options.dryRun) throw new Error('an import that writes needs Tollgate\'s database')
  const log = options.log ?? (() => {})
  const schema = await inspectSchema(source)
  if (logsSource) schema.tables.set('logs', await inspectLogsSource(logsSource))
  const report = new ImportReport(schema.flavour, source.location, options.dryRun ?? false)
  report.skippedTables = schema.skippedTables
  if (logsSource) report.note(`logs read from ${logsSource.location}`)
  const unknownTables = schema.skippedTables.filter((table) => !knownUnimportedTables.includes(table))
  if (unknownTables.length) report.note(`tables this importer does not know were left alone: ${unknownTables.join(', ')}`)

  const target = database ? await inspectTarget(database, source.location) : {}
  const progress: ImportProgress = target.progress ?? { source: source.location, lastIds: {}, finished: [] }
  if (target.progress) report.note(`continuing the import interrupted earlier (done: ${progress.finished.join(', ') || 'nothing yet'})`)
  const write = !report.dryRun

  if (database && write && !target.progress) {
    await database.transaction(async (tx) => {
      // The root account Tollgate made at its first start gives way to the imported accounts (ids keep their meaning).
      if (target.generatedRootId !== undefined) await tx.delete(database.tables.usersTable).where(eq(database.tables.usersTable.id, target.generatedRootId))
      await writeProgress(tx, database, progress)
    })
    if (target.generatedRootId !== undefined) report.note('the root account Tollgate created at its first start was replaced by the imported users')
  }

  await importOptions(source, options, report, progress, write)
  const context: MapContext = { flavour: schema.flavour, secretBox: options.secretBox, report, userIds: new Set() }
  for (const stage of stages) {
    if (!schema.tables.has(stage.table)) continue
    if (stage.table === 'tokens') context.userIds = await importedUserIds(source, write ? database : undefined, context)
    await streamStage(stage, stage.table === 'logs' && logsSource ? logsSource : source, options, context, progress, write, log)
    if (stage.table === 'channels') await checkAbilities(source, schema, report)
  }
  if (database && write) {
    progress.finished.push('all')
    await database.transaction((tx) => writeProgress(tx, database, progress))
  }
  return report
}

async function importOptions(source: SourceDatabase, options: ImportOptions, report: ImportReport, progress: ImportProgress, write: boolean) {
  const count = report.table('options')
  if (progress.finished.includes('options')) return
  const rows = await source.all('options')
  const mapped = mapOptions(rows, (value) => options.secretBox.seal(value))
  count.read = rows.length
  count.imported = mapped.options.length
  report.unknownOptions = mapped.unknown
  for (const refused of mapped.refused) report.note(`option ${refused}; not imported`)
  if (mapped.unknown.length) count.skipped.set('not used by Tollgate', mapped.unknown.length)
  if (mapped.refused.length) count.skipped.set('refused by validation', mapped.refused.length)
  const database = options.database
  if (!write || !database) return
  const { optionsTable } = database.tables
  await database.transaction(async (tx) => {
    for (const [key, value] of mapped.options) {
      await tx.insert(optionsTable).values({ key, value }).onConflictDoUpdate({ target: optionsTable.key, set: { value } })
    }
    progress.finished.push('options')
    await writeProgress(tx, database, progress)
  })
}

/** Tokens need their owner: in a dry run the users that would be imported, otherwise those Tollgate now has. */
async function importedUserIds(source: SourceDatabase, database: Database | undefined, context: MapContext): Promise<Set<number>> {
  if (database) return new Set((await database.db.select({ id: database.tables.usersTable.id }).from(database.tables.usersTable)).map((row) => row.id))
  const ids = new Set<number>()
  const quiet = { ...context, report: new ImportReport(context.flavour, '', true) }
  for (let after = 0; ;) {
    const rows = await source.rowsAfter('users', after, 1000)
    if (rows.length === 0) return ids
    for (const row of rows) {
      const mapped = mapUser(row, quiet)
      if ('row' in mapped) ids.add(Number(row.id))
    }
    after = Number(rows.at(-1)!.id)
  }
}

async function streamStage(stage: Stage, source: SourceDatabase, options: ImportOptions, context: MapContext, progress: ImportProgress, write: boolean, log: (line: string) => void) {
  if (progress.finished.includes(stage.table)) return
  const database = write ? options.database : undefined
  const count = context.report.table(stage.table)
  const total = await source.count(stage.table)
  const batchSize = options.batchSize ?? 500
  let lastId = progress.lastIds[stage.table] ?? 0
  if (lastId > 0) log(`${stage.table}: continuing after id ${lastId}`)
  for (;;) {
    const rows = await source.rowsAfter(stage.table, lastId, batchSize)
    if (rows.length === 0) break
    const mapped: object[] = []
    for (const row of rows) {
      count.read++
      noteDropped(stage.table, row, context.report)
      const result = stage.map(row, context)
      if ('row' in result) mapped.push(result.row)
      else context.report.skip(stage.table, result.skip)
    }
    lastId = Number(rows.at(-1)!.id)
    if (database) {
      const written = await database.transaction(async (tx) => {
        const added = mapped.length ? await stage.write(tx, database, mapped) : 0
        progress.lastIds[stage.table] = lastId
        await writeProgress(tx, database, progress)
        return added
      })
      count.imported += written
      if (written < mapped.length) count.skipped.set('already present', (count.skipped.get('already present') ?? 0) + mapped.length - written)
      options.afterBatch?.(stage.table, lastId)
    } else {
      count.imported += mapped.length
    }
    log(`${stage.table}: ${count.read}/${total}`)
  }
  if (!database) return
  if (stage.keepsIdsIn) await resetSequence(database, stage.keepsIdsIn)
  progress.finished.push(stage.table)
  await database.transaction((tx) => writeProgress(tx, database, progress))
}
