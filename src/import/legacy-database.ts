import { Database as SqliteClient } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Config } from '../config.ts'
import { importCommand } from '../runtime-paths.ts'

/**
 * Start-up check for operators switching from one-api / new-api. Their database is not Tollgate's (other columns,
 * plain keys); it is imported, not opened. Two ways it shows up:
 *  - DATA_DIR holds their `one-api.db` while Tollgate's own database is still empty: say how to import it, then
 *    start as usual.
 *  - DATABASE_URL (or SQL_DSN, new-api's name) points at their Postgres database: Tollgate's migrations would
 *    collide with its tables ("relation channels already exists"), so stop with the import command instead.
 */
export class LegacyDatabaseError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LegacyDatabaseError'
  }
}

export async function checkForLegacyDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>, log: (line: string) => void): Promise<void> {
  if (config.databaseUrl) {
    if (await postgresHoldsLegacySchema(config.databaseUrl)) {
      throw new LegacyDatabaseError('DATABASE_URL points at a one-api / new-api database. Tollgate keeps its own: create an empty database, set '
        + `DATABASE_URL to it, and copy the old one over with  ${importCommand} <old database URL>  (--dry-run shows what would be imported).`)
    }
    return
  }
  const legacyPath = resolve(config.dataDir, 'one-api.db')
  if (!existsSync(legacyPath) || !sqliteIsEmpty(join(config.dataDir, 'tollgate.db'))) return
  log(`[tollgate] ${legacyPath} is a one-api / new-api database and Tollgate's own database is empty. To bring its users, tokens and channels `
    + `over, stop Tollgate and run:  ${importCommand} ${legacyPath}  (add --dry-run to see what it would import first).`)
}

/** No Tollgate data yet: no file, or no channels and at most the root account made at first start. */
function sqliteIsEmpty(path: string): boolean {
  if (!existsSync(path)) return true
  const client = new SqliteClient(path, { readonly: true })
  try {
    const count = (table: string) => Number(client.query<{ value: number }, []>(`select count(*) as value from ${table}`).get()?.value ?? 0)
    return count('users') <= 1 && count('channels') === 0 && count('tokens') === 0
  } catch {
    return true // tables not created yet
  } finally {
    client.close()
  }
}

/** one-api / new-api keep channel keys in `channels.key`; Tollgate's table has `key_ciphertext` instead. */
async function postgresHoldsLegacySchema(url: string): Promise<boolean> {
  const { default: postgres } = await import('postgres')
  const client = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 })
  try {
    const rows = await client`select 1 from information_schema.columns where table_schema = current_schema() and table_name = 'channels' and column_name = 'key'`
    return rows.length > 0
  } catch {
    return false // unreachable: opening the database reports that, with its retries
  } finally {
    await client.end({ timeout: 1 })
  }
}
