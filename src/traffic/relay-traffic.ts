import type { RelayCaller } from '../auth/api-key.ts'
import type { Caches } from '../cache/index.ts'
import type { LimitCheck, Limiter, Refusal, SettledWeight } from './limiter.ts'
import type { LimitSet } from './limit-options.ts'
import { RateLimitedError } from './rate-limited.ts'

const MINUTE_MS = 60_000

/** What a check limits, to word its refusal. */
type Label =
  | { what: 'rpm' | 'tpm' | 'concurrency'; subject: string; value: number }
  | { what: 'requests' | 'successes'; value: number; minutes: number }

/** The checks that apply to one request, the words for each refusal, and the ticket it will hold. */
export interface PlannedLimits {
  checks: LimitCheck[]
  labels: Label[]
  ticket: TrafficTicket
}

/** The limits a request holds until it is over. Settled once (`finish`), whatever ended it. */
export interface TrafficTicket {
  leaseId: string
  slotKeys: string[]
  /** Windows that learn the request's tokens (TPM) once its usage is known. */
  tokenWindows: string[]
  /** new-api's successful-request window, counted when the request succeeds. */
  successWindow?: { key: string; windowMs: number }
  /** The slots are free (the request ended, its tokens may still be being counted). */
  released: boolean
  finished: boolean
}

/**
 * The relay's rate limits: per token and per user (the user's own limits, else its group's from GroupRateLimits)
 * requests per minute, tokens per minute and requests in flight, plus new-api's ModelRequestRateLimit* per user.
 * Everything is read from cached rows and parsed options; a request under no limit costs two property reads.
 */
export function createRelayTraffic(limiter: Limiter, caches: Caches) {
  /** The limits that apply to this caller, or undefined when none does (the common case: no work at all). */
  function plan(holder: RelayCaller, leaseId: string): PlannedLimits | undefined {
    const { token, user } = holder
    const traffic = caches.options.traffic
    const group: LimitSet | undefined = traffic.groups.get(holder.group)
    const models = traffic.modelRequests
    if (token.rpmLimit == null && token.tpmLimit == null && token.concurrencyLimit == null && user.rpmLimit == null
      && user.tpmLimit == null && user.concurrencyLimit == null && !group && !models) return undefined
    const checks: LimitCheck[] = []
    const labels: Label[] = []
    const ticket: TrafficTicket = { leaseId, slotKeys: [], tokenWindows: [], released: false, finished: false }
    const add = (subject: string, prefix: string, limits: { rpm: number | null | undefined; tpm: number | null | undefined; concurrency: number | null | undefined }) => {
      if (limits.rpm != null) {
        checks.push({ key: `${prefix}:r`, kind: 'count', limit: limits.rpm, windowMs: MINUTE_MS })
        labels.push({ what: 'rpm', subject, value: limits.rpm })
      }
      if (limits.tpm != null) {
        checks.push({ key: `${prefix}:t`, kind: 'settled', limit: limits.tpm, windowMs: MINUTE_MS })
        labels.push({ what: 'tpm', subject, value: limits.tpm })
        ticket.tokenWindows.push(`${prefix}:t`)
      }
      if (limits.concurrency != null) {
        checks.push({ key: `${prefix}:c`, kind: 'slot', limit: limits.concurrency, windowMs: 0 })
        labels.push({ what: 'concurrency', subject, value: limits.concurrency })
        ticket.slotKeys.push(`${prefix}:c`)
      }
    }
    add('token', `tg:rl:t:${token.id}`, { rpm: token.rpmLimit, tpm: token.tpmLimit, concurrency: token.concurrencyLimit })
    const fromGroup = `user (its group "${holder.group}")`
    add(group && user.rpmLimit == null && user.tpmLimit == null && user.concurrencyLimit == null ? fromGroup : 'user', `tg:rl:u:${user.id}`, {
      rpm: user.rpmLimit ?? group?.rpm, tpm: user.tpmLimit ?? group?.tpm, concurrency: user.concurrencyLimit ?? group?.concurrency,
    })
    if (models) {
      const [count, successCount] = models.groups.get(holder.group) ?? [models.count, models.successCount]
      // As in new-api: a total count of 0 means no limit on all requests; the success count is at least 1.
      if (count > 0) {
        checks.push({ key: `tg:rl:m:${user.id}:${models.minutes}`, kind: 'count', limit: count, windowMs: models.windowMs })
        labels.push({ what: 'requests', value: count, minutes: models.minutes })
      }
      const successKey = `tg:rl:ms:${user.id}:${models.minutes}`
      checks.push({ key: successKey, kind: 'settled', limit: successCount, windowMs: models.windowMs })
      labels.push({ what: 'successes', value: successCount, minutes: models.minutes })
      ticket.successWindow = { key: successKey, windowMs: models.windowMs }
    }
    return checks.length ? { checks, labels, ticket } : undefined
  }

  function refusal(label: Label, refused: Refusal): RateLimitedError {
    switch (label.what) {
      // new-api's own texts for its options.
      case 'successes': return new RateLimitedError(`您已达到请求数限制：${label.minutes}分钟内最多请求${label.value}次`, refused.retryAfterMs, '')
      case 'requests': return new RateLimitedError(`您已达到总请求数限制：${label.minutes}分钟内最多请求${label.value}次,包括失败次数，请检查您的请求是否正确`, refused.retryAfterMs, '')
      case 'rpm': return new RateLimitedError(label.value === 0
        ? `This ${label.subject} may send no requests (rpm_limit is 0)`
        : `Rate limit reached for this ${label.subject}: at most ${label.value} requests per minute (rpm_limit)`, refused.retryAfterMs)
      case 'tpm': return new RateLimitedError(label.value === 0
        ? `This ${label.subject} may use no tokens (tpm_limit is 0)`
        : `Token rate limit reached for this ${label.subject}: at most ${label.value} tokens per minute (tpm_limit)`, refused.retryAfterMs)
      case 'concurrency': return new RateLimitedError(label.value === 0
        ? `This ${label.subject} may send no requests (concurrency_limit is 0)`
        : `This ${label.subject} already has ${label.value} requests in flight, its concurrency_limit`, refused.retryAfterMs)
    }
  }

  return {
    plan,
    /**
     * Whether the limits can be checked inside the quota reservation's own script (both on Redis): one round trip
     * for both. Otherwise `acquire` checks them on their own, before the body is read.
     */
    joinsReservation: limiter.adopt !== undefined,
    /** Check planned limits on their own; the ticket to `finish` when admitted, a RateLimitedError (429) when not. */
    acquire(planned: PlannedLimits): TrafficTicket | Promise<TrafficTicket> {
      const decide = (refused: Refusal | undefined) => {
        if (refused) throw refusal(planned.labels[refused.index]!, refused)
        return planned.ticket
      }
      const verdict = limiter.acquire(planned.checks, planned.ticket.leaseId)
      return verdict instanceof Promise ? verdict.then(decide) : decide(verdict)
    },
    /** The 429 for a refusal the reservation's script answered. */
    refusal: (planned: PlannedLimits, refused: Refusal) => refusal(planned.labels[refused.index]!, refused),
    /** The reservation's script took the planned limits: hold them (renew the slots) until `finish`. */
    adopt(planned: PlannedLimits): TrafficTicket {
      limiter.adopt?.(planned.ticket.leaseId, planned.ticket.slotKeys)
      return planned.ticket
    },
    /** The request is over: count its tokens (and its success) and free its slots if still held. Idempotent. */
    finish(ticket: TrafficTicket | undefined, tokens: number, succeeded: boolean) {
      if (!ticket || ticket.finished) return
      ticket.finished = true
      const weights: SettledWeight[] = []
      for (const key of ticket.tokenWindows) weights.push({ key, windowMs: MINUTE_MS, weight: tokens })
      if (succeeded && ticket.successWindow) weights.push({ ...ticket.successWindow, weight: 1 })
      limiter.settle(weights, ticket.released ? [] : ticket.slotKeys, ticket.leaseId)
      ticket.released = true
    },
    /** A long-lived request (a realtime session) used tokens: its TPM windows learn them now, not at the end. */
    count(ticket: TrafficTicket | undefined, tokens: number) {
      if (!ticket || ticket.finished || tokens <= 0 || ticket.tokenWindows.length === 0) return
      limiter.settle(ticket.tokenWindows.map((key) => ({ key, windowMs: MINUTE_MS, weight: tokens })), [], ticket.leaseId)
    },
    /** The request stopped using its upstream (a stream ended or its client left): free its slots now. */
    release(ticket: TrafficTicket | undefined) {
      if (!ticket || ticket.released || ticket.slotKeys.length === 0) return
      ticket.released = true
      limiter.settle([], ticket.slotKeys, ticket.leaseId)
    },
  }
}

export type RelayTraffic = ReturnType<typeof createRelayTraffic>
