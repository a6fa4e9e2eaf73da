import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../config.ts'
import { openDatabase, type Database } from '../db/index.ts'
import { createSecretBox, loadOrCreateSecret } from '../security/crypto.ts'
import { importCommand } from '../runtime-paths.ts'
import { runImport } from './run-import.ts'
import { SchemaError } from './schema.ts'
import { redact, SourceError } from './source.ts'
import { TargetError } from './target.ts'

const usage = `Usage: ${importCommand} <source> [--dry-run] [--batch-size N] [--logs-from <source>]

Copies a one-api or new-api database into Tollgate's (the one DATA_DIR / DATABASE_URL configure, keys sealed with
CRYPTO_SECRET). <source> is a SQLite file (one-api.db), mysql://user:pass@host:3306/db, postgres://user:pass@host/db,
or the SQL_DSN value one-api / new-api use (user:pass@tcp(host:3306)/db).

  --dry-run        read everything and print what would be imported and what cannot be mapped; write nothing
  --batch-size N   source rows per transaction (default 500)
  --logs-from SRC  read usage logs from this database instead (new-api's LOG_SQL_DSN)

Stop the old gateway and Tollgate first. An interrupted import continues where it stopped when run again.`

/** `bun run import`: exit 0 when imported (or the dry run read everything), 1 with a reason otherwise. */
export async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>
  try {
    parsed = parseCommandLine(argv)
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`)
    return 1
  }
  if (parsed.help || !parsed.source) {
    console.log(usage)
    return parsed.help ? 0 : 1
  }
  // An operator coming from new-api may still have its SQL_DSN (MySQL) in the environment, which Tollgate would
  // read as its own database: say so rather than fail on the variable.
  const legacyDsn = process.env.SQL_DSN
  if (!process.env.DATABASE_URL && legacyDsn && !/^postgres(ql)?:\/\//i.test(legacyDsn)) {
    console.error('[import] SQL_DSN is set to a non-Postgres database (new-api\'s, presumably). Tollgate would read it as its own: give it as the '
      + 'source instead and unset SQL_DSN (Tollgate then writes SQLite in DATA_DIR), or set DATABASE_URL to the postgres:// database to import into.\n[import] nothing was written')
    return 1
  }
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) { console.error(`[import] ${error.message}`); return 1 }
    throw error
  }
  // A dry run creates nothing of Tollgate's: it looks at Tollgate's database only when one exists already, so it
  // refuses what the real run would (a database that is not empty); keys are sealed with a throwaway secret.
  const database = parsed.dryRun ? await existingDatabase(config) : await openDatabase(config)
  if (parsed.dryRun) console.log(database ? `[import] Tollgate's database (${config.databaseUrl ? redact(config.databaseUrl) : join(config.dataDir, 'tollgate.db')}) exists: checking it can take the import` : '[import] Tollgate\'s database does not exist yet: the import will create it')
  const secret = parsed.dryRun ? randomBytes(32).toString('base64url') : loadOrCreateSecret(config.dataDir, '.crypto-secret', config.cryptoSecret).secret
  const progress = createProgressLine()
  try {
    const report = await runImport({ source: parsed.source, database, secretBox: createSecretBox(secret), logsSource: parsed.logsFrom, dryRun: parsed.dryRun, batchSize: parsed.batchSize, log: progress.update })
    progress.done()
    console.log(report.format())
    if (!parsed.dryRun) console.log(`\nDone. Start Tollgate (bun run start); the old accounts sign in with their passwords and the old sk- keys work.`)
    return 0
  } catch (error) {
    progress.done()
    if (error instanceof SchemaError || error instanceof SourceError || error instanceof TargetError) {
      console.error(`[import] ${error.message}\n[import] nothing was written`)
      return 1
    }
    console.error(`[import] failed: ${(error as Error).message}\n[import] what was committed stays; run the same command again to continue`)
    return 1
  } finally {
    await database?.close()
  }
}

function parseCommandLine(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { 'dry-run': { type: 'boolean' }, 'batch-size': { type: 'string' }, 'logs-from': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size'])
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)) throw new Error('--batch-size must be a whole number from 1 to 5000')
  if (positionals.length > 1) throw new Error(`one source expected, got ${positionals.length}`)
  return { source: positionals[0], logsFrom: values['logs-from'], dryRun: values['dry-run'] ?? false, batchSize, help: values.help ?? false }
}

/** One line rewritten in place on a terminal; on a pipe, a line per table step of 10 %. */
function createProgressLine() {
  const terminal = process.stderr.isTTY
  let lastShown = ''
  return {
    update(line: string) {
      if (terminal) { process.stderr.write(`\r\x1b[K[import] ${line}`); return }
      const match = /^(\S+): (\d+)\/(\d+)$/.exec(line)
      const step = match ? `${match[1]}:${Math.floor((Number(match[2]) / Math.max(1, Number(match[3]))) * 10)}` : line
      if (step !== lastShown) console.error(`[import] ${line}`)
      lastShown = step
    },
    done() { if (terminal) process.stderr.write('\r\x1b[K') },
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)))

/**
 * Tollgate's database when it exists already (its SQLite file in DATA_DIR, or its tables in DATABASE_URL's
 * database), opened as the gateway opens it; undefined when there is none, so a dry run creates nothing.
 */
async function existingDatabase(config: { databaseUrl?: string; dataDir: string }): Promise<Database | undefined> {
  if (!config.databaseUrl) return existsSync(join(config.dataDir, 'tollgate.db')) ? openDatabase(config) : undefined
  const { default: postgres } = await import('postgres')
  const client = postgres(config.databaseUrl, { max: 1, onnotice: () => {} })
  try {
    const [row] = await client`select to_regclass('public.users') is not null as present`
    return row?.present ? openDatabase(config) : undefined
  } finally {
    await client.end({ timeout: 5 })
  }
}
