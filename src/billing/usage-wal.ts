import { closeSync, fsync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { FlushBatch } from '../db/store.ts'

/**
 * The usage writer's write-ahead log: every settled record is appended to a segment file before its response can
 * leave the process, so a `kill -9` or an out-of-memory kill loses no answered request's usage. The OS keeps bytes
 * a process wrote when the process dies; `fsync` runs on a timer (off the event loop) for power loss.
 *
 * Records settled in one turn of the event loop are joined into one `write` (setImmediate after the first one):
 * one system call per turn, not per request (~5 µs each here). The relay holds a non-stream answer until
 * `written()` resolves, so no answer leaves before its usage is in the file.
 *
 * Segments: `usage-wal.<n>.jsonl`, one JSON line per record (`{"r":…}`) or per checkpoint of the writer's whole
 * queue (`{"b":…}`). A flush seals the current segment when it takes its batch; once that batch commits, every
 * segment sealed up to then holds only committed usage and is deleted. A checkpoint (after start-up replay or an
 * outage spill) writes the queue to a new segment and deletes all older ones.
 */
export interface UsageWal<Record> {
  append(record: Record): void
  /** Resolves once what is appended so far is written; undefined when nothing waits. */
  written(): Promise<void> | undefined
  /** Write what is queued and start a new segment; returns the mark `committed` takes once this batch is in. */
  seal(): number
  /** Delete the segments sealed up to `mark` (their batch committed). */
  committed(mark: number): void
  /** Replace every segment by one holding `batch` (the writer's whole queue). */
  checkpoint(batch: FlushBatch): void
  /** What the segments left by a previous process hold, in order (a line cut short by the kill is skipped). */
  replay(): { records: Record[]; batches: FlushBatch[] }
  /** Delete every segment (the queue is empty or in the outage journal). */
  clear(): void
  close(): void
}

const FSYNC_INTERVAL_MS = 1000

/** `Record` is the writer's usage record (a type parameter, so this module need not import the writer). */
export function createUsageWal<Record>(prefix: string, log: (line: string) => void): UsageWal<Record> {
  const directory = dirname(prefix)
  const stem = basename(prefix)
  const pattern = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.jsonl$`)
  const pathOf = (index: number) => join(directory, `${stem}.${index}.jsonl`)
  const existing = () => readdirSync(directory).map((name) => Number(pattern.exec(name)?.[1] ?? -1)).filter((index) => index >= 0).sort((a, b) => a - b)

  let segments = existing()
  let current = (segments.at(-1) ?? -1) + 1
  let fd = openSync(pathOf(current), 'a', 0o600)
  // Segments holding usage not yet committed, oldest first (the current one excluded).
  let sealed: number[] = [...segments]
  let lines: string[] = []
  let scheduled = false
  let dirty = false
  let waiting: { promise: Promise<void>; resolve: () => void } | undefined

  const write = () => {
    scheduled = false
    const resolve = waiting?.resolve
    waiting = undefined
    if (lines.length > 0) {
      const text = lines.length === 1 ? lines[0]! + '\n' : lines.join('\n') + '\n'
      lines = []
      try {
        writeSync(fd, text)
        dirty = true
      } catch (error) {
        // A full disk must not take requests down; the rows stay queued in memory as before there was a log.
        log(`[usage-wal] append failed (${(error as Error).message}): usage since the last flush is in memory only`)
      }
    }
    resolve?.()
  }

  const syncTimer = setInterval(() => {
    if (!dirty) return
    dirty = false
    fsync(fd, () => {})
  }, FSYNC_INTERVAL_MS)
  syncTimer.unref?.()

  const remove = (index: number) => rmSync(pathOf(index), { force: true })
  const openNext = () => {
    closeSync(fd)
    current++
    fd = openSync(pathOf(current), 'a', 0o600)
  }

  return {
    append(record) {
      lines.push(`{"r":${JSON.stringify(record)}}`)
      if (!scheduled) {
        scheduled = true
        setImmediate(write)
      }
    },
    written() {
      if (!scheduled) return undefined
      if (!waiting) {
        let resolve!: () => void
        const promise = new Promise<void>((done) => { resolve = done })
        waiting = { promise, resolve }
      }
      return waiting.promise
    },
    seal() {
      write()
      sealed.push(current)
      openNext()
      return sealed.length
    },
    committed(mark) {
      for (const index of sealed.splice(0, mark)) remove(index)
    },
    checkpoint(batch) {
      // The queue holds what the pending lines describe; the checkpoint covers them.
      lines = []
      waiting?.resolve()
      waiting = undefined
      // Written whole under a temporary name and renamed: a crash leaves the old segments or the new one.
      const next = current + 1
      const temporary = pathOf(next) + '.tmp'
      const fdNext = openSync(temporary, 'w', 0o600)
      writeSync(fdNext, `{"b":${JSON.stringify(batch)}}\n`)
      closeSync(fdNext)
      renameSync(temporary, pathOf(next))
      closeSync(fd)
      for (const index of [...sealed, current]) remove(index)
      sealed = []
      current = next
      fd = openSync(pathOf(current), 'a', 0o600)
    },
    replay() {
      const records: Record[] = []
      const batches: FlushBatch[] = []
      for (const index of segments) {
        for (const line of readFileSync(pathOf(index), 'utf8').split('\n')) {
          if (!line) continue
          let entry: { r?: Record; b?: FlushBatch }
          try { entry = JSON.parse(line) } catch { continue }
          if (entry.r) records.push(entry.r)
          else if (entry.b) batches.push(entry.b)
        }
      }
      segments = []
      return { records, batches }
    },
    clear() {
      lines = []
      waiting?.resolve()
      waiting = undefined
      closeSync(fd)
      for (const index of [...sealed, current]) remove(index)
      sealed = []
      current++
      fd = openSync(pathOf(current), 'a', 0o600)
    },
    close() {
      write()
      clearInterval(syncTimer)
      closeSync(fd)
    },
  }
}
