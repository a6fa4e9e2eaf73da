import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startMockUpstream, type MockUpstream } from '../../bench/mock-upstream.ts'
import { loadConfig } from '../config.ts'
import { openPostgres, openSqlite } from '../db/index.ts'
import { createSecretBox } from '../security/crypto.ts'
import { startServer } from '../server.ts'
import { createPostgresDatabase, postgresUrl, temporaryDirectory } from '../testing/databases.ts'
import { expectImportedGatewayWorks } from '../testing/imported-gateway.ts'
import { createMysqlLegacyDatabase, createPostgresLegacyDatabase, mysqlUnavailable, mysqlUrl } from '../testing/legacy-databases.ts'
import { LegacyDatabaseError } from './legacy-database.ts'
import { runImport } from './run-import.ts'

/**
 * new-api databases on the servers operators run them on: MariaDB / MySQL (the common production set-up) and
 * Postgres, imported into Tollgate on SQLite and on Postgres; then the real server signs the old root in and
 * relays with an old key.
 */
const CRYPTO_SECRET = 'import-int-test-crypto-secret-0123'
const secretBox = createSecretBox(CRYPTO_SECRET)
const ROOT_TOKEN = 'rrl1L1H0FRpySD5ETNk3VC5XB7ouQW0prnKD2gKvt8kidfex'
const ROOT_ACCESS_TOKEN = 'a5083b5cbd6dbe4f9dbbb38a9b08ba6f'
const ALICE_TOKEN = 'V4WRdQ08xiSFxdpwkDReabQyTHtPwUEVMvkChVumVwr37IAB' // allow-list 10.0.0.0/8

let upstream: MockUpstream
beforeAll(async () => { upstream = await startMockUpstream({ port: 0 }) })
afterAll(() => upstream.stop())

const mysqlReason = await mysqlUnavailable()
if (mysqlReason && process.env.CI) throw new Error(`CI must have MariaDB/MySQL for the import suite: ${mysqlReason}`)
if (mysqlReason) console.warn(`[tests] new-api on MariaDB import suite skipped: ${mysqlReason} (set TEST_MYSQL_URL to run it)`)

describe.skipIf(Boolean(mysqlReason))(`new-api on MariaDB/MySQL (${mysqlUrl}) → Tollgate on SQLite`, () => {
  test('the SQL_DSN form is accepted; root signs in, the old key relays, alice keeps her allow-list', async () => {
    const legacy = await createMysqlLegacyDatabase('new-api', upstream.url)
    const dataDir = temporaryDirectory()
    try {
      const url = new URL(legacy.url)
      const dsn = `${decodeURIComponent(url.username)}${url.password ? `:${url.password}` : ''}@tcp(${url.host})${url.pathname}?charset=utf8mb4&parseTime=True&loc=Local`
      const database = openSqlite(dataDir.path)
      const report = await runImport({ source: dsn, database, secretBox, batchSize: 2 })
      await database.close()
      expect(report.flavour).toBe('new-api')
      expect([...report.tables].map(([name, count]) => [name, count.imported])).toEqual([
        ['options', 7], ['users', 2], ['channels', 2], ['abilities', 3], ['tokens', 2], ['redemptions', 2], ['top_ups', 1], ['logs', 5],
        ['quota_data', 3], ['tasks', 1], ['midjourneys', 1],
      ])
      await expectImportedGatewayWorks({
        env: { DATA_DIR: dataDir.path, CRYPTO_SECRET }, upstream, rootPassword: 'old-root-password', tokenKey: ROOT_TOKEN, accessToken: ROOT_ACCESS_TOKEN, ipRestrictedKey: ALICE_TOKEN,
      })
    } finally {
      dataDir.remove()
      await legacy.drop()
    }
  }, 60_000)
})

describe.skipIf(Boolean(mysqlReason))('one-api on MariaDB/MySQL → Tollgate on Postgres (or SQLite without TEST_DATABASE_URL)', () => {
  test('one-api types renumbered, the AWS key rebuilt from config; root signs in and the old key relays', async () => {
    const legacy = await createMysqlLegacyDatabase('one-api', upstream.url)
    const dataDir = temporaryDirectory()
    const target = postgresUrl ? await createPostgresDatabase() : undefined
    try {
      const database = target ? await openPostgres(target.url, { max: 2 }) : openSqlite(dataDir.path)
      const report = await runImport({ source: legacy.url, database, secretBox })
      const channels = await database.db.select().from(database.tables.channelsTable)
      await database.close()
      expect(report.flavour).toBe('one-api')
      expect(channels.map((channel) => [channel.id, channel.type, channel.status]).sort()).toEqual([[1, 1, 1], [2, 43, 1], [3, 33, 1], [4, 8, 2]])
      expect(secretBox.open(channels.find((channel) => channel.id === 3)!.keyCiphertext)).toBe('AKIAEXAMPLE|secret-access-key|us-east-1')
      await expectImportedGatewayWorks({
        env: { DATA_DIR: dataDir.path, CRYPTO_SECRET, ...(target ? { DATABASE_URL: target.url } : {}) }, upstream, rootPassword: 'one-api-root-password', tokenKey: ROOT_TOKEN,
      })
    } finally {
      dataDir.remove()
      await target?.drop()
      await legacy.drop()
    }
  }, 60_000)
})

if (!postgresUrl) console.warn('[tests] new-api on Postgres import suite skipped: TEST_DATABASE_URL is unset')

describe.skipIf(!postgresUrl)('new-api on Postgres → Tollgate on Postgres', () => {
  test('imported with sequences moved past the old ids; root signs in and the old key relays', async () => {
    const legacy = await createPostgresLegacyDatabase(upstream.url)
    const target = await createPostgresDatabase()
    try {
      const database = await openPostgres(target.url, { max: 2 })
      await runImport({ source: legacy.url, database, secretBox, batchSize: 2 })
      await database.close()
      await expectImportedGatewayWorks({
        env: { DATABASE_URL: target.url, CRYPTO_SECRET }, upstream, rootPassword: 'old-root-password', tokenKey: ROOT_TOKEN, accessToken: ROOT_ACCESS_TOKEN,
      })
    } finally {
      await target.drop()
      await legacy.drop()
    }
  }, 60_000)

  test('interrupted during the logs and run again: continues without duplicates', async () => {
    const legacy = await createPostgresLegacyDatabase()
    const target = await createPostgresDatabase()
    try {
      const database = await openPostgres(target.url, { max: 2 })
      let interrupted = false
      const interrupt = (table: string, lastId: number) => {
        if (table === 'logs' && lastId === 4 && !interrupted) { interrupted = true; throw new Error('connection lost') }
      }
      await expect(runImport({ source: legacy.url, database, secretBox, batchSize: 2, afterBatch: interrupt })).rejects.toThrow('connection lost')
      const resumed = await runImport({ source: legacy.url, database, secretBox, batchSize: 2 })
      expect(resumed.table('logs').imported).toBe(1)
      const logs = await database.db.select().from(database.tables.logsTable)
      expect(logs.map((log) => log.id).sort()).toEqual([1, 2, 3, 4, 5])
      expect((await database.db.select().from(database.tables.tokensTable)).length).toBe(2)
      await database.close()
    } finally {
      await target.drop()
      await legacy.drop()
    }
  }, 60_000)

  test('DATABASE_URL naming the new-api database itself: start-up stops with the import command, nothing migrated', async () => {
    const legacy = await createPostgresLegacyDatabase()
    const dataDir = temporaryDirectory()
    try {
      const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir.path, SQL_DSN: legacy.url, CRYPTO_SECRET })
      const error = await startServer(config, { log: () => {} }).catch((caught) => caught)
      expect(error).toBeInstanceOf(LegacyDatabaseError)
      expect(error.message).toContain('bun run import <old database URL>')
      const { default: postgres } = await import('postgres')
      const client = postgres(legacy.url, { max: 1, onnotice: () => {} })
      const migrations = await client`select 1 from information_schema.schemata where schema_name = 'drizzle'`
      await client.end()
      expect(migrations).toHaveLength(0)
    } finally {
      dataDir.remove()
      await legacy.drop()
    }
  }, 30_000)
})
