import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import type { FlushBatch, NewLog, QuotaDataIncrement, QuotaDelta, Store } from '../db/store.ts'
import { createUsageWal, type UsageWal } from './usage-wal.ts'

/** One finished request (or error, refund, test) as the writer takes it. */
export interface UsageRecord {
  log: NewLog
  /** False when consume logging is off: the books still move, no row is written. */
  keepRow?: boolean
  /** Quota charged: lowers user and token quota, raises used quota (0 for error rows). */
  spent: number
  /** Whether this counts as a request for the user's request_count and the hourly aggregates. */
  countRequest: boolean
  tokensUsed: number
}

export interface UsageWriterOptions {
  store: Store
  intervalMs: number
  /** Flush as soon as this many rows wait. */
  maxRows: number
  /** Rows kept in memory while the database is unreachable; older ones go to the journal file. */
  maxBufferedRows?: number
  journalPath: string
  /**
   * Write-ahead log of settled records (`<prefix>.<n>.jsonl`, see usage-wal.ts): answered requests' usage survives
   * the process being killed. Unset: memory only until each flush (tests of other parts).
   */
  walPrefix?: string
  /** Usage replayed at start (the log and the journal a previous process left): spent, not yet in the database. */
  onReplayed?: (batch: FlushBatch) => void
  /** Called after each committed flush with its deltas, in the same tick (the quota ledger moves them). */
  onCommitted?: (batch: FlushBatch) => void
  log?: (line: string) => void
}

export interface UsageWriter {
  record(record: UsageRecord): void
  /** Resolves once the records so far are in the write-ahead log; undefined when none waits (or there is no log). */
  durable(): Promise<void> | undefined
  /** Flush now; resolves when this flush committed (or failed and was kept for retry). */
  flush(): Promise<void>
  /** Final flush at shutdown; whatever cannot be written goes to the journal. */
  stop(): Promise<void>
  /** Increments on every committed flush (caches use it to detect reads racing a flush). */
  readonly epoch: number
  stats(): { queuedRows: number; journaledRows: number; flushes: number; failures: number }
}

const HOUR = 3600

function emptyBatch(): FlushBatch {
  return { logs: [], users: [], tokens: [], channels: [], quotaData: [] }
}

/**
 * Batched usage writer. Rows and their quota deltas are queued and flushed together in one transaction per
 * interval (or per `maxRows`), so a busy gateway does one write per second instead of one per request. While the
 * database is down nothing is dropped: rows stay queued (bounded) and the overflow is appended to a journal file,
 * replayed once the database answers again, and at the next start.
 */
export function createUsageWriter(options: UsageWriterOptions): UsageWriter {
  const log = options.log ?? ((line: string) => console.warn(line))
  const maxBufferedRows = options.maxBufferedRows ?? 100_000
  // Past the bound the oldest rows go to the journal a tenth of the bound at a time: one file write per
  // ~10 000 requests during an outage, not one per request.
  const spillChunk = Math.max(1, Math.floor(maxBufferedRows / 10))
  // The spilled rows are in the journal now: the write-ahead log is rewritten to hold only what is still queued.
  // Lines of at most a chunk each, so a replay can always take a line back into the bounded queue.
  const spillOverflow = () => {
    const overflow = rows.splice(0, rows.length - maxBufferedRows + spillChunk)
    const batches: FlushBatch[] = []
    for (let start = 0; start < overflow.length; start += spillChunk) batches.push({ ...emptyBatch(), logs: overflow.slice(start, start + spillChunk) })
    spill(...batches)
    wal?.checkpoint(queued())
  }
  let rows: NewLog[] = []
  let users = new Map<number, QuotaDelta>()
  let tokens = new Map<number, QuotaDelta>()
  let channels = new Map<number, QuotaDelta>()
  let quotaData = new Map<string, QuotaDataIncrement>()
  let epoch = 0
  let flushes = 0
  let failures = 0
  let journaledRows = 0
  let running: Promise<void> | undefined
  let retryDelayMs = options.intervalMs
  let stopped = false
  const wal: UsageWal<UsageRecord> | undefined = options.walPrefix ? createUsageWal<UsageRecord>(options.walPrefix, log) : undefined
  /** The whole queue as a batch, without taking it (a checkpoint of the write-ahead log). */
  const queued = (): FlushBatch => ({ logs: rows, users: [...users.values()], tokens: [...tokens.values()], channels: [...channels.values()], quotaData: [...quotaData.values()] })

  const addDelta = (map: Map<number, QuotaDelta>, id: number, spent: number, requests: number) => {
    if (!id) return
    const delta = map.get(id)
    if (delta) {
      delta.spent += spent
      delta.requests = (delta.requests ?? 0) + requests
    } else {
      map.set(id, { id, spent, requests })
    }
  }

  const mergeBatch = (batch: FlushBatch, front: boolean) => {
    // Appending pushes (replaying a journal merges line after line: copying the queue per line was quadratic).
    if (front) rows = batch.logs.concat(rows)
    else for (const row of batch.logs) rows.push(row)
    for (const delta of batch.users) addDelta(users, delta.id, delta.spent, delta.requests ?? 0)
    for (const delta of batch.tokens) addDelta(tokens, delta.id, delta.spent, 0)
    for (const delta of batch.channels) addDelta(channels, delta.id, delta.spent, 0)
    for (const increment of batch.quotaData) addIncrement(increment)
  }

  const addIncrement = (increment: QuotaDataIncrement) => {
    const key = `${increment.createdAt}|${increment.userId}|${increment.tokenId}|${increment.channelId}|${increment.modelName}|${increment.useGroup}`
    const existing = quotaData.get(key)
    if (existing) {
      existing.count += increment.count
      existing.quota += increment.quota
      existing.tokenUsed += increment.tokenUsed
    } else {
      quotaData.set(key, { ...increment })
    }
  }

  const takeBatch = (): FlushBatch => {
    const batch = { logs: rows, users: [...users.values()], tokens: [...tokens.values()], channels: [...channels.values()], quotaData: [...quotaData.values()] }
    rows = []
    users = new Map()
    tokens = new Map()
    channels = new Map()
    quotaData = new Map()
    return batch
  }

  const spill = (...batches: FlushBatch[]) => {
    appendFileSync(options.journalPath, batches.map((batch) => JSON.stringify(batch) + '\n').join(''), { mode: 0o600 })
    for (const batch of batches) journaledRows += batch.logs.length
  }

  /**
   * Load journaled batches back into the queue. Bounded: what does not fit stays in the journal, which is replaced
   * atomically (a crash at any point leaves either the whole old journal or the remainder, never both).
   * Linear in the journal's size.
   */
  const replayJournal = () => {
    if (!existsSync(options.journalPath)) return
    const lines = readFileSync(options.journalPath, 'utf8').split('\n').filter(Boolean)
    const leftover: string[] = []
    let leftoverRows = 0
    for (const line of lines) {
      const batch = JSON.parse(line) as FlushBatch
      if (leftover.length > 0 || rows.length + batch.logs.length > maxBufferedRows) {
        leftover.push(line)
        leftoverRows += batch.logs.length
      } else mergeBatch(batch, false)
    }
    if (leftover.length > 0) {
      const remainder = options.journalPath + '.remainder'
      writeFileSync(remainder, leftover.join('\n') + '\n', { mode: 0o600 })
      renameSync(remainder, options.journalPath)
    } else rmSync(options.journalPath)
    journaledRows = leftoverRows
  }

  const runFlush = async () => {
    const batch = takeBatch()
    if (batch.logs.length + batch.users.length + batch.tokens.length + batch.channels.length + batch.quotaData.length === 0) return
    let walMark: number | undefined
    try {
      // Inside the try: a write-ahead log that cannot roll over (its folder gone) fails this flush like the database
      // would, keeping the rows for the retry, instead of throwing them away with an unhandled rejection.
      walMark = wal?.seal()
      await options.store.flush(batch)
      epoch++
      flushes++
      options.onCommitted?.(batch)
      if (walMark !== undefined) wal!.committed(walMark)
      if (retryDelayMs !== options.intervalMs) log('[usage-writer] database reachable again; queued usage written')
      retryDelayMs = options.intervalMs
      if (journaledRows > 0 && rows.length < maxBufferedRows / 2) {
        replayJournal()
        wal?.checkpoint(queued())
      }
    } catch (error) {
      failures++
      mergeBatch(batch, true)
      retryDelayMs = Math.min(retryDelayMs * 2, 10_000)
      log(`[usage-writer] flush of ${batch.logs.length} rows failed (${(error as Error).message}); kept for retry in ${retryDelayMs} ms`)
      if (rows.length > maxBufferedRows) spillOverflow()
    }
  }

  const flushOnce = (): Promise<void> => {
    running ??= runFlush().finally(() => {
      running = undefined
      // A full batch queued while this flush ran goes next, not at the next tick of the interval.
      if (rows.length >= options.maxRows && !stopped && retryDelayMs === options.intervalMs) void flushOnce()
    })
    return running
  }
  /** Covers everything recorded before the call: a flush already under way took only what was queued then. */
  const flush = async () => {
    if (running) await running
    await flushOnce()
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  const schedule = () => {
    if (stopped) return
    timer = setTimeout(async () => {
      await flushOnce()
      schedule()
    }, retryDelayMs)
    timer.unref?.()
  }

  /** Queue one record (no write-ahead: `record` adds that, replay does not). */
  const apply = (record: UsageRecord) => {
    if (record.keepRow !== false) rows.push(record.log)
    const { userId = 0, tokenId = 0, channelId = 0 } = record.log
    const requests = record.countRequest ? 1 : 0
    if (record.spent !== 0 || requests) {
      addDelta(users, userId, record.spent, requests)
      addDelta(tokens, tokenId, record.spent, 0)
      addDelta(channels, channelId, record.spent, 0)
    }
    if (record.countRequest) {
      addIncrement({
        userId, username: record.log.username ?? '', modelName: record.log.modelName ?? '', useGroup: record.log.group ?? '',
        createdAt: record.log.createdAt - (record.log.createdAt % HOUR), tokenId, channelId,
        tokenUsed: record.tokensUsed, count: 1, quota: record.spent,
      })
    }
  }

  /** What a previous process left: the outage journal, then the write-ahead log (answered, never flushed). */
  const replayAtStart = () => {
    if (existsSync(options.journalPath)) {
      replayJournal()
      log(`[usage-writer] replaying ${rows.length} usage rows journaled while the database was unreachable`)
    }
    const before = rows.length
    const left = wal?.replay()
    if (left) {
      for (const batch of left.batches) mergeBatch(batch, false)
      for (const record of left.records) apply(record)
      if (rows.length > before) log(`[usage-writer] recovered ${rows.length - before} usage rows a previous process answered but did not flush`)
    }
    const recovered = queued()
    if (recovered.logs.length + recovered.users.length + recovered.tokens.length === 0) return
    options.onReplayed?.(recovered)
    wal?.checkpoint(recovered)
  }
  replayAtStart()
  schedule()

  return {
    record(record) {
      apply(record)
      wal?.append(record)
      if (rows.length >= options.maxRows && !running) void flushOnce()
      // Not while a flush is under way: the write-ahead log's checkpoint must see the whole queue.
      if (rows.length > maxBufferedRows && !running) spillOverflow()
    },
    durable: () => wal?.written(),
    flush,
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      for (let attempt = 0; attempt < 3; attempt++) {
        await running
        await flush()
        if (rows.length === 0 && users.size === 0 && tokens.size === 0 && quotaData.size === 0) {
          wal?.clear()
          wal?.close()
          return
        }
        await Bun.sleep(200)
      }
      const rest = takeBatch()
      spill(rest)
      wal?.clear()
      wal?.close()
      log(`[usage-writer] database unreachable at shutdown: ${rest.logs.length} rows journaled to ${options.journalPath}, replayed at next start`)
    },
    get epoch() { return epoch },
    stats: () => ({ queuedRows: rows.length, journaledRows, flushes, failures }),
  }
}
