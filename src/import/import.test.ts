import { Database as SqliteClient } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { openSqlite } from '../db/index.ts'
import { createStore } from '../db/store.ts'
import { createSecretBox } from '../security/crypto.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { expectImportedGatewayWorks } from '../testing/imported-gateway.ts'
import { createSqliteLegacyDatabase } from '../testing/legacy-databases.ts'
import { startTestServer } from '../testing/server.ts'
import { runImport } from './run-import.ts'
import { SchemaError } from './schema.ts'
import { parseSourceUrl } from './source.ts'
import { TargetError } from './target.ts'

const CRYPTO_SECRET = 'import-test-crypto-secret-0123456789'
const secretBox = createSecretBox(CRYPTO_SECRET)
const NEW_API_ROOT_TOKEN = 'rrl1L1H0FRpySD5ETNk3VC5XB7ouQW0prnKD2gKvt8kidfex'

let upstream: MockUpstream
let workspace: ReturnType<typeof temporaryDirectory>
beforeAll(async () => {
  upstream = await startMockUpstream({ port: 0 })
  workspace = temporaryDirectory('tollgate-import-')
})
afterAll(async () => {
  await upstream.stop()
  workspace.remove()
})

let counter = 0
/** A fresh legacy SQLite file and an empty DATA_DIR for Tollgate. */
function prepare(flavour: 'one-api' | 'new-api') {
  const directory = join(workspace.path, `case-${++counter}`)
  const source = join(directory, `${flavour}.db`)
  const dataDir = join(directory, 'data')
  mkdirSync(dataDir, { recursive: true })
  createSqliteLegacyDatabase(source, flavour, upstream.url)
  return { source, dataDir }
}

async function importInto(dataDir: string, source: string, options: Partial<Parameters<typeof runImport>[0]> = {}) {
  const database = openSqlite(dataDir)
  try {
    return await runImport({ source, database, secretBox, ...options })
  } finally {
    await database.close()
  }
}

async function tollgateCounts(dataDir: string) {
  const database = openSqlite(dataDir)
  const store = createStore(database)
  const counts = {
    users: (await store.users.all()).length, tokens: Number((await database.db.select().from(database.tables.tokensTable)).length),
    channels: (await store.channels.all()).length, logs: (await database.db.select().from(database.tables.logsTable)).length,
    quotaData: (await database.db.select().from(database.tables.quotaDataTable)).length, tasks: (await database.db.select().from(database.tables.tasksTable)).length,
  }
  await database.close()
  return counts
}

describe('bun run import (the command), one-api SQLite file', () => {
  test('--dry-run reports and writes nothing; the import then lets the old root sign in and the old key relay', async () => {
    const { source, dataDir } = prepare('one-api')
    const run = (...args: string[]) => Bun.spawnSync(['bun', 'src/import/cli.ts', source, ...args], {
      cwd: join(import.meta.dir, '../..'), env: { ...process.env, DATA_DIR: dataDir, CRYPTO_SECRET },
    })
    const dry = run('--dry-run')
    const dryOut = dry.stdout.toString()
    expect(dry.exitCode).toBe(0)
    expect(dryOut).toContain('Dry run: would import a one-api database')
    expect(dryOut).toMatch(/users\s+1 of 2 \(skipped: 1 deleted\)/)
    expect(dryOut).toContain('channels.system_prompt: 1')
    expect(dryOut).toContain('TopUpLink')
    expect(dryOut).toContain('one-api type 38 has no Tollgate equivalent')
    expect(existsSync(join(dataDir, 'tollgate.db'))).toBe(false)
    expect(dryOut).toContain("Tollgate's database does not exist yet: the import will create it")

    const real = run()
    expect(real.exitCode).toBe(0)
    expect(real.stdout.toString()).toMatch(/tokens\s+1 of 1/)
    expect(real.stderr.toString()).toContain('[import] logs: 4/4')

    const database = openSqlite(dataDir)
    const channels = await createStore(database).channels.all()
    await database.close()
    const byId = new Map(channels.map((channel) => [channel.id, channel]))
    expect(byId.get(2)!.type).toBe(43) // one-api DeepSeek 36 → 43
    expect(secretBox.open(byId.get(3)!.keyCiphertext)).toBe('AKIAEXAMPLE|secret-access-key|us-east-1') // AWS config → key
    expect(byId.get(4)!.status).toBe(2) // DeepL: no equivalent, disabled
    expect(byId.get(1)!.priority).toBe(10)

    await expectImportedGatewayWorks({ env: { DATA_DIR: dataDir, CRYPTO_SECRET }, upstream, rootPassword: 'one-api-root-password', tokenKey: NEW_API_ROOT_TOKEN })
    // new-api's SQL_DSN left in the environment is explained, not taken for Tollgate's database.
    const withDsn = Bun.spawnSync(['bun', 'src/import/cli.ts', source], {
      cwd: join(import.meta.dir, '../..'), env: { ...process.env, DATA_DIR: dataDir, CRYPTO_SECRET, SQL_DSN: 'root:pw@tcp(127.0.0.1:3306)/new-api', DATABASE_URL: '' },
    })
    expect(withDsn.exitCode).toBe(1)
    expect(withDsn.stderr.toString()).toContain('SQL_DSN is set to a non-Postgres database')
    // A second run refuses: the database already holds this import; a dry run says so too, and writes nothing.
    const again = run()
    expect(again.exitCode).toBe(1)
    expect(again.stderr.toString()).toContain('already holds the import')
    const dryAgain = run('--dry-run')
    expect(dryAgain.exitCode).toBe(1)
    expect(dryAgain.stdout.toString()).toContain('exists: checking it can take the import')
    expect(dryAgain.stderr.toString()).toContain('already holds the import')
  }, 60_000)
})

describe('import of a new-api SQLite database', () => {
  test('users, tokens, channels, options, codes, top-ups, logs, quota data and tasks carry over', async () => {
    const { source, dataDir } = prepare('new-api')
    const report = await importInto(dataDir, source)
    expect(report.flavour).toBe('new-api')
    expect(report.unknownOptions).toEqual(['GitHubClientSecret', 'console_setting.api_info'])
    expect(report.table('tokens').skipped).toEqual(new Map([['of users not imported', 1], ['deleted', 1]]))
    expect(report.droppedFields.get('users.github_id')).toBeUndefined()
    expect(report.droppedFields.get('tasks.private_data')).toBe(1)

    const database = openSqlite(dataDir)
    const store = createStore(database)
    const alice = (await store.users.getByUsername('alice'))!
    expect([alice.id, alice.group, alice.quota, alice.role]).toEqual([2, 'vip', 250000, 1])
    // Sign-in identities come along: Alice's GitHub binding still signs her in.
    expect((await store.users.getByIdentity('githubId', 'gh-alice'))?.id).toBe(2)
    expect((await store.users.getByAccessTokenHash(secretBox.hash('a5083b5cbd6dbe4f9dbbb38a9b08ba6f')))?.username).toBe('root')
    const aliceToken = (await store.tokens.getByHash(secretBox.hash('V4WRdQ08xiSFxdpwkDReabQyTHtPwUEVMvkChVumVwr37IAB')))!
    expect([aliceToken.remainQuota, aliceToken.modelLimitsEnabled, aliceToken.modelLimits, aliceToken.allowIps, aliceToken.group, aliceToken.keyMask])
      .toEqual([1000, true, 'gpt-4o-mini,gpt-4o', '10.0.0.0/8', 'vip', 'V4WR**********7IAB'])
    const multi = (await store.channels.get(2))!
    expect(secretBox.open(multi.keyCiphertext)).toBe('sk-multi-a\nsk-multi-b')
    expect(JSON.parse(multi.channelInfo).is_multi_key).toBe(true)
    expect([multi.status, multi.tag, multi.modelMapping, multi.statusCodeMapping]).toEqual([2, 'team', '{"gpt-4o":"gpt-4o-2024-08-06"}', '{"429":"503"}'])
    const options = await store.options.all()
    expect([options.SystemName, options.RetryTimes, options.GroupRatio]).toEqual(['Old Gateway', '2', '{"default":1,"vip":0.8}'])
    expect(options.GitHubClientSecret).toBeUndefined()
    expect((await database.db.select().from(database.tables.redemptionsTable)).map((code) => code.status)).toEqual([1, 3])
    expect((await database.db.select().from(database.tables.topUpsTable))[0]!.tradeNo).toBe('USR2NO1700000700')
    const tasks = await database.db.select().from(database.tables.tasksTable)
    expect(tasks.map((task) => [task.platform, task.taskId, task.submitTime])).toEqual([['suno', 'task_sunoabc', 1700000500], ['mj', '1712345678901234', 1700000500]])
    expect(JSON.parse(tasks[1]!.data).image_url).toBe('https://cdn.example.com/cat.png')
    await database.close()

    await expectImportedGatewayWorks({
      env: { DATA_DIR: dataDir, CRYPTO_SECRET }, upstream, rootPassword: 'old-root-password', tokenKey: NEW_API_ROOT_TOKEN, accessToken: 'a5083b5cbd6dbe4f9dbbb38a9b08ba6f',
    })
  }, 60_000)

  test('an import interrupted half-way continues where it stopped, without duplicates', async () => {
    const { source, dataDir } = prepare('new-api')
    let interrupted = false
    await expect(importInto(dataDir, source, {
      batchSize: 2,
      afterBatch(table, lastId) {
        if (table === 'logs' && lastId === 2 && !interrupted) { interrupted = true; throw new Error('power cut') }
      },
    })).rejects.toThrow('power cut')
    expect((await tollgateCounts(dataDir)).logs).toBe(2)

    const resumed = await importInto(dataDir, source, { batchSize: 2 })
    expect(resumed.notes.some((note) => note.startsWith('continuing the import'))).toBe(true)
    expect(resumed.table('users').read).toBe(0) // finished before the interruption, not read again
    expect(resumed.table('logs').imported).toBe(3)
    expect(await tollgateCounts(dataDir)).toEqual({ users: 2, tokens: 2, channels: 2, logs: 5, quotaData: 3, tasks: 2 })
  }, 30_000)
})

test('a dry run without Tollgate\'s database: abilities that disagree with their channel are reported', async () => {
  const { source } = prepare('new-api')
  const client = new SqliteClient(source)
  client.run(`update abilities set priority = 99 where "group" = 'vip'`)
  client.run(`insert into abilities ("group", model, channel_id, enabled, priority, weight) values ('default', 'gpt-3.5-turbo', 1, 1, 5, 10)`)
  client.close()
  const report = await runImport({ source, secretBox, dryRun: true })
  expect(report.table('abilities')).toMatchObject({ read: 4, imported: 2 })
  const note = report.notes.find((line) => line.includes('abilities differ from their channel'))!
  expect(note).toContain("vip/gpt-4o-mini → channel 1: priority/weight differ from the channel's")
  expect(note).toContain("default/gpt-3.5-turbo → channel 1: not among the channel's groups and models")
  expect(report.format()).toContain('abilities           2 of 4 agree with their channel')
}, 30_000)

test('new-api with LOG_SQL_DSN: --logs-from reads the logs from their own database', async () => {
  const { source, dataDir } = prepare('new-api')
  const logsPath = `${source}.logs`
  copyFileSync(source, logsPath)
  const main = new SqliteClient(source)
  main.run('drop table logs')
  main.close()
  const report = await importInto(dataDir, source, { logsSource: logsPath })
  expect(report.notes).toContain(`logs read from ${logsPath}`)
  expect(report.table('logs').imported).toBe(5)
  expect((await tollgateCounts(dataDir)).logs).toBe(5)
}, 30_000)

describe('bad sources and targets: a clear report, nothing written', () => {
  test('a SQLite file that is not a one-api / new-api database', async () => {
    const directory = join(workspace.path, 'not-one-api')
    mkdirSync(join(directory, 'data'), { recursive: true })
    const path = join(directory, 'notes.db')
    const client = new SqliteClient(path, { create: true })
    client.run('create table notes (id integer primary key, body text)')
    client.close()
    const error = await importInto(join(directory, 'data'), path).catch((caught) => caught)
    expect(error).toBeInstanceOf(SchemaError)
    expect(error.message).toContain('is not a one-api or new-api database: it has no users, tokens, channels, options tables')
    expect(await tollgateCounts(join(directory, 'data'))).toEqual({ users: 0, tokens: 0, channels: 0, logs: 0, quotaData: 0, tasks: 0 })
    expect(await importInto(join(directory, 'data'), join(directory, 'missing.db')).catch((caught) => caught.message)).toContain('no such file')
  }, 30_000)

  test('a newer schema with columns the importer does not know', async () => {
    const { source, dataDir } = prepare('new-api')
    const client = new SqliteClient(source)
    client.run('alter table users add column passkey_enabled numeric')
    client.run('alter table logs add column upstream_cost integer')
    client.close()
    const error = await importInto(dataDir, source).catch((caught) => caught)
    expect(error).toBeInstanceOf(SchemaError)
    expect(error.problems).toEqual([
      'table users has column this importer does not know: passkey_enabled (a newer schema?)',
      'table logs has column this importer does not know: upstream_cost (a newer schema?)',
    ])
    expect(await tollgateCounts(dataDir)).toEqual({ users: 0, tokens: 0, channels: 0, logs: 0, quotaData: 0, tasks: 0 })
  }, 30_000)

  test('a Tollgate database already in use is refused; one holding only the generated root is taken', async () => {
    const { source, dataDir } = prepare('one-api')
    const server = await startTestServer({ DATA_DIR: dataDir, CRYPTO_SECRET })
    const root = await server.signIn()
    await root.call('POST', '/api/token/', { name: 'in use', unlimited_quota: true })
    await server.stop()
    const error = await importInto(dataDir, source).catch((caught) => caught)
    expect(error).toBeInstanceOf(TargetError)
    expect(error.message).toContain("Tollgate's database is not empty (1 tokens)")

    const fresh = prepare('one-api')
    const started = await startTestServer({ DATA_DIR: fresh.dataDir, CRYPTO_SECRET })
    await started.stop()
    const report = await importInto(fresh.dataDir, fresh.source)
    expect(report.notes).toContain('the root account Tollgate created at its first start was replaced by the imported users')
    expect((await tollgateCounts(fresh.dataDir)).users).toBe(1)
  }, 30_000)
})

test('at start-up, a one-api.db next to an empty Tollgate database prints the import command', async () => {
  const directory = join(workspace.path, 'startup')
  mkdirSync(directory, { recursive: true })
  createSqliteLegacyDatabase(join(directory, 'one-api.db'), 'one-api')
  const lines: string[] = []
  const { startServer } = await import('../server.ts')
  const { loadConfig } = await import('../config.ts')
  const running = await startServer(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: directory, CRYPTO_SECRET }), { log: (line) => lines.push(line) })
  await running.stop()
  expect(lines.find((line) => line.includes('one-api.db'))).toContain(`bun run import ${join(directory, 'one-api.db')}`)
}, 30_000)

test('source URLs: paths, mysql:// and postgres:// URLs, and the SQL_DSN forms new-api takes', () => {
  expect(parseSourceUrl('./data/one-api.db')).toEqual({ kind: 'sqlite', url: './data/one-api.db' })
  expect(parseSourceUrl('root:p@ss@tcp(db:3306)/new-api?charset=utf8mb4&parseTime=True')).toEqual({ kind: 'mysql', url: 'mysql://root:p%40ss@db:3306/new-api' })
  expect(parseSourceUrl('mariadb://root@127.0.0.1:3306/oneapi')).toEqual({ kind: 'mysql', url: 'mysql://root@127.0.0.1:3306/oneapi' })
  expect(parseSourceUrl('postgresql://u:p@h/db')).toEqual({ kind: 'postgres', url: 'postgresql://u:p@h/db' })
  expect(parseSourceUrl('host=db user=newapi password=secret dbname=newapi port=5433')).toEqual({ kind: 'postgres', url: 'postgres://newapi:secret@db:5433/newapi' })
})
