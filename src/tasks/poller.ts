import type { Caches } from '../cache/index.ts'
import type { ChannelClient } from '../channels/channel-client.ts'
import { pickKey } from '../channels/channel-requests.ts'
import type { PendingTask, Store } from '../db/store.ts'
import type { PollerLease } from './poller-lease.ts'
import { readBounded } from './read-bounded.ts'
import { taskProperties, type TaskUpdater } from './task-updates.ts'
import type { TaskAdaptor } from './types.ts'

export interface TaskPollerOptions {
  store: Store
  caches: Caches
  channels: ChannelClient
  adaptors: readonly TaskAdaptor[]
  updater: TaskUpdater
  lease: PollerLease
  intervalMs: number
  timeoutMinutes: number
  log?: (line: string) => void
}

/** Rows read from the database per page while collecting a round's work. */
const PAGE = 1000
const FETCH_TIMEOUT_MS = 30_000
const MAX_FETCH_ANSWER = 32 * 1024 * 1024
const MAX_BACKOFF_MS = 10 * 60_000
/** Rounds in a row a channel may answer 2xx garbage before its tasks are failed and refunded. */
const GARBAGE_ROUNDS = 3
/** How long a shutdown waits for a polling round under way. */
const STOP_WAIT_MS = 5_000
/** Requests in flight at once per channel for upstreams without a batch fetch. */
const PER_TASK_LANES = 8

/** A 2xx fetch answer the adaptor cannot read (as opposed to an outage, which only backs off). */
class GarbageAnswer extends Error {}

export interface PollRound { tasks: number; channels: number; requests: number; changed: number; failed: number }

/**
 * `UPDATE_TASK`: one loop per process. Each round, while this node holds the lease, it reads the unfinished tasks
 * page by page, fails the ones past `TASK_TIMEOUT_MINUTES` (or without an upstream id) with a refund, and asks each
 * channel about its tasks in batches; a channel that errs or answers garbage is backed off (doubling up to 10
 * minutes) while the others go on.
 */
export function createTaskPoller(options: TaskPollerOptions) {
  const { store, caches, channels, adaptors, updater, lease } = options
  const log = options.log ?? ((line: string) => console.warn(line))
  const backoff = new Map<number, { until: number; delayMs: number }>()
  const garbageRounds = new Map<number, number>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<PollRound> | undefined
  let stopped = false
  /** Rounds this node has polled (held the lease for). */
  let rounds = 0

  /** One channel's tasks, each with its upstream id (read from `properties` once per round). */
  async function pollChannel(adaptor: TaskAdaptor, channelId: number, tasks: { task: PendingTask; upstreamId: string }[], round: PollRound) {
    const channel = caches.routing.byId.get(channelId)
    if (!channel) {
      for (const { task } of tasks) if (await updater.fail(task, `channel ${channelId} no longer exists`)) round.failed++
      return
    }
    const blocked = backoff.get(channelId)
    if (blocked && blocked.until > Date.now()) return
    const keyIndex = Math.max(0, pickKey(channel))
    const key = channel.keys[keyIndex] ?? ''
    const byUpstreamId = new Map<string, PendingTask>()
    for (const { task, upstreamId } of tasks) byUpstreamId.set(upstreamId, task)
    const ids = [...byUpstreamId.keys()]
    const batches: string[][] = []
    for (let start = 0; start < ids.length; start += adaptor.batchSize) batches.push(ids.slice(start, start + adaptor.batchSize))
    const fetchBatch = async (batch: string[]) => {
      const fetch = adaptor.fetchRequest(batch, key)
      const request = channels.requests.capability(channel, { method: fetch.method, url: channel.baseUrl + fetch.path, headers: fetch.headers, body: fetch.body }, key)
      round.requests++
      const response = await channels.send(channel, request, { timeoutMs: FETCH_TIMEOUT_MS })
      const text = await readBounded(response, MAX_FETCH_ANSWER)
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`)
      let states
      try { states = adaptor.readFetch(text) } catch (error) { throw new GarbageAnswer(`unreadable answer: ${(error as Error).message}`) }
      for (const state of states) {
        const task = byUpstreamId.get(state.upstreamTaskId)
        if (task && await updater.apply(task, state)) {
          round.changed++
          if (state.status === 'FAILURE') round.failed++
        }
      }
    }
    try {
      // Batched upstreams get one request at a time per channel; one-task-per-request upstreams (video) a few at
      // once, or a round over thousands of them would take thousands of round trips back to back.
      const lanes = adaptor.batchSize === 1 ? Math.min(PER_TASK_LANES, batches.length) : 1
      let next = 0
      await Promise.all(Array.from({ length: lanes }, async () => {
        try {
          while (next < batches.length) await fetchBatch(batches[next++]!)
        } catch (error) {
          next = batches.length // the other lanes stop too: the channel is backed off as a whole
          throw error
        }
      }))
      backoff.delete(channelId)
      garbageRounds.delete(channelId)
    } catch (error) {
      if (error instanceof GarbageAnswer) {
        const rounds = (garbageRounds.get(channelId) ?? 0) + 1
        garbageRounds.set(channelId, rounds)
        if (rounds >= GARBAGE_ROUNDS) {
          garbageRounds.delete(channelId)
          log(`[tasks] channel ${channelId} answered garbage ${rounds} rounds in a row: failing and refunding its ${tasks.length} unfinished tasks`)
          for (const { task } of tasks) if (await updater.fail(task, `upstream answered garbage: ${error.message.slice(0, 200)}`)) round.failed++
          return
        }
      }
      const delayMs = Math.min(MAX_BACKOFF_MS, (blocked?.delayMs ?? options.intervalMs / 2) * 2)
      backoff.set(channelId, { until: Date.now() + delayMs, delayMs })
      log(`[tasks] polling channel ${channelId} (${adaptor.platform}) failed: ${(error as Error).message}; next try in ${Math.round(delayMs / 1000)} s`)
    }
  }

  /** One polling round over every family (exported for tests and the bench). */
  async function pollOnce(): Promise<PollRound> {
    const round: PollRound = { tasks: 0, channels: 0, requests: 0, changed: 0, failed: 0 }
    const deadline = Math.floor(Date.now() / 1000) - options.timeoutMinutes * 60
    for (const adaptor of adaptors) {
      const byChannel = new Map<number, { task: PendingTask; upstreamId: string }[]>()
      for (let afterId = 0; ;) {
        const page = await store.tasks.listUnfinished({ platform: adaptor.platform, limit: PAGE, afterId })
        for (const task of page) {
          round.tasks++
          if (task.submitTime > 0 && task.submitTime < deadline) {
            if (await updater.fail(task, `task timed out after ${options.timeoutMinutes} minutes`)) round.failed++
            continue
          }
          const upstreamId = taskProperties(task).upstream_task_id
          if (!upstreamId) {
            if (await updater.fail(task, 'task has no upstream id')) round.failed++
            continue
          }
          let list = byChannel.get(task.channelId)
          if (!list) byChannel.set(task.channelId, list = [])
          list.push({ task, upstreamId })
        }
        if (page.length < PAGE) break
        afterId = page[page.length - 1]!.id
      }
      round.channels += byChannel.size
      await Promise.all([...byChannel].map(([channelId, tasks]) => pollChannel(adaptor, channelId, tasks, round)))
    }
    return round
  }

  const tick = async () => {
    if (stopped) return
    try {
      if (await lease.acquire()) {
        rounds++
        running = pollOnce()
        await running
      }
    } catch (error) {
      log(`[tasks] polling round failed: ${(error as Error).message}`)
    } finally {
      running = undefined
      if (!stopped) {
        timer = setTimeout(tick, options.intervalMs)
        timer.unref?.()
      }
    }
  }

  return {
    pollOnce,
    stats: () => ({ rounds, backedOffChannels: backoff.size }),
    start() {
      timer = setTimeout(tick, options.intervalMs)
      timer.unref?.()
    },
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      // A round stuck on an unreachable database must not hold the shutdown: what it did not finish, the next
      // round (on any node) does, as every change is a conditional update.
      if (running) await Promise.race([running.catch(() => undefined), Bun.sleep(STOP_WAIT_MS)])
      await lease.release()
      await lease.close()
    },
  }
}

export type TaskPoller = ReturnType<typeof createTaskPoller>
