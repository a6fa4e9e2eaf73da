import { GatewayError } from '../errors.ts'

/** What a client-facing stream pulls from: one step of upstream bytes turned into client bytes at a time. */
export interface StreamSource {
  next(): Promise<{ done: boolean; out: Uint8Array | string | null }>
  cancel(): void
  /** Settle the request; `completed` is false when the stream broke or the client left. */
  finish(completed: boolean): Promise<void>
  /** Builds the closing error events before errorEvent() is read (a worker conversion answers asynchronously). */
  prepareError?(message: string): Promise<void>
  /** The final event telling the client the stream failed (the headers are long gone). */
  errorEvent(message: string): string
}

/** One open stream as the silence sweep sees it. */
interface SilenceWatch {
  idleMs: number
  /** When the pending upstream read started (ms since epoch); 0 while none is pending. */
  waitingSince: number
  timedOut: boolean
  expire(): void
}

/** How often open streams are checked for upstream silence (STREAMING_TIMEOUT's precision). */
const SILENCE_SWEEP_MS = 500

/**
 * Client-facing streams: each pulls from its source (so a slow client applies backpressure upstream), ends when
 * the upstream stays silent for STREAMING_TIMEOUT, and settles exactly once: at the end, on an upstream error
 * (after a final error event) or when the client disconnects (billing what was delivered).
 *
 * STREAMING_TIMEOUT costs no timer per read: every open stream is in `watched`, and one sweep twice a second ends
 * those whose upstream read has waited longer than the limit (so the limit holds to within half a second). Time a
 * slow client takes to read does not count: only a pending upstream read is timed.
 */
export function createStreamResponder(settings: { idleSeconds(): number; track(settlement: Promise<void>, requestId: string): void }) {
  const watched = new Set<SilenceWatch>()
  let sweep: ReturnType<typeof setInterval> | undefined
  /** Streams opened and not yet settled (the metrics' open streams). */
  let openCount = 0

  function startSweep() {
    if (sweep) return
    sweep = setInterval(() => {
      if (watched.size === 0) {
        clearInterval(sweep)
        sweep = undefined
        return
      }
      const now = Date.now()
      for (const watch of watched) {
        if (watch.waitingSince !== 0 && now - watch.waitingSince >= watch.idleMs) {
          watched.delete(watch)
          watch.expire()
        }
      }
    }, SILENCE_SWEEP_MS)
    sweep.unref?.()
  }

  /** `abortUpstream` aborts the attempt's upstream request (the source's cancel only stops reading). */
  function open(source: StreamSource, abortUpstream: () => void, requestId: string): ReadableStream<Uint8Array> {
    let settled = false
    openCount++
    const settleOnce = (completed: boolean) => {
      if (settled) return
      settled = true
      openCount--
      settings.track(source.finish(completed), requestId)
    }
    const encoder = new TextEncoder()
    const idleSeconds = settings.idleSeconds()
    const watch: SilenceWatch = {
      idleMs: idleSeconds * 1000, waitingSince: 0, timedOut: false,
      expire() {
        watch.timedOut = true
        source.cancel()
        abortUpstream()
      },
    }
    const timeout = () => new GatewayError(504, `Upstream was silent for ${idleSeconds} s`, 'stream_timeout')
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        watched.add(watch)
        startSweep()
        try {
          for (;;) {
            watch.waitingSince = Date.now()
            const step = await source.next()
            watch.waitingSince = 0
            if (watch.timedOut) throw timeout()
            if (step.out) controller.enqueue(typeof step.out === 'string' ? encoder.encode(step.out) : step.out)
            if (step.done) {
              watched.delete(watch)
              controller.close()
              settleOnce(true)
              return
            }
            if (step.out) return
          }
        } catch (caught) {
          watched.delete(watch)
          const error = watch.timedOut ? timeout() : caught
          abortUpstream()
          const message = error instanceof GatewayError ? error.message : `Upstream stream failed: ${(error as Error).message}`
          // The closing events come from the conversion (a worker's, for worker conversions): ask before cancelling it.
          await source.prepareError?.(message).catch(() => undefined)
          source.cancel()
          controller.enqueue(encoder.encode(source.errorEvent(message)))
          controller.close()
          settleOnce(false)
        }
      },
      cancel() {
        watched.delete(watch)
        source.cancel()
        abortUpstream()
        settleOnce(false)
      },
    }, { highWaterMark: 0 })
  }

  function close() {
    if (sweep) clearInterval(sweep)
    sweep = undefined
  }

  return { open, close, openCount: () => openCount }
}
