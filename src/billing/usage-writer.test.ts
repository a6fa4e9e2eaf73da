import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { openSqlite, type Database } from '../db/index.ts'
import { createStore, type FlushBatch, type Store } from '../db/store.ts'
import { temporaryDirectory } from '../testing/databases.ts'
import { createUsageWriter, type UsageRecord } from './usage-writer.ts'

// A real SQLite store behind a switch that makes the database "unreachable".
let database: Database
let store: Store
let reachable = true
const directory = temporaryDirectory()
const journalPath = join(directory.path, 'usage-journal.jsonl')
let flushes: number[] = []
const switchable: Store = {} as Store

beforeAll(() => {
  database = openSqlite(directory.path)
  store = createStore(database)
  Object.assign(switchable, store, {
    flush: async (batch: FlushBatch) => {
      if (!reachable) throw new Error('connect ECONNREFUSED')
      flushes.push(batch.logs.length)
      await store.flush(batch)
    },
  })
})
afterAll(async () => {
  await database.close()
  directory.remove()
})

const record = (index: number): UsageRecord => ({
  log: { userId: 1, username: 'u', createdAt: 1_700_000_000, type: 2, modelName: 'm', quota: 2, requestId: `r${index}` },
  spent: 2, countRequest: true, tokensUsed: 10,
})
const count = async () => (await store.logs.list({}, { page: 1, pageSize: 1 })).total

/** Take the database down and record `rows` requests; failed flush attempts have handed their rows back. */
async function recordDuringOutage(rows: number, bounds: { maxRows: number; maxBufferedRows: number }) {
  const writer = createUsageWriter({ store: switchable, intervalMs: 20, ...bounds, journalPath, log: () => {} })
  reachable = false
  for (let index = 0; index < rows; index++) writer.record(record(index))
  await Bun.sleep(100)
  return writer
}

/** Flush until `expected` rows beyond `before` are in the database (or ~5 s pass); returns how many arrived. */
async function drainedCount(writer: { flush(): Promise<void> }, before: number, expected: number) {
  for (let wait = 0; wait < 500 && (await count()) - before < expected; wait++) {
    await writer.flush()
    await Bun.sleep(10)
  }
  return (await count()) - before
}

describe('usage writer', () => {
  test('a full batch waiting after a flush is written at once, not at the next interval', async () => {
    flushes = []
    const writer = createUsageWriter({ store: switchable, intervalMs: 60_000, maxRows: 100, journalPath, log: () => {} })
    const before = await count()
    for (let index = 0; index < 1000; index++) writer.record(record(index))
    for (let wait = 0; wait < 200 && (await count()) - before < 1000; wait++) await Bun.sleep(5)
    expect((await count()) - before).toBe(1000) // the interval is a minute: only back-to-back flushes got here
    await writer.stop()
  })

  test('while the database is down rows are kept, the overflow goes to the journal, and all land when it is back', async () => {
    const before = await count()
    const writer = await recordDuringOutage(500, { maxRows: 50, maxBufferedRows: 200 })
    expect(writer.stats().failures).toBeGreaterThan(0)
    expect(writer.stats().queuedRows).toBeLessThanOrEqual(200)
    expect(writer.stats().journaledRows).toBeGreaterThanOrEqual(300)
    expect(existsSync(journalPath)).toBe(true)
    reachable = true
    expect(await drainedCount(writer, before, 500)).toBe(500)
    expect(existsSync(journalPath)).toBe(false)
    await writer.stop()
  })

  test('a long outage spills to the journal in chunks, and the replay is linear and loses nothing', async () => {
    const before = await count()
    const writer = await recordDuringOutage(20_000, { maxRows: 500, maxBufferedRows: 1000 })
    // A tenth of the bound per write: ~190 lines for 19 000 overflowing rows, not one line (and one write) per row.
    const lines = readFileSync(journalPath, 'utf8').split('\n').filter(Boolean)
    expect(lines.length).toBeLessThanOrEqual(200)
    expect(writer.stats().queuedRows).toBeLessThanOrEqual(1000)
    expect(writer.stats().queuedRows + writer.stats().journaledRows).toBe(20_000)
    reachable = true
    expect(await drainedCount(writer, before, 20_000)).toBe(20_000)
    expect(existsSync(journalPath)).toBe(false)
    await writer.stop()
  })

  test('what cannot be written at shutdown is journaled and written at the next start', async () => {
    const before = await count()
    const user = await store.users.create({ username: 'journaled', passwordHash: 'x', quota: 1000 })
    const first = createUsageWriter({ store: switchable, intervalMs: 20, maxRows: 1000, journalPath, log: () => {} })
    reachable = false
    for (let index = 0; index < 30; index++) first.record({ ...record(index), log: { ...record(index).log, userId: user.id } })
    await first.stop()
    expect(existsSync(journalPath)).toBe(true)
    reachable = true
    const second = createUsageWriter({ store: switchable, intervalMs: 20, maxRows: 1000, journalPath, log: () => {} })
    await second.flush()
    expect((await count()) - before).toBe(30)
    // The quota deltas travelled with the rows.
    expect((await store.users.get(user.id))!.quota).toBe(1000 - 60)
    await second.stop()
  })
})

describe('write-ahead log (usage of answered requests survives a kill)', () => {
  const walPrefix = join(directory.path, 'usage-wal')
  const segments = () => readdirSync(directory.path).filter((name) => name.startsWith('usage-wal.'))

  test('records not yet flushed when the process dies are replayed, counted once and handed to the ledger', async () => {
    const before = await count()
    const user = await store.users.create({ username: 'killed', passwordHash: 'x', quota: 1000 })
    // A writer that never flushes on its own and is abandoned without stop(): what a SIGKILL leaves.
    const killed = createUsageWriter({ store: switchable, intervalMs: 60_000, maxRows: 100_000, journalPath, walPrefix, log: () => {} })
    for (let index = 0; index < 40; index++) killed.record({ ...record(index), log: { ...record(index).log, userId: user.id } })
    await killed.durable() // the one write of this turn, which the relay waits for before answering
    expect(killed.durable()).toBeUndefined()
    const replayed: FlushBatch[] = []
    const restarted = createUsageWriter({ store: switchable, intervalMs: 60_000, maxRows: 100_000, journalPath, walPrefix, log: () => {}, onReplayed: (batch) => replayed.push(batch) })
    expect(replayed[0]!.users).toEqual([{ id: user.id, spent: 80, requests: 40 }])
    await restarted.flush()
    expect((await count()) - before).toBe(40)
    expect((await store.users.get(user.id))!.quota).toBe(1000 - 80)
    // Committed: no segment holds usage any more, and a third start replays nothing.
    const third = createUsageWriter({ store: switchable, intervalMs: 60_000, maxRows: 100_000, journalPath, walPrefix, log: () => {}, onReplayed: () => { throw new Error('nothing to replay') } })
    await third.stop()
    await restarted.stop()
    expect(segments().every((name) => statSync(join(directory.path, name)).size === 0)).toBe(true)
  })

  test('a kill during an outage, after spills to the journal, loses and duplicates nothing', async () => {
    const before = await count()
    reachable = false
    // No timer flushes (a minute): only recording starts flush attempts, so once abandoned it does nothing, as if killed.
    const killed = createUsageWriter({ store: switchable, intervalMs: 60_000, maxRows: 50, maxBufferedRows: 200, journalPath, walPrefix, log: () => {} })
    for (let index = 0; index < 700; index++) {
      killed.record(record(index))
      if (index % 10 === 0) await Bun.sleep(1) // failed flushes in between, which spill
    }
    await Bun.sleep(10)
    expect(killed.stats().journaledRows).toBeGreaterThan(0)
    reachable = true
    const restarted = createUsageWriter({ store: switchable, intervalMs: 20, maxRows: 50, maxBufferedRows: 200, journalPath, walPrefix, log: () => {} })
    expect(await drainedCount(restarted, before, 700)).toBe(700)
    await Bun.sleep(100)
    expect((await count()) - before).toBe(700)
    await restarted.stop()
  })
})
