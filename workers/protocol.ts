/**
 * Messages between the pool (main thread) and its worker threads. Plain data only: everything is structured-cloned.
 *
 * Call order, per worker:
 *   1. the pool creates the worker and posts `configure` first; the worker answers `ready` once its code is loaded
 *      (a worker that closes before `ready` failed to start).
 *   2. count tasks: `count-chat` or `count-text` with a fresh `id`; the worker answers exactly one `count-result`
 *      or `task-error` with the same id. At most one count task runs per worker at a time. `cancel` with that id
 *      asks the worker to stop early (pending image fetches are aborted); an answer may still arrive and is ignored.
 *   3. stream conversions: `stream-open` (no answer; an error surfaces on the next request), then any number of
 *      `stream-push` and one `stream-flush`, each with a fresh `id`, answered in order with `stream-output` or
 *      `task-error`. `stream-close` drops the conversion (after flush it is dropped anyway). Requests for one
 *      conversion are handled strictly in the order posted.
 */
import type { ClientError, SseEvent, StreamConversionSpec, UpstreamError, Usage } from '../src/providers/types.ts'
import type { EncodingName } from './count-text-tokens.ts'

/**
 * How media parts of a prompt are counted. Values come from config (GET_MEDIA_TOKEN, GET_MEDIA_TOKEN_NOT_STREAM,
 * MAX_FILE_DOWNLOAD_MB, GEMINI_VISION_MAX_IMAGE_NUM); nothing reads the environment here.
 */
export interface MediaOptions {
  /** false: images cost a fixed estimate, nothing is fetched or decoded. */
  getMediaToken: boolean
  /** false: non-stream requests do not fetch or decode images (fixed estimate); stream requests still do. */
  getMediaTokenNotStream: boolean
  /** Largest image read (data URL payload or download), in MiB. */
  maxFileDownloadMb: number
  /** Limit for one image download, DNS and redirects included; default 5000 ms. */
  fetchTimeoutMs?: number
  /** Images counted per request for gemini models (the rest are dropped by the adaptor); negative = no limit. */
  geminiVisionMaxImageNum: number
  /** Hosts whose images may be fetched even though they resolve to private addresses. */
  allowPrivateHosts?: string[]
}

/** Answer to a count. `estimated` is true when any part is not an exact count (see count-chat-tokens.ts). */
export interface TokenCountResult {
  tokens: number
  estimated: boolean
  /** Why parts were estimated (unreadable image, refused URL, capped text), for logs. */
  warnings?: string[]
}

/** Pool -> worker. */
export type WorkerRequest =
  /** `conversionModule` exports createStreamConversion(spec) (default: the providers hub); `preloadEncodings` are loaded before any count. */
  | { kind: 'configure'; media: MediaOptions; conversionModule?: string; preloadEncodings: EncodingName[] }
  | { kind: 'count-chat'; id: number; model: string; body: Record<string, unknown>; stream: boolean }
  | { kind: 'count-text'; id: number; model: string; text: string | string[] }
  | { kind: 'cancel'; id: number }
  | { kind: 'stream-open'; conversionId: number; spec: StreamConversionSpec }
  | { kind: 'stream-push'; id: number; conversionId: number; events: SseEvent[] }
  | { kind: 'stream-flush'; id: number; conversionId: number }
  /** Instead of flush, when the relay itself ends the stream with an error: answers the error event(s) and usage. */
  | { kind: 'stream-fail'; id: number; conversionId: number; error: ClientError }
  | { kind: 'stream-close'; conversionId: number }

/** Worker -> pool. */
export type WorkerResponse =
  | { kind: 'ready' }
  | ({ kind: 'count-result'; id: number } & TokenCountResult)
  /** Output of a push (usage null) or of the flush (usage final: null means the upstream reported none). */
  | { kind: 'stream-output'; id: number; events: SseEvent[]; usage: Usage | null; upstreamError: UpstreamError | null }
  | { kind: 'task-error'; id: number; message: string }
