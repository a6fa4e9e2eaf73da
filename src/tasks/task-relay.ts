import type { RelayCaller } from '../auth/api-key.ts'
import type { Ledger, Reservation } from '../billing/ledger.ts'
import { groupRatioFor, priceFor, quotaFor, type Price } from '../billing/pricing.ts'
import type { TaskBilling, TaskBillingInfo } from '../billing/task-billing.ts'
import { failureRecord, taskConsumeRecord } from '../billing/usage-log.ts'
import type { UsageWriter } from '../billing/usage-writer.ts'
import type { Caches } from '../cache/index.ts'
import { findTiers, pickChannel, filterTiers, type CachedChannel, type Tier } from '../cache/routing.ts'
import type { ChannelClient } from '../channels/channel-client.ts'
import { readBounded } from './read-bounded.ts'
import type { ChannelHealth } from '../channels/channel-health.ts'
import { pickKey } from '../channels/channel-requests.ts'
import type { Store, TaskRow } from '../db/store.ts'
import { emptyUsage } from '../providers/types.ts'
import type { ChannelRequest } from '../channels/channel-requests.ts'
import type { RawBody, TaskAdaptor, TaskSubmission } from './types.ts'
import { RateLimitedError } from '../traffic/rate-limited.ts'
import type { RelayTraffic } from '../traffic/relay-traffic.ts'

/** A refusal in the family's own shape: thrown by routes and the relay, answered by the family's `errorResponse`. */
export class TaskError extends Error {
  constructor(readonly status: number, message: string, readonly code: string | number, readonly retryAfterSeconds?: number) {
    super(message)
    this.name = 'TaskError'
  }
}

export interface TaskRelayDependencies {
  caches: Caches
  ledger: Ledger
  writer: UsageWriter
  billing: TaskBilling
  channels: ChannelClient
  health: ChannelHealth
  tasks: Store['tasks']
  authenticate(request: Request, path: string, clientAddress: string): RelayCaller
  /** Rate limits: a submission is one request and holds a concurrency slot while it is being submitted. */
  traffic?: RelayTraffic
}

/** A submit waits this long for the proxy's answer (new-api: 60 s). */
const SUBMIT_TIMEOUT_MS = 60_000
const MAX_SUBMIT_ANSWER = 1024 * 1024

let counter = 0
const nextRequestId = () => `task${Date.now().toString(36)}${(counter++ % 1_679_616).toString(36)}`
const unixNow = () => Math.floor(Date.now() / 1000)

/** Per adaptor, once: a channel of its types (the routing filter is memoised by this key). */
const acceptors = new WeakMap<TaskAdaptor, (channel: CachedChannel) => boolean>()
const acceptorFor = (adaptor: TaskAdaptor) => {
  let accept = acceptors.get(adaptor)
  if (!accept) acceptors.set(adaptor, accept = (channel) => adaptor.channelTypes.includes(channel.type))
  return accept
}

/**
 * The one task relay every family runs through: admit (token, model limits on the action's billing name, group)
 * → price → reserve → submit (another channel only on a failure before the upstream accepted) → store the task
 * and charge it → the family's answer. A follow-up action goes to the channel that produced its origin task.
 */
export function createTaskRelay(dependencies: TaskRelayDependencies) {
  const { caches, ledger, writer, billing, channels, health, tasks } = dependencies

  /** Who is asking; refusals of the token come back in the family's shape. */
  function authenticate(request: Request, path: string, clientAddress: string): RelayCaller {
    try {
      return dependencies.authenticate(request, path, clientAddress)
    } catch (error) {
      const status = (error as { status?: number }).status ?? 401
      throw new TaskError(status, (error as Error).message, status === 401 ? 'unauthorized' : 'forbidden')
    }
  }

  function tiersFor(adaptor: TaskAdaptor, caller: RelayCaller, submission: TaskSubmission): Tier[] {
    const single = (channel: CachedChannel): Tier[] => [{ priority: channel.priority, channels: [channel], cumulative: [1], total: 1 }]
    if (submission.origin) {
      const channel = caches.routing.byId.get(submission.origin.channelId)
      if (!channel) throw new TaskError(400, 'The channel that produced this task no longer exists', 'get_channel_info_failed')
      if (channel.status !== 1) throw new TaskError(400, 'The channel that produced this task is disabled', 'channel_disabled')
      return single(channel)
    }
    if (caller.pinnedChannelId !== undefined) {
      const channel = caches.routing.byId.get(caller.pinnedChannelId)!
      if (!acceptorFor(adaptor)(channel)) throw new TaskError(400, `Channel ${channel.id} is not a ${adaptor.platform} channel`, 'get_channel_failed')
      return single(channel)
    }
    const tiers = findTiers(caches.routing, caller.group, submission.modelName)
    const served = tiers && filterTiers(tiers, adaptor, acceptorFor(adaptor))
    if (!served) throw new TaskError(503, `No available channel for model ${submission.modelName} under group ${caller.group}`, 'get_channel_failed')
    return served
  }

  /** The submit for one channel: JSON with the channel's parameter overrides, or raw bytes (header overrides only). */
  async function submitRequest(adaptor: TaskAdaptor, submission: TaskSubmission, channel: CachedChannel, key: string): Promise<ChannelRequest> {
    const body = adaptor.bodyFor ? await adaptor.bodyFor(submission, channel) : submission.raw ?? submission.body
    const url = channel.baseUrl + submission.path
    if (body.bytes instanceof Uint8Array) {
      const raw = body as RawBody
      const built = channels.requests.capability(channel, { method: 'POST', url, headers: { 'content-type': raw.contentType, ...adaptor.submitHeaders(key) } }, key)
      return { ...built, body: raw.bytes }
    }
    return channels.requests.capability(channel, { method: 'POST', url, headers: { 'content-type': 'application/json', ...adaptor.submitHeaders(key) }, body: JSON.stringify(body) }, key)
  }

  function priceOf(caller: RelayCaller, modelName: string, free: boolean, units: number): { price: Price; quota: number } {
    const options = caches.options
    const groupRatio = groupRatioFor(options, caller.user.group, caller.group)
    const price = priceFor(options, modelName, groupRatio)
    if (!price) throw new TaskError(400, `Model ${modelName} has no price configured: an administrator must set ModelPrice for it`, 'model_price_error')
    // Tasks are billed per call: a ratio-priced name (self-use mode, or a ModelRatio set by hand) costs what one
    // call of zero tokens costs under it, which is nothing.
    const quota = free ? 0 : Math.round(quotaFor(price, emptyUsage(), options.quotaPerUnit) * units)
    return { price, quota }
  }

  async function reserve(caller: RelayCaller, amount: number): Promise<Reservation> {
    const reserved = await ledger.reserve({
      userId: caller.user.id, userQuota: Number(caller.user.quota), tokenId: caller.token.id, tokenQuota: Number(caller.token.remainQuota),
      unlimitedToken: caller.token.unlimitedQuota, amount,
    })
    if (reserved === 'user') throw new TaskError(403, 'quota_not_enough: the user\'s remaining quota is less than this task costs', 'quota_not_enough')
    if (reserved === 'token') throw new TaskError(403, 'quota_not_enough: the token\'s remaining quota is less than this task costs', 'quota_not_enough')
    return reserved
  }

  /**
   * Submit one task for `caller` (from `authenticate`). `publicIdFor` names the stored task (Midjourney uses the proxy's id, Suno its own public id).
   * Answers the family's success body; throws TaskError for every refusal (nothing charged).
   */
  async function submit(adaptor: TaskAdaptor, caller: RelayCaller, route: { path: string; clientAddress: string }, submission: TaskSubmission, publicIdFor: (upstreamTaskId: string) => string): Promise<Response> {
    const startedAt = performance.now()
    if (caller.modelLimits && !caller.modelLimits.has(submission.modelName)) throw new TaskError(403, `This token has no access to model ${submission.modelName}`, 'model_not_allowed')
    if (submission.origin && submission.origin.userId !== caller.user.id) throw new TaskError(400, 'task_not_found', 'task_not_found')
    const tiers = tiersFor(adaptor, caller, submission)
    const { price, quota } = priceOf(caller, submission.modelName, submission.free === true, submission.units ?? 1)
    const ticket = await admitTraffic(caller)
    let succeeded = false
    try {
      const reservation = await reserve(caller, quota)
      try {
        const response = await attemptAll(adaptor, caller, route, submission, publicIdFor, { startedAt, price, quota, reservation, tiers })
        succeeded = response.ok
        return response
      } finally {
        // Whatever ended the attempts (a refusal, a failed insert, a bug), an unsettled reservation goes back.
        billing.release(reservation)
      }
    } finally {
      dependencies.traffic?.finish(ticket, 0, succeeded)
    }
  }

  /** The caller's rate limits, before anything is reserved; a refusal is a 429 in the family's shape. */
  async function admitTraffic(caller: RelayCaller) {
    const planned = dependencies.traffic?.plan(caller, nextRequestId())
    if (!planned) return undefined
    try {
      return await dependencies.traffic!.acquire(planned)
    } catch (error) {
      if (error instanceof RateLimitedError) throw new TaskError(429, error.message, error.code, error.retryAfterSeconds)
      throw error
    }
  }

  /** The attempt loop of one admitted submit (see `submit`). */
  async function attemptAll(adaptor: TaskAdaptor, caller: RelayCaller, route: { path: string; clientAddress: string }, submission: TaskSubmission,
    publicIdFor: (upstreamTaskId: string) => string, admitted: { startedAt: number; price: Price; quota: number; reservation: Reservation; tiers: Tier[] }): Promise<Response> {
    const { startedAt, price, quota, reservation, tiers } = admitted
    const logCaller = { userId: caller.user.id, username: caller.user.username, tokenId: caller.token.id, tokenName: caller.token.name, group: caller.group, ip: route.clientAddress }
    const requestId = nextRequestId()
    const tried: number[] = []
    const attempts = submission.origin || caller.pinnedChannelId !== undefined ? 1 : caches.options.retryTimes + 1
    let last: TaskError | undefined
    for (let index = 0; index < attempts; index++) {
      const channel = pickChannel(tiers, index, new Set(tried))
      if (!channel) break
      tried.push(channel.id)
      const keyIndex = pickKey(channel)
      if (keyIndex < 0) { last = new TaskError(503, `Channel ${channel.id} has no enabled key`, 'get_channel_failed'); continue }
      const key = channel.keys[keyIndex]!
      const built = await submitRequest(adaptor, submission, channel, key)
      let status: number
      let answer: string
      try {
        const response = await channels.send(channel, built, { timeoutMs: SUBMIT_TIMEOUT_MS })
        status = response.status
        answer = await readBounded(response, MAX_SUBMIT_ANSWER)
      } catch (error) {
        last = new TaskError(502, `do_request_failed: ${(error as Error).message}`, 'do_request_failed')
        health.reportFailure(channel, keyIndex, 502, (error as Error).message)
        continue
      }
      const outcome = adaptor.readSubmit(status, answer, submission)
      if (!outcome.accepted) {
        if (outcome.disableChannel) health.reportUnusable(channel, keyIndex, outcome.message)
        else if (status >= 400) health.reportFailure(channel, keyIndex, status, outcome.message)
        last = new TaskError(outcome.status, outcome.message, outcome.code)
        if (!outcome.retryable) break
        continue
      }
      const publicId = publicIdFor(outcome.upstreamTaskId)
      const billingInfo: TaskBillingInfo = { user_id: caller.user.id, username: caller.user.username, token_id: caller.token.id, token_name: caller.token.name, group: caller.group, model_name: submission.modelName, units: submission.units ?? 1 }
      const finished = outcome.status === 'SUCCESS' || outcome.status === 'FAILURE'
      const now = unixNow()
      // The upstream has the task now; should this insert fail, the client hears so and nothing is charged.
      const stored: TaskRow = await tasks.create({
        taskId: publicId, platform: adaptor.platform, userId: caller.user.id, channelId: channel.id, quota, action: submission.action,
        status: outcome.status, progress: outcome.progress, submitTime: now, startTime: finished ? now : 0, finishTime: finished ? now : 0,
        properties: JSON.stringify({ ...submission.properties, upstream_task_id: outcome.upstreamTaskId, billing: billingInfo, ...(submission.origin ? { origin_task_id: submission.origin.taskId } : {}) }),
        data: outcome.data === undefined ? '' : JSON.stringify(outcome.data),
      })
      if (quota > 0) {
        const content = `模型固定价格 ${price.kind === 'per-call' ? price.price.toFixed(2) : '0.00'}，分组倍率 ${price.groupRatio.toFixed(2)}，操作 ${submission.action}，ID ${publicId}`
        billing.charge(reservation, taskConsumeRecord({
          caller: logCaller, requestId, modelName: submission.modelName, path: route.path, startedAt, channelId: channel.id, quota, price,
          content, taskId: stored.taskId, tried, keepRow: caches.options.logConsumeEnabled, billedFor: submission.billedFor,
        }))
      }
      return new Response(outcome.clientBody(publicId), { status: 200, headers: { 'content-type': 'application/json' } })
    }
    const failure = last ?? new TaskError(503, `No available channel for model ${submission.modelName} under group ${caller.group}`, 'get_channel_failed')
    writer.record(failureRecord({ caller: logCaller, requestId, model: submission.modelName, path: route.path, stream: false, startedAt, tried },
      { status: failure.status, message: failure.message, code: String(failure.code) }, { channelId: tried.at(-1) ?? 0, refunded: reservation.amount }))
    throw failure
  }

  return { submit, authenticate }
}

export type TaskRelay = ReturnType<typeof createTaskRelay>
