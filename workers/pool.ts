/**
 * A fixed pool of Bun Workers that keeps CPU work (token counting, stream format conversion) off the event loop
 * that serves requests.
 *
 * Guarantees the relay relies on:
 * - A count never waits without limit: when every worker is busy and the queue holds `queueLimit` tasks, the
 *   count resolves at once with a main-thread estimate (`estimated: true`).
 * - A count is never lost: a worker that dies mid-task is replaced and the task retried once on the fresh worker;
 *   if that fails too, or the task outlives `taskTimeoutMs` (it is cancelled; a worker that cannot stop is
 *   replaced), the count resolves with an estimate. Counts never reject except when their AbortSignal fires.
 * - A stream conversion is pinned to one worker (its state lives there). If that worker dies, the conversion is
 *   rebuilt on a fresh worker by replaying the events it has been pushed so far (once, and only while that
 *   history is under `replayLimitCharacters`); otherwise the pending call rejects and the relay ends the stream.
 *
 * Workers start lazily (on first use) unless `eagerStart` is set. Measured on Bun 1.4.5, pool of 2: idle RSS
 * 36 MB lazy vs 44 MB eager (~4 MB per idle worker); what costs memory is an encoding, loaded by a worker's
 * first count that needs it (~55 MB for o200k, ~38 MB for cl100k, ~0.3-0.7 s). `preloadEncodings` moves that
 * cost to start-up (idle 156 MB, first count 3 ms instead of ~600 ms); counting is off the request path, so the
 * default is lazy on both counts.
 */
import type { ClientError, SseEvent, StreamConversionSpec, UpstreamError, Usage } from '../src/providers/types.ts'
import type { EncodingName } from './count-text-tokens.ts'
import { estimateChatPromptTokens, estimateTextTokens } from './estimate-tokens.ts'
import type { MediaOptions, TokenCountResult, WorkerRequest, WorkerResponse } from './protocol.ts'
import { workerEntry } from '../src/runtime-paths.ts'

export interface WorkerPoolOptions {
  /** Number of worker threads (config default: the number of cores). */
  size: number
  /** Count tasks allowed to wait for a free worker; beyond it counts are estimated at once. Default size x 16. */
  queueLimit?: number
  media: MediaOptions
  /** Start every worker at creation instead of on first use (trades idle memory for first-call latency). */
  eagerStart?: boolean
  /** Encodings each worker loads as soon as it starts (default none: loaded by the first count that needs one). */
  preloadEncodings?: EncodingName[]
  /** A count running longer than this is answered with an estimate and cancelled; a worker that does not stop is replaced. Default 30 s. */
  taskTimeoutMs?: number
  /** Module (path or URL) exporting `createStreamConversion(spec)`, imported inside workers. Default: the providers hub. */
  conversionModule?: string
  /** Largest stream history (characters of event data) kept to rebuild a conversion after a worker dies. Default 8 M. */
  replayLimitCharacters?: number
}

export interface WorkerPoolStats {
  size: number
  /** Workers running a count. */
  busy: number
  /** Counts waiting for a worker. */
  queued: number
  /** Workers replaced after dying or being stopped as stuck. */
  restarts: number
  /** Workers currently started. */
  started: number
  /** Open stream conversions. */
  streams: number
}

/** A stream conversion running in a worker. Call order: push* then flush() or fail(); cancel() at any time. */
export interface WorkerStreamConversion {
  /** Converted events for this batch of upstream events. */
  push(events: SseEvent[]): Promise<SseEvent[]>
  /** Closing events and the final usage (null: the upstream reported none). The conversion is done after it. */
  flush(): Promise<{ events: SseEvent[]; usage: Usage | null; upstreamError: UpstreamError | null }>
  /** Instead of flush when the relay ends the stream with an error: the inbound format's error event(s) and usage. */
  fail(error: ClientError): Promise<{ events: SseEvent[]; usage: Usage | null }>
  /** Drops the conversion (client gone); pending and later calls reject. */
  cancel(): void
}

/** Raised inside the pool when a worker dies under a stream request; surfaces if the conversion cannot be rebuilt. */
export class WorkerDiedError extends Error {
  constructor(message = 'worker thread died') {
    super(message)
    this.name = 'WorkerDiedError'
  }
}

type CountRequest = Extract<WorkerRequest, { kind: 'count-chat' } | { kind: 'count-text' }>

interface CountTask {
  request: CountRequest
  estimate: () => number
  resolve(result: TokenCountResult): void
  reject(error: unknown): void
  attempts: number
  settled: boolean
  signal?: AbortSignal
  removeAbortListener?: () => void
  timer?: ReturnType<typeof setTimeout>
}

interface PendingStreamRequest {
  resolve(message: Extract<WorkerResponse, { kind: 'stream-output' }>): void
  reject(error: unknown): void
}

/** Bun's Worker (ref/unref); the DOM lib in tsconfig would otherwise hide those methods from the global type. */
type BunWorker = Bun.Worker

interface WorkerSlot {
  worker: BunWorker | null
  /** The worker posted `ready` (it loaded and was configured). */
  ready: boolean
  task: CountTask | null
  streamRequests: Map<number, PendingStreamRequest>
  conversions: Set<PooledConversion>
}

const defaultTaskTimeoutMs = 30_000
const defaultReplayLimitCharacters = 8 * 1024 * 1024
/** After this many workers in a row die before `ready`, spawning pauses (a broken install must not spin). */
const startFailureLimit = 3
const spawnPauseMs = 30_000
const stuckWorkerGraceMs = 1000

const workerUrl = workerEntry('workers/pool.worker.ts')

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted.', 'AbortError')
}

export class WorkerPool {
  private readonly slots: WorkerSlot[]
  private readonly queue: CountTask[] = []
  private readonly queueLimit: number
  private readonly taskTimeoutMs: number
  private readonly replayLimitCharacters: number
  private readonly conversionModule: string | undefined
  private readonly preloadEncodings: EncodingName[]
  private nextId = 1
  private restarts = 0
  private consecutiveStartFailures = 0
  private spawnPausedUntil = 0
  private closed = false

  static create(options: WorkerPoolOptions): WorkerPool {
    return new WorkerPool(options)
  }

  private constructor(private readonly options: WorkerPoolOptions) {
    const size = Math.max(1, Math.floor(options.size))
    this.queueLimit = options.queueLimit ?? size * 16
    this.taskTimeoutMs = options.taskTimeoutMs ?? defaultTaskTimeoutMs
    this.replayLimitCharacters = options.replayLimitCharacters ?? defaultReplayLimitCharacters
    this.conversionModule = options.conversionModule
    this.preloadEncodings = options.preloadEncodings ?? []
    this.slots = Array.from({ length: size }, () => ({ worker: null, ready: false, task: null, streamRequests: new Map(), conversions: new Set() }))
    if (options.eagerStart) for (const slot of this.slots) this.spawn(slot)
  }

  countChatPromptTokens(model: string, body: Record<string, unknown>, options: { stream?: boolean; signal?: AbortSignal } = {}): Promise<TokenCountResult> {
    return this.submitCount(
      { kind: 'count-chat', id: this.nextId++, model, body, stream: options.stream ?? false },
      () => estimateChatPromptTokens(model, body),
      options.signal,
    )
  }

  countTextTokens(model: string, text: string | string[], options: { signal?: AbortSignal } = {}): Promise<TokenCountResult> {
    return this.submitCount({ kind: 'count-text', id: this.nextId++, model, text }, () => estimateTextTokens(text), options.signal)
  }

  runStreamConversion(spec: StreamConversionSpec): WorkerStreamConversion {
    if (this.closed) throw new Error('worker pool is closed')
    return new PooledConversion(this, spec, this.nextId++)
  }

  stats(): WorkerPoolStats {
    let busy = 0
    let started = 0
    let streams = 0
    for (const slot of this.slots) {
      if (slot.task) busy++
      if (slot.worker) started++
      streams += slot.conversions.size
    }
    return { size: this.slots.length, busy, queued: this.queue.length, restarts: this.restarts, started, streams }
  }

  /**
   * Stops worker `index` as if it had crashed (it is replaced and its work recovered as described above).
   * For operations (recycling a worker) and for the crash-recovery tests. False when that worker is not running.
   */
  terminateWorker(index: number): boolean {
    const worker = this.slots[index]?.worker
    if (!worker) return false
    worker.terminate()
    return true
  }

  /** Settles every count (with estimates), rejects open streams, stops the workers. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const task of this.queue.splice(0)) this.settleWithEstimate(task, 'pool-closed')
    const stopped: Promise<void>[] = []
    for (const slot of this.slots) {
      if (slot.task) this.settleWithEstimate(slot.task, 'pool-closed')
      slot.task = null
      this.failStreamRequests(slot, new Error('worker pool closed'))
      const worker = slot.worker
      if (!worker) continue
      slot.worker = null
      stopped.push(
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000)
          worker.addEventListener('close', () => {
            clearTimeout(timer)
            resolve()
          })
          worker.terminate()
        }),
      )
    }
    await Promise.all(stopped)
  }

  // ---- counts ----

  private submitCount(request: CountRequest, estimate: () => number, signal?: AbortSignal): Promise<TokenCountResult> {
    if (signal?.aborted) return Promise.reject(abortError(signal))
    return new Promise<TokenCountResult>((resolve, reject) => {
      const task: CountTask = { request, estimate, resolve, reject, attempts: 0, settled: false, signal }
      if (this.closed) return this.settleWithEstimate(task, 'pool-closed')
      if (signal) {
        const onAbort = () => this.abortTask(task)
        signal.addEventListener('abort', onAbort, { once: true })
        task.removeAbortListener = () => signal.removeEventListener('abort', onAbort)
      }
      const slot = this.findIdleSlot()
      if (slot) return this.assign(slot, task)
      if (this.queue.length >= this.queueLimit) return this.settleWithEstimate(task, 'queue-full')
      this.queue.push(task)
    })
  }

  /** A slot that can take a count now: a started worker without one first, else an unstarted slot (started here). */
  private findIdleSlot(): WorkerSlot | null {
    const running = this.slots.find((slot) => slot.worker && !slot.task)
    if (running) return running
    if (Date.now() < this.spawnPausedUntil) return null
    const unstarted = this.slots.find((slot) => !slot.worker)
    if (!unstarted) return null
    this.spawn(unstarted)
    return unstarted.worker ? unstarted : null
  }

  private assign(slot: WorkerSlot, task: CountTask): void {
    slot.task = task
    task.attempts++
    slot.worker!.ref()
    clearTimeout(task.timer)
    task.timer = setTimeout(() => this.onTaskTimeout(slot, task), this.taskTimeoutMs)
    try {
      slot.worker!.postMessage(task.request)
    } catch (error) {
      // A body that cannot be structured-cloned (not from JSON.parse) still gets an answer.
      slot.task = null
      this.settleWithEstimate(task, `not-cloneable: ${(error as Error).message}`)
      this.releaseRefIfIdle(slot)
    }
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.findIdleSlot()
      if (!slot) break
      const task = this.queue.shift()!
      if (!task.settled) this.assign(slot, task)
    }
    // Nothing can run them: no worker is alive and none may be started now.
    if (this.queue.length > 0 && this.slots.every((slot) => !slot.worker) && Date.now() < this.spawnPausedUntil) {
      for (const task of this.queue.splice(0)) this.settleWithEstimate(task, 'workers-unavailable')
    }
  }

  private settle(task: CountTask, result: TokenCountResult): void {
    if (task.settled) return
    task.settled = true
    clearTimeout(task.timer)
    task.removeAbortListener?.()
    task.resolve(result)
  }

  private settleWithEstimate(task: CountTask, reason: string): void {
    if (task.settled) return
    let tokens = 0
    try {
      tokens = task.estimate()
    } catch {
      // A body the estimator cannot walk still gets an answer.
    }
    this.settle(task, { tokens, estimated: true, warnings: [reason] })
  }

  private abortTask(task: CountTask): void {
    if (task.settled) return
    const queued = this.queue.indexOf(task)
    if (queued >= 0) this.queue.splice(queued, 1)
    const slot = this.slots.find((candidate) => candidate.task === task)
    if (slot?.worker) slot.worker.postMessage({ kind: 'cancel', id: task.request.id } satisfies WorkerRequest)
    task.settled = true
    clearTimeout(task.timer)
    task.reject(abortError(task.signal!))
    // The slot stays busy until the worker answers: its thread is still computing.
  }

  /**
   * The caller gets an estimate now. A worker waiting on I/O (image downloads) answers the cancel at once and is
   * kept; one that does not answer within a grace period (the timeout again, at least 1 s) is stuck in
   * computation and is replaced.
   */
  private onTaskTimeout(slot: WorkerSlot, task: CountTask): void {
    if (slot.task !== task) return
    this.settleWithEstimate(task, 'worker-timeout')
    slot.worker?.postMessage({ kind: 'cancel', id: task.request.id } satisfies WorkerRequest)
    // Loading an encoding blocks a fresh worker for ~0.3-1 s, longer on a busy machine: give at least that.
    task.timer = setTimeout(() => {
      if (slot.task === task) slot.worker?.terminate()
    }, Math.max(stuckWorkerGraceMs, this.taskTimeoutMs))
  }

  private finishTask(slot: WorkerSlot, id: number, result: TokenCountResult | null, failure?: string): void {
    const task = slot.task
    if (!task || task.request.id !== id) return
    slot.task = null
    clearTimeout(task.timer)
    if (result) this.settle(task, result)
    else this.settleWithEstimate(task, `worker-error: ${failure}`)
    this.releaseRefIfIdle(slot)
    this.pump()
  }

  // ---- workers ----

  private spawn(slot: WorkerSlot): void {
    if (this.closed) return
    let worker: BunWorker
    try {
      worker = new Worker(workerUrl) as unknown as BunWorker
    } catch {
      this.recordStartFailure()
      return
    }
    slot.worker = worker
    slot.ready = false
    worker.addEventListener('message', (event) => {
      if (slot.worker === worker) this.onMessage(slot, (event as MessageEvent<WorkerResponse>).data)
    })
    worker.addEventListener('error', () => {
      // An uncaught error ends the worker; make sure the close below follows.
      worker.terminate()
    })
    worker.addEventListener('close', () => {
      if (slot.worker === worker) this.onWorkerClosed(slot)
    })
    worker.postMessage({
      kind: 'configure',
      media: this.options.media,
      conversionModule: this.conversionModule,
      preloadEncodings: this.preloadEncodings,
    } satisfies WorkerRequest)
    worker.unref()
  }

  /** New media settings (the console may override the environment); running workers take them at once. */
  setMediaOptions(media: MediaOptions): void {
    this.options.media = media
    for (const slot of this.slots) {
      slot.worker?.postMessage({ kind: 'configure', media, conversionModule: this.conversionModule, preloadEncodings: [] } satisfies WorkerRequest)
    }
  }

  private recordStartFailure(): void {
    this.consecutiveStartFailures++
    if (this.consecutiveStartFailures >= startFailureLimit) {
      this.spawnPausedUntil = Date.now() + spawnPauseMs
      this.consecutiveStartFailures = 0
    }
  }

  private releaseRefIfIdle(slot: WorkerSlot): void {
    if (slot.worker && !slot.task && slot.streamRequests.size === 0) slot.worker.unref()
  }

  private onMessage(slot: WorkerSlot, message: WorkerResponse): void {
    switch (message.kind) {
      case 'ready':
        slot.ready = true
        this.consecutiveStartFailures = 0
        return
      case 'count-result': {
        const { kind: _kind, id, ...result } = message
        this.finishTask(slot, id, result)
        return
      }
      case 'stream-output':
      case 'task-error': {
        const pending = slot.streamRequests.get(message.id)
        if (pending) {
          slot.streamRequests.delete(message.id)
          if (message.kind === 'stream-output') pending.resolve(message)
          else pending.reject(new Error(message.message))
          this.releaseRefIfIdle(slot)
          return
        }
        if (message.kind === 'task-error') this.finishTask(slot, message.id, null, message.message)
        return
      }
    }
  }

  private onWorkerClosed(slot: WorkerSlot): void {
    const wasReady = slot.ready
    slot.worker = null
    slot.ready = false
    if (this.closed) return
    this.restarts++
    if (!wasReady) this.recordStartFailure()
    const task = slot.task
    slot.task = null
    if (task && !task.settled) {
      clearTimeout(task.timer)
      if (task.attempts < 2) this.queue.unshift(task)
      else this.settleWithEstimate(task, 'worker-died')
    }
    this.failStreamRequests(slot, new WorkerDiedError())
    // Conversions pinned here are rebuilt by their next call (see PooledConversion.run).
    for (const conversion of slot.conversions) conversion.detachFromDeadWorker()
    slot.conversions.clear()
    this.pump()
  }

  private failStreamRequests(slot: WorkerSlot, error: Error): void {
    const pending = [...slot.streamRequests.values()]
    slot.streamRequests.clear()
    for (const request of pending) request.reject(error)
  }

  // ---- stream conversions (used by PooledConversion) ----

  /** Pins a conversion to the worker with the fewest conversions, preferring one not running a count. */
  attachConversion(conversion: PooledConversion, spec: StreamConversionSpec): WorkerSlot {
    if (this.closed) throw new Error('worker pool is closed')
    const candidates = [...this.slots].sort(
      (left, right) => Number(!!left.task) - Number(!!right.task) || left.conversions.size - right.conversions.size || Number(!left.worker) - Number(!right.worker),
    )
    const slot = candidates[0]!
    if (!slot.worker) this.spawn(slot)
    if (!slot.worker) throw new WorkerDiedError('no worker could be started')
    slot.conversions.add(conversion)
    slot.worker.postMessage({ kind: 'stream-open', conversionId: conversion.conversionId, spec } satisfies WorkerRequest)
    return slot
  }

  detachConversion(conversion: PooledConversion, slot: WorkerSlot | null, closeInWorker: boolean): void {
    if (!slot) return
    slot.conversions.delete(conversion)
    if (closeInWorker && slot.worker) slot.worker.postMessage({ kind: 'stream-close', conversionId: conversion.conversionId } satisfies WorkerRequest)
  }

  sendStreamRequest(
    slot: WorkerSlot,
    request: Extract<WorkerRequest, { kind: 'stream-push' } | { kind: 'stream-flush' } | { kind: 'stream-fail' }>,
  ): Promise<Extract<WorkerResponse, { kind: 'stream-output' }>> {
    const worker = slot.worker
    if (!worker) return Promise.reject(new WorkerDiedError())
    return new Promise((resolve, reject) => {
      slot.streamRequests.set(request.id, { resolve, reject })
      worker.ref()
      worker.postMessage(request)
    })
  }

  newRequestId(): number {
    return this.nextId++
  }

  get replayLimit(): number {
    return this.replayLimitCharacters
  }
}

type StreamOperation =
  | { kind: 'push'; events: SseEvent[] }
  | { kind: 'flush' }
  | { kind: 'fail'; error: ClientError }

class PooledConversion implements WorkerStreamConversion {
  private slot: WorkerSlot | null = null
  private chain: Promise<unknown> = Promise.resolve()
  /** Batches pushed so far, to rebuild the conversion's state on a fresh worker. */
  private readonly history: SseEvent[][] = []
  private historyCharacters = 0
  private rebuilt = false
  private finished = false
  private cancelled = false

  constructor(
    private readonly pool: WorkerPool,
    private readonly spec: StreamConversionSpec,
    readonly conversionId: number,
  ) {
    this.slot = pool.attachConversion(this, spec)
  }

  push(events: SseEvent[]): Promise<SseEvent[]> {
    return this.enqueue({ kind: 'push', events }).then((output) => output.events)
  }

  flush(): Promise<{ events: SseEvent[]; usage: Usage | null; upstreamError: UpstreamError | null }> {
    return this.enqueue({ kind: 'flush' }).then((output) => ({ events: output.events, usage: output.usage, upstreamError: output.upstreamError }))
  }

  fail(error: ClientError): Promise<{ events: SseEvent[]; usage: Usage | null }> {
    return this.enqueue({ kind: 'fail', error }).then((output) => ({ events: output.events, usage: output.usage }))
  }

  cancel(): void {
    if (this.cancelled || this.finished) return
    this.cancelled = true
    this.pool.detachConversion(this, this.slot, true)
    this.slot = null
  }

  /** Called by the pool when this conversion's worker died; the next call rebuilds it. */
  detachFromDeadWorker(): void {
    this.slot = null
  }

  private enqueue(operation: StreamOperation): Promise<Extract<WorkerResponse, { kind: 'stream-output' }>> {
    const result = this.chain.then(() => this.run(operation))
    // Later calls wait for this one whether it succeeds or not.
    this.chain = result.catch(() => {})
    return result
  }

  private async run(operation: StreamOperation): Promise<Extract<WorkerResponse, { kind: 'stream-output' }>> {
    if (this.cancelled) throw new Error('stream conversion was cancelled')
    if (this.finished) throw new Error('stream conversion already finished')
    let output: Extract<WorkerResponse, { kind: 'stream-output' }>
    try {
      if (!this.slot) await this.rebuild()
      output = await this.send(operation)
    } catch (error) {
      if (!(error instanceof WorkerDiedError) || this.rebuilt || this.cancelled) throw error
      await this.rebuild()
      output = await this.send(operation)
    }
    if (operation.kind === 'push') this.remember(operation.events)
    else {
      this.finished = true
      this.pool.detachConversion(this, this.slot, false)
      this.slot = null
    }
    return output
  }

  private send(operation: StreamOperation): Promise<Extract<WorkerResponse, { kind: 'stream-output' }>> {
    if (!this.slot) return Promise.reject(new WorkerDiedError())
    const id = this.pool.newRequestId()
    const request =
      operation.kind === 'push'
        ? ({ kind: 'stream-push', id, conversionId: this.conversionId, events: operation.events } as const)
        : operation.kind === 'flush'
          ? ({ kind: 'stream-flush', id, conversionId: this.conversionId } as const)
          : ({ kind: 'stream-fail', id, conversionId: this.conversionId, error: operation.error } as const)
    return this.pool.sendStreamRequest(this.slot, request)
  }

  private remember(events: SseEvent[]): void {
    if (this.historyCharacters > this.pool.replayLimit) return
    this.history.push(events)
    for (const event of events) this.historyCharacters += event.data.length + (event.event?.length ?? 0)
  }

  /** Re-creates the conversion on a live worker and replays what it had been pushed (outputs already delivered). */
  private async rebuild(): Promise<void> {
    if (this.rebuilt) throw new WorkerDiedError('worker died again while the stream conversion was being rebuilt')
    if (this.historyCharacters > this.pool.replayLimit) throw new WorkerDiedError('worker died and the stream is too long to rebuild')
    this.rebuilt = true
    this.slot = this.pool.attachConversion(this, this.spec)
    if (this.history.length > 0) await this.send({ kind: 'push', events: this.history.flat() })
  }
}

/** The factory the server's entrypoint calls with values from src/config.ts. */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  return WorkerPool.create(options)
}
