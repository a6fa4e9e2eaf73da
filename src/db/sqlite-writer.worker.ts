/// <reference lib="webworker" />
import { Database as SqliteClient } from 'bun:sqlite'
import { createSqliteFlusher, type SqliteFlusher } from './bulk-flush.ts'
import type { FlushBatch } from './types.ts'

/**
 * The SQLite writer thread: usage flushes run here, on their own connection, so the event loop never waits for
 * the disk. WAL mode lets the main thread keep reading while a flush commits; messages are handled in order.
 */
declare const self: Worker & { close(): void }

/** A flush travels as JSON text: cloning thousands of row objects costs the event loop ~6x more than stringifying them. */
export type WriterRequest = { kind: 'open'; path: string } | { kind: 'flush'; id: number; batch: string } | { kind: 'close' }
export type WriterResponse = { kind: 'done'; id: number } | { kind: 'failed'; id: number; message: string; code?: string }

let client: SqliteClient | undefined
let flusher: SqliteFlusher | undefined

self.onmessage = (event: MessageEvent<WriterRequest>) => {
  const request = event.data
  switch (request.kind) {
    case 'open':
      client = new SqliteClient(request.path, { strict: true })
      client.exec('PRAGMA journal_mode = WAL')
      client.exec('PRAGMA busy_timeout = 10000')
      client.exec('PRAGMA synchronous = NORMAL')
      flusher = createSqliteFlusher(client)
      return
    case 'flush':
      try {
        flusher!.flush(JSON.parse(request.batch) as FlushBatch)
        self.postMessage({ kind: 'done', id: request.id } satisfies WriterResponse)
      } catch (error) {
        self.postMessage({ kind: 'failed', id: request.id, message: (error as Error).message, code: (error as { code?: string }).code } satisfies WriterResponse)
      }
      return
    case 'close':
      client?.close()
      self.close()
  }
}
