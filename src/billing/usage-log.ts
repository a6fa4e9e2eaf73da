import type { NewLog } from '../db/store.ts'
import type { Usage } from '../providers/types.ts'
import type { Price } from './pricing.ts'
import type { UsageRecord } from './usage-writer.ts'

/**
 * The one place a usage log row is built: a consume row when a request is settled, an error row when it failed
 * (and its reservation was refunded), a task's consume, adjustment and refund rows, and the row a channel test leaves. Rows are what new-api writes, so its
 * log pages, scripts and exports read ours.
 */

/** Who made the request, as the rows name them. */
export interface LogCaller {
  userId: number
  username: string
  tokenId: number
  tokenName: string
  group: string
  ip: string
}

/** One relay request as it is written to the log. */
export interface LoggedRequest {
  caller: LogCaller
  requestId: string
  /** The model the client asked for (after a reasoning suffix was taken off). */
  model: string
  path: string
  stream: boolean
  startedAt: number
  reasoningEffort?: string
  /** Channels tried, in order. */
  tried: readonly number[]
}

/** A realtime response's marks on its row (`other`). */
export interface RealtimeRow {
  sessionId: string
  responseId?: string
  /** No usage came from the upstream: the tokens were counted from the relayed events. */
  estimated: boolean
  audioRatio: number
  audioCompletionRatio: number
}

function realtimeMembers(realtime: RealtimeRow, usage: Usage): string {
  let members = `,"realtime":true,"session_id":${JSON.stringify(realtime.sessionId)}`
  if (realtime.responseId) members += `,"response_id":${JSON.stringify(realtime.responseId)}`
  members += `,"audio_input_tokens":${usage.audioInputTokens},"audio_output_tokens":${usage.audioOutputTokens ?? 0},"audio_ratio":${realtime.audioRatio},"audio_completion_ratio":${realtime.audioCompletionRatio}`
  if (realtime.estimated) members += ',"usage_estimated":true'
  return members
}

const unixNow = () => Math.floor(Date.now() / 1000)
const secondsSince = (startedAt: number) => Math.round((performance.now() - startedAt) / 1000)

/**
 * A settled request: type 2 (consume). `other` is written as text: the ratio part is serialised once per price,
 * the rest is numbers and a few strings, so no object is built and stringified per request.
 */
export function consumeRecord(request: LoggedRequest, price: Price, quota: number, usage: Usage, outcome: {
  channelId: number
  firstTokenMs?: number
  upstreamModel?: string
  completed: boolean
  keepRow: boolean
  /** What a media row was billed for (n, size, seconds…), as extra members of `other`. */
  billedFor?: Record<string, string | number | boolean>
  /** Refused or cut for a sensitive word in the answer (the row says so instead of client_disconnected). */
  sensitiveWordsDetected?: boolean
  /** One response of a realtime session: the row is marked `realtime` with its session and response ids. */
  realtime?: RealtimeRow
}): UsageRecord {
  let other = `{${price.detailsJson},"cache_tokens":${usage.cachedInputTokens},"cache_write_tokens":${usage.cacheWriteInputTokens},"reasoning_tokens":${usage.reasoningTokens},"frt":${outcome.firstTokenMs === undefined ? -1 : Math.round(outcome.firstTokenMs)},"request_path":${JSON.stringify(request.path)}`
  if (request.reasoningEffort) other += `,"reasoning_effort":${JSON.stringify(request.reasoningEffort)}`
  if (outcome.upstreamModel && outcome.upstreamModel !== request.model) other += `,"is_model_mapped":true,"upstream_model_name":${JSON.stringify(outcome.upstreamModel)}`
  if (outcome.sensitiveWordsDetected) other += ',"sensitive_words_detected":true'
  else if (!outcome.completed) other += ',"client_disconnected":true'
  if (outcome.billedFor) other += `,"billed_for":${JSON.stringify(outcome.billedFor)}`
  if (outcome.realtime) other += realtimeMembers(outcome.realtime, usage)
  other += `,"admin_info":{"use_channel":[${request.tried.join(',')}]}}`
  const { caller } = request
  const log: NewLog = {
    userId: caller.userId, username: caller.username, createdAt: unixNow(), type: 2, content: '', tokenName: caller.tokenName,
    tokenId: caller.tokenId, modelName: request.model, quota, promptTokens: usage.inputTokens, completionTokens: usage.outputTokens,
    useTime: secondsSince(request.startedAt), isStream: request.stream, channelId: outcome.channelId, group: caller.group, ip: caller.ip,
    requestId: request.requestId, other,
  }
  // LogConsumeEnabled=false keeps the books (quota deltas, hourly aggregates) but writes no row.
  return { log, keepRow: outcome.keepRow, spent: quota, countRequest: true, tokensUsed: usage.inputTokens + usage.outputTokens }
}

/** A failed request: type 5 (error), nothing spent; the refunded reservation is noted. */
export function failureRecord(request: LoggedRequest, error: { status: number; message: string; code: string }, outcome: { channelId: number; refunded: number }): UsageRecord {
  const { caller } = request
  return {
    log: {
      userId: caller.userId, username: caller.username, createdAt: unixNow(), type: 5, content: error.message.slice(0, 2000),
      tokenName: caller.tokenName, tokenId: caller.tokenId, modelName: request.model, useTime: secondsSince(request.startedAt),
      isStream: request.stream, channelId: outcome.channelId, group: caller.group, ip: caller.ip, requestId: request.requestId,
      other: JSON.stringify({ error_code: error.code, status_code: error.status, refunded_reservation: outcome.refunded, request_path: request.path, admin_info: { use_channel: request.tried } }),
    },
    spent: 0, countRequest: false, tokensUsed: 0,
  }
}

/** An asynchronous task (Midjourney, Suno…) the upstream accepted: type 2 (consume), billed per call at submit. */
export function taskConsumeRecord(task: {
  caller: LogCaller
  requestId: string
  modelName: string
  path: string
  startedAt: number
  channelId: number
  quota: number
  price: Price
  /** new-api's wording: "模型固定价格 …，分组倍率 …，操作 …，ID …". */
  content: string
  taskId: string
  tried: readonly number[]
  keepRow: boolean
  /** Per-unit prices (a second of video): what the row was billed for. */
  billedFor?: Record<string, string | number>
}): UsageRecord {
  const { caller } = task
  const billedFor = task.billedFor ? `,"billed_for":${JSON.stringify(task.billedFor)}` : ''
  return {
    log: {
      userId: caller.userId, username: caller.username, createdAt: unixNow(), type: 2, content: task.content, tokenName: caller.tokenName,
      tokenId: caller.tokenId, modelName: task.modelName, quota: task.quota, useTime: secondsSince(task.startedAt), channelId: task.channelId,
      group: caller.group, ip: caller.ip, requestId: task.requestId,
      other: `{${task.price.detailsJson},"task_id":${JSON.stringify(task.taskId)},"request_path":${JSON.stringify(task.path)}${billedFor},"admin_info":{"use_channel":[${task.tried.join(',')}]}}`,
    },
    keepRow: task.keepRow, spent: task.quota, countRequest: true, tokensUsed: 0,
  }
}

/** Who and what a task's later money movement (refund, surcharge) concerns. */
interface TaskMovement {
  userId: number; username: string; tokenId: number; tokenName: string; group: string; channelId: number
  modelName: string; quota: number; taskId: string; platform: string; reason: string
}

function taskMovementRecord(task: TaskMovement, type: 2 | 6, content: string, spent: number, extra: Record<string, unknown>): UsageRecord {
  return {
    log: {
      userId: task.userId, username: task.username, createdAt: unixNow(), type, content: content.slice(0, 2000),
      tokenName: task.tokenName, tokenId: task.tokenId, modelName: task.modelName, quota: task.quota, channelId: task.channelId, group: task.group,
      other: JSON.stringify({ task_id: task.taskId, platform: task.platform, ...extra, reason: task.reason.slice(0, 500) }),
    },
    spent, countRequest: false, tokensUsed: 0,
  }
}

/**
 * A charged task that ended in FAILURE (or timed out), or cost less than charged: type 6 (refund). The row carries
 * the refunded amount as its quota and the books move back by it (spent is negative), so consumed − refunded = used
 * quota, to the unit.
 */
export const taskRefundRecord = (task: TaskMovement): UsageRecord =>
  taskMovementRecord(task, 6, `异步任务退款 ${task.taskId}: ${task.reason}`, -task.quota, {})

/** A finished task that delivered more than it was charged for (a longer video): type 2, the surcharge. */
export const taskAdjustmentRecord = (task: TaskMovement): UsageRecord =>
  taskMovementRecord(task, 2, `异步任务完成补扣 ${task.taskId}: ${task.reason}`, task.quota, { adjustment: true })

/** A channel test: new-api writes a consume row with the computed quota; nobody is charged for it. */
export function channelTestRecord(test: { channelId: number; model: string; quota: number; usage: Usage; seconds: number; success: boolean; errorCode?: string }): UsageRecord {
  return {
    log: {
      userId: 0, username: '', createdAt: unixNow(), type: 2, content: 'Channel test', tokenName: 'channel test', modelName: test.model,
      quota: test.quota, promptTokens: test.usage.inputTokens, completionTokens: test.usage.outputTokens, useTime: Math.round(test.seconds),
      channelId: test.channelId, other: JSON.stringify({ channel_test: true, success: test.success, ...(test.errorCode ? { error_code: test.errorCode } : {}) }),
    },
    spent: 0, countRequest: false, tokensUsed: 0,
  }
}

/** A channel health transition (src/channels/channel-health.ts). */
export interface ChannelEvent {
  channelId: number
  /** Set for multi-key channels: the key that changed. */
  keyIndex?: number
  kind: 'disabled' | 'cooling' | 'probe_failed' | 'enabled'
  content: string
  nextProbeSeconds?: number
}

/** A channel health transition: type 4 (system), for the admin; the channels page lists the latest. */
export function channelEventRecord(event: ChannelEvent): UsageRecord {
  return {
    log: {
      userId: 0, username: '', createdAt: unixNow(), type: 4, content: event.content.slice(0, 2000), channelId: event.channelId,
      other: JSON.stringify({ channel_event: event.kind, ...(event.keyIndex !== undefined ? { key_index: event.keyIndex } : {}), ...(event.nextProbeSeconds ? { next_probe_seconds: event.nextProbeSeconds } : {}) }),
    },
    spent: 0, countRequest: false, tokensUsed: 0,
  }
}

/** Where a credit came from; `other.source` of its top-up row. */
export type CreditSource =
  | { kind: 'redemption'; redemptionId: number; name: string }
  | { kind: 'order'; tradeNo: string; provider: string; paymentMethod: string; amount: number; money: number; manual: boolean; plan?: string }
  | { kind: 'plan'; event: 'grant' | 'expire'; planId: number; plan: string; subscriptionId: number; unused: number }
  | { kind: 'invitation'; detail: 'inviter_reward' | 'invitee_reward' | 'aff_transfer' }

/** USD figure of a quota amount, as new-api's server-side texts print it (6 decimals). */
const usd = (quota: number, quotaPerUnit: number) => `$${(quota / quotaPerUnit).toFixed(6)}`

/**
 * A credit: type 1 (top-up), written in the transaction that credits (see src/billing/top-up.ts). new-api's log
 * pages and scripts read these rows by type; `other` says which code, order or reward it was.
 */
export function topUpCreditRow(user: { id: number; username: string }, quota: number, source: CreditSource, quotaPerUnit: number): NewLog {
  let content: string
  let other: Record<string, unknown>
  switch (source.kind) {
    case 'redemption':
      content = `Redeemed code "${source.name}" (#${source.redemptionId}) for ${usd(quota, quotaPerUnit)}`
      other = { source: 'redemption', redemption_id: source.redemptionId }
      break
    case 'order':
      content = `${source.manual ? 'Order completed by an administrator' : 'Online top-up paid'}: ${source.plan ? `subscription "${source.plan}"` : usd(quota, quotaPerUnit)} for ${source.money.toFixed(2)} (${source.provider}${source.paymentMethod ? ` ${source.paymentMethod}` : ''})`
      other = { source: 'order', trade_no: source.tradeNo, provider: source.provider, payment_method: source.paymentMethod, amount: source.amount, money: source.money, manual: source.manual, ...(source.plan ? { plan: source.plan } : {}) }
      break
    case 'plan':
      content = source.event === 'grant'
        ? `Subscription "${source.plan}": ${usd(quota, quotaPerUnit)} granted${source.unused ? ` (${usd(source.unused, quotaPerUnit)} unused from the last grant taken back)` : ''}`
        : `Subscription "${source.plan}" ended${source.unused ? `: ${usd(source.unused, quotaPerUnit)} unused taken back` : ''}`
      other = { source: 'plan', event: source.event, plan_id: source.planId, subscription_id: source.subscriptionId, unused: source.unused }
      break
    case 'invitation':
      content = { inviter_reward: 'Invitation reward', invitee_reward: 'Welcome reward for joining through an invitation', aff_transfer: 'Invitation rewards moved into the balance' }[source.detail] + `: ${usd(quota, quotaPerUnit)}`
      other = { source: 'invitation', detail: source.detail }
      break
  }
  return { userId: user.id, username: user.username, createdAt: unixNow(), type: 1, content, quota, other: JSON.stringify(other) }
}

/** A refused payment callback (bad signature, other merchant, changed money…): type 4 (system), for the admin. */
export function paymentAlertRow(alert: { provider: string; reason: string; tradeNo?: string; userId?: number; ip: string }): NewLog {
  return {
    userId: alert.userId ?? 0, username: '', createdAt: unixNow(), type: 4, ip: alert.ip,
    content: `${alert.provider} callback refused: ${alert.reason}${alert.tradeNo ? ` (order ${alert.tradeNo.slice(0, 64)})` : ''}`,
    other: JSON.stringify({ payment_alert: true, provider: alert.provider, reason: alert.reason, trade_no: alert.tradeNo?.slice(0, 64) ?? '' }),
  }
}
