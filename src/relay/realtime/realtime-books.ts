import type { Ledger, Reservation } from '../../billing/ledger.ts'
import { audioQuotaFor } from '../../billing/pricing.ts'
import { consumeRecord } from '../../billing/usage-log.ts'
import type { UsageWriter } from '../../billing/usage-writer.ts'
import type { Caches } from '../../cache/index.ts'
import type { Usage } from '../../providers/types.ts'
import type { RealtimeAdmission } from './realtime-admission.ts'
import type { RelayTraffic } from '../../traffic/relay-traffic.ts'

/** One response of a session, as its log row needs it. */
export interface BilledResponse {
  usage: Usage
  estimated: boolean
  responseId?: string
  /** performance.now() when the response began (its `use_time`), the session's start when unknown. */
  startedAt: number
  firstTokenMs?: number
  /** False for a response the session ended in the middle of (no response.done came). */
  completed?: boolean
}

/**
 * A session's books. The admission reserved an amount; every response is priced, settled at once against that
 * reservation and logged as its own row, then the amount is reserved again for the next response. When that
 * reservation is refused the token or user has run out, and the session must end (`bill` answers false).
 * `close` releases what is still reserved. A response billed while no reservation is held (a count that finished
 * after the close) is charged all the same: nothing the upstream reported is lost from the books.
 */
export function createRealtimeBooks(dependencies: { ledger: Ledger; writer: UsageWriter; caches: Caches; traffic?: RelayTraffic }, admission: RealtimeAdmission, session: { channelId: number; tried: readonly number[]; upstreamModel: string; sessionId(): string }) {
  const { ledger, writer, caches } = dependencies
  const { holder } = admission
  let reservation: Reservation | undefined = admission.reservation
  let closed = false

  /** A reservation of nothing, settled at the cost: how a charge is booked when none is held. */
  const unreserved = (): Reservation => ({ userId: holder.user.id, tokenId: holder.token.id, unlimitedToken: holder.token.unlimitedQuota, amount: 0, settled: false })

  async function reserveNext(): Promise<boolean> {
    const reserved = await ledger.reserve({
      userId: holder.user.id, userQuota: Number(caches.user(holder.user.id)?.quota ?? holder.user.quota),
      tokenId: holder.token.id, tokenQuota: Number(caches.token(holder.token.id)?.remainQuota ?? holder.token.remainQuota),
      unlimitedToken: holder.token.unlimitedQuota, amount: admission.reserveAmount,
    })
    if (typeof reserved === 'string') return false
    if (closed) ledger.settle(reserved, 0)
    else reservation = reserved
    return true
  }

  /** Price, settle and log one response; false when the quota left cannot hold the next one. */
  async function bill(response: BilledResponse): Promise<boolean> {
    const options = caches.options
    const quota = audioQuotaFor(admission.price, response.usage, admission.audioRatios, options.quotaPerUnit)
    const held = reservation
    reservation = undefined
    ledger.settle(held ?? unreserved(), quota)
    dependencies.traffic?.count(admission.traffic, response.usage.inputTokens + response.usage.outputTokens)
    writer.record(consumeRecord(
      { caller: admission.caller, requestId: admission.requestId, model: admission.model, path: '/v1/realtime', stream: true, startedAt: response.startedAt, tried: session.tried },
      admission.price, quota, response.usage,
      {
        channelId: session.channelId, firstTokenMs: response.firstTokenMs, upstreamModel: session.upstreamModel, completed: response.completed ?? true, keepRow: options.logConsumeEnabled,
        realtime: { sessionId: session.sessionId(), responseId: response.responseId, estimated: response.estimated, ...admission.audioRatios },
      },
    ))
    if (closed) return false
    return reserveNext()
  }

  function close() {
    if (!closed) dependencies.traffic?.finish(admission.traffic, 0, true)
    closed = true
    if (reservation) ledger.settle(reservation, 0)
    reservation = undefined
  }

  return { bill, close }
}

export type RealtimeBooks = ReturnType<typeof createRealtimeBooks>
