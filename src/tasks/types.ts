import type { CachedChannel } from '../cache/routing.ts'
import type { TaskRow, TaskStatus } from '../db/store.ts'

/**
 * The contract of an asynchronous task family (Midjourney-Proxy, Suno…), separate from the chat one as new-api's
 * `TaskAdaptor` is. One task relay (`task-relay.ts`) and one poller (`poller.ts`) run every adaptor.
 *
 * Call order for one submit:
 *   1. the family's route validates the body and names the action: a `TaskSubmission` (or a refusal in the family's
 *      error shape, before anything is reserved);
 *   2. the relay admits the caller (token, model limits on `modelName`, group), prices `modelName`, reserves;
 *   3. per attempt the relay posts `submission.body` to `submission.path` on a channel of `channelTypes` with
 *      `submitHeaders(key)`; `readSubmit` says whether the upstream accepted it and with which upstream id;
 *   4. accepted: the task is stored and charged, `respond` answers the client; refused before acceptance: the next
 *      channel is tried when `retryable`, else the refusal is answered and the reservation refunded.
 * Then the poller, per channel and in batches of `batchSize`, sends `fetchRequest` and reads `readFetch`: each
 * state it returns moves the stored task on; a FAILURE refunds it.
 */
export interface TaskAdaptor {
  /** The `platform` column of the tasks this family stores ('mj', 'suno'). */
  platform: string
  channelTypes: readonly number[]
  /** Upstream ids asked about per fetch request (1: the upstream has no batch fetch, one GET per task). */
  batchSize: number
  submitHeaders(key: string): Record<string, string>
  /**
   * The body for one channel, when it depends on the channel (Midjourney's notify hook names it, a video model is
   * mapped); else `submission.body` as JSON (or `submission.raw` as it came).
   */
  bodyFor?(submission: TaskSubmission, channel: TaskChannel): Record<string, unknown> | RawBody | Promise<RawBody>
  readSubmit(status: number, bodyText: string, submission: TaskSubmission): SubmitOutcome
  fetchRequest(upstreamTaskIds: string[], key: string): { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }
  /** Throws on an answer it cannot read (garbage: after three rounds in a row the channel's tasks fail). */
  readFetch(bodyText: string): UpstreamTaskState[]
  /**
   * For a family priced per unit: the units a finished task delivered (a video's seconds), when the upstream says;
   * a difference from what was charged is settled at SUCCESS.
   */
  unitsOf?(state: UpstreamTaskState): number | undefined
  /** An error in the family's own shape (Midjourney `{code, description}`, Suno `{code, message, data}`). */
  errorResponse(status: number, message: string, code: string | number): Response
}

/** One submit, validated and named by the family's route. */
export interface TaskSubmission {
  /** The action in the family's names (IMAGINE, UPSCALE, MUSIC, LYRICS…). */
  action: string
  /** Billing name: model limits, routing and price are looked up by it (`mj_imagine`, `suno_music`). */
  modelName: string
  /** Path on the channel, after its base URL (`/mj/submit/imagine`). */
  path: string
  body: Record<string, unknown>
  /** A follow-up action on this earlier task (public id): sent to the channel that produced it. */
  origin?: TaskRow
  /** Free actions (Midjourney INPAINT, CUSTOM_ZOOM): nothing is reserved or charged. */
  free?: boolean
  /** What the stored task remembers of the request (prompt, title…). */
  properties: Record<string, unknown>
  /** A body forwarded as the client sent it (a multipart upload), instead of `body` as JSON. */
  raw?: RawBody
  /** That upload's form as parsed (its fields are also in `body`), for an adaptor that must rebuild it. */
  form?: FormData
  /** The price is per unit (a second of video): the per-call price times this; 1 when absent. */
  units?: number
  /** What the consume row was billed for (`seconds`…), added to its `other`. */
  billedFor?: Record<string, string | number>
}

/** Bytes with their content type (a multipart form keeps its boundary). */
export interface RawBody { bytes: Uint8Array; contentType: string }

/** What a submit answer means. */
export type SubmitOutcome =
  | {
      accepted: true
      upstreamTaskId: string
      /** Status and progress known at submit (a Midjourney "already exists" may be SUCCESS at once). */
      status: TaskStatus
      progress: string
      data?: unknown
      /** What the client is answered (the family's own shape), with `{publicId}` still to fill where needed. */
      clientBody: (publicId: string) => string
      message: string
    }
  | {
      accepted: false
      /** Another channel may succeed (network errors, 5xx, no account on this proxy). */
      retryable: boolean
      status: number
      message: string
      code: string | number
      /** The upstream says this channel cannot serve (Midjourney code 3: no account instance). */
      disableChannel?: boolean
    }

/** One task as the upstream reports it on a fetch. */
export interface UpstreamTaskState {
  upstreamTaskId: string
  status: TaskStatus
  progress: string
  failReason: string
  /** Unix seconds, when the upstream says. */
  startTime?: number
  finishTime?: number
  /** The upstream's payload for the task (Midjourney DTO, Suno clips), kept in `data`. */
  data: unknown
}

/** A channel a task may be sent to or polled on. */
export type TaskChannel = CachedChannel
