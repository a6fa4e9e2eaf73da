import type { CachedChannel } from '../cache/routing.ts'
import { GatewayError } from '../errors.ts'

/**
 * Per-channel concurrency caps, per node: at most `maxConcurrency` requests of a channel in flight, then a bounded
 * queue of `maxQueue` waiting at most QUEUE_WAIT_MS, then a 503 the relay retries on another channel. Nothing queues
 * without limit, and a channel without a cap costs one property read.
 */
export type Release = () => void

/** How long a queued request waits for a slot before it is shed. */
export const QUEUE_WAIT_MS = 30_000

interface Gate {
  inFlight: number
  waiting: { grant: (release: Release) => void; timer: ReturnType<typeof setTimeout> }[]
}

export interface ChannelSlots {
  /** A slot on the channel (release it exactly once), after waiting in its queue if need be; throws a 503 when shed. */
  acquire(channel: CachedChannel): Release | Promise<Release>
  /** In flight and waiting, per channel id (for tests and the console). */
  usage(channelId: number): { inFlight: number; waiting: number }
}

const noRelease: Release = () => {}

export function createChannelSlots(waitMs = QUEUE_WAIT_MS): ChannelSlots {
  const gates = new Map<number, Gate>()

  function releaser(channelId: number, gate: Gate): Release {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = gate.waiting.shift()
      if (next) {
        clearTimeout(next.timer)
        next.grant(releaser(channelId, gate))
        return
      }
      gate.inFlight--
      if (gate.inFlight === 0) gates.delete(channelId)
    }
  }

  const shed = (channel: CachedChannel, why: string) => new GatewayError(503, `Channel ${channel.id} is at its concurrency limit (${channel.maxConcurrency} in flight${why})`, 'channel:concurrency_limit', 'new_api_error', true)

  return {
    acquire(channel) {
      const limit = channel.maxConcurrency
      if (!limit) return noRelease
      let gate = gates.get(channel.id)
      if (!gate) gates.set(channel.id, gate = { inFlight: 0, waiting: [] })
      if (gate.inFlight < limit) {
        gate.inFlight++
        return releaser(channel.id, gate)
      }
      if (gate.waiting.length >= channel.maxQueue) throw shed(channel, channel.maxQueue ? `, ${channel.maxQueue} waiting` : '')
      const queued = gate
      return new Promise<Release>((resolve, reject) => {
        const entry = {
          grant: resolve,
          timer: setTimeout(() => {
            queued.waiting.splice(queued.waiting.indexOf(entry), 1)
            reject(shed(channel, `; waited ${waitMs / 1000} s`))
          }, waitMs),
        }
        queued.waiting.push(entry)
      })
    },
    usage(channelId) {
      const gate = gates.get(channelId)
      return { inFlight: gate?.inFlight ?? 0, waiting: gate?.waiting.length ?? 0 }
    },
  }
}
