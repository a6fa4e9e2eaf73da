import type { RuntimeOptions } from '../cache/options.ts'
import type { Usage } from '../providers/types.ts'

/** How one request is priced: per token (ratios) or per call (ModelPrice, USD). */
type PriceBase =
  | { kind: 'ratio'; modelRatio: number; completionRatio: number; cacheRatio: number; createCacheRatio: number; groupRatio: number }
  | { kind: 'per-call'; price: number; groupRatio: number }

export type Price = PriceBase & {
  /** The ratio fields of the log row's `other` (new-api names) as JSON members without braces, e.g. `"model_ratio":2,…`. */
  detailsJson: string
}

const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$/

/** Exact name, then the name without a date/version suffix (`gpt-4o-2024-11-20` → `gpt-4o`), then `prefix*` keys. */
function lookup(table: Record<string, number>, model: string): number | undefined {
  if (table[model] !== undefined) return table[model]
  const undated = model.replace(DATE_SUFFIX, '')
  if (undated !== model && table[undated] !== undefined) return table[undated]
  let best: { length: number; value: number } | undefined
  for (const key in table) {
    if (key.endsWith('*') && model.startsWith(key.slice(0, -1)) && (!best || key.length > best.length)) best = { length: key.length, value: table[key]! }
  }
  return best?.value
}

export function groupRatioFor(options: RuntimeOptions, userGroup: string, usingGroup: string): number {
  return options.groupGroupRatio[userGroup]?.[usingGroup] ?? options.groupRatio[usingGroup] ?? 1
}

/**
 * Prices by model and group ratio, per options snapshot: the options object is replaced whole on every change,
 * so a memo keyed by it can never serve a stale price. Bounded, as wildcard channels accept any model name.
 */
const priceMemos = new WeakMap<RuntimeOptions, Map<string, Price | null>>()
const MAX_MEMOISED_PRICES = 4096

/** The price of `model`, or undefined when it has none (refused unless self-use mode). */
export function priceFor(options: RuntimeOptions, model: string, groupRatio: number): Price | undefined {
  let memo = priceMemos.get(options)
  if (!memo) priceMemos.set(options, memo = new Map())
  const key = `${groupRatio}|${model}`
  let price = memo.get(key)
  if (price === undefined) {
    price = computePrice(options, model, groupRatio) ?? null
    if (memo.size >= MAX_MEMOISED_PRICES) memo.clear()
    memo.set(key, price)
  }
  return price ?? undefined
}

function computePrice(options: RuntimeOptions, model: string, groupRatio: number): Price | undefined {
  const perCall = lookup(options.modelPrice, model)
  if (perCall !== undefined) return withDetails({ kind: 'per-call', price: perCall, groupRatio })
  let modelRatio = lookup(options.modelRatio, model)
  if (modelRatio === undefined) {
    if (!options.selfUseMode) return undefined
    modelRatio = 1
  }
  return withDetails({
    kind: 'ratio', modelRatio, groupRatio,
    completionRatio: lookup(options.completionRatio, model) ?? 1,
    cacheRatio: lookup(options.cacheRatio, model) ?? 1,
    createCacheRatio: lookup(options.createCacheRatio, model) ?? 1.25,
  })
}

/** Attach the log row's ratio fields, serialised once per price rather than once per request. */
function withDetails(price: PriceBase): Price {
  const details = price.kind === 'per-call'
    ? { model_price: price.price, group_ratio: price.groupRatio, model_ratio: 0, completion_ratio: 0 }
    : { model_price: -1, model_ratio: price.modelRatio, completion_ratio: price.completionRatio, cache_ratio: price.cacheRatio, create_cache_ratio: price.createCacheRatio, group_ratio: price.groupRatio }
  const json = JSON.stringify(details)
  return { ...price, detailsJson: json.slice(1, -1) }
}

/**
 * new-api's quota formula: round((non-cached prompt + cached × CacheRatio + cache-write × CreateCacheRatio +
 * completion × CompletionRatio) × ModelRatio × GroupRatio), at least 1 when the ratio is not zero.
 * Per call: ModelPrice × QuotaPerUnit × GroupRatio.
 */
export function quotaFor(price: Price, usage: Usage, quotaPerUnit: number): number {
  if (price.kind === 'per-call') return Math.round(price.price * quotaPerUnit * price.groupRatio)
  const nonCached = Math.max(0, usage.inputTokens - usage.cachedInputTokens - usage.cacheWriteInputTokens)
  const weighted = nonCached + usage.cachedInputTokens * price.cacheRatio + usage.cacheWriteInputTokens * price.createCacheRatio
    + usage.outputTokens * price.completionRatio
  const ratio = price.modelRatio * price.groupRatio
  const quota = Math.round(weighted * ratio)
  return ratio !== 0 && quota === 0 && usage.inputTokens + usage.outputTokens > 0 ? 1 : quota
}

/** What to reserve before the call: the prompt estimate plus the most the completion may cost. */
export function reservationFor(price: Price, promptTokensEstimate: number, maxCompletionTokens: number, quotaPerUnit: number): number {
  if (price.kind === 'per-call') return quotaFor(price, { inputTokens: 0, cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0, outputTokens: 0, reasoningTokens: 0 }, quotaPerUnit)
  return Math.ceil((promptTokensEstimate + maxCompletionTokens * price.completionRatio) * price.modelRatio * price.groupRatio)
}

/** AudioRatio and AudioCompletionRatio of `model` (1 when unset), read once per realtime session. */
export function audioRatiosFor(options: RuntimeOptions, model: string): { audioRatio: number; audioCompletionRatio: number } {
  return { audioRatio: lookup(options.audioRatio, model) ?? 1, audioCompletionRatio: lookup(options.audioCompletionRatio, model) ?? 1 }
}

/**
 * new-api's audio formula (service/quota.go calculateAudioQuota), with cached input at CacheRatio: text input +
 * text output × CompletionRatio + audio input × AudioRatio + audio output × AudioRatio × AudioCompletionRatio,
 * all × ModelRatio × GroupRatio (at least 1 when the ratio is not zero). A per-call price is per response.
 */
export function audioQuotaFor(price: Price, usage: Usage, ratios: { audioRatio: number; audioCompletionRatio: number }, quotaPerUnit: number): number {
  if (price.kind === 'per-call') return quotaFor(price, usage, quotaPerUnit)
  const cachedAudio = Math.min(usage.cachedAudioInputTokens ?? 0, usage.cachedInputTokens, usage.audioInputTokens)
  const cachedText = Math.max(0, usage.cachedInputTokens - cachedAudio)
  const audioIn = Math.max(0, usage.audioInputTokens - cachedAudio)
  const textIn = Math.max(0, usage.inputTokens - usage.audioInputTokens - cachedText)
  const audioOut = Math.min(usage.audioOutputTokens ?? 0, usage.outputTokens)
  const textOut = usage.outputTokens - audioOut
  const weighted = textIn + cachedText * price.cacheRatio + (audioIn + cachedAudio * price.cacheRatio) * ratios.audioRatio
    + textOut * price.completionRatio + audioOut * ratios.audioRatio * ratios.audioCompletionRatio
  const ratio = price.modelRatio * price.groupRatio
  const quota = Math.round(weighted * ratio)
  return ratio !== 0 && quota === 0 && usage.inputTokens + usage.outputTokens > 0 ? 1 : quota
}

/** ImageRatio of `model` (image input tokens relative to text input tokens), 1 when none is set. */
export function imageRatioFor(options: RuntimeOptions, model: string): number {
  return lookup(options.imageRatio, model) ?? 1
}

/**
 * new-api's tokens for a stretch of audio (service/token_counter.go): 1000 per minute, on whole seconds rounded
 * up, so a per-minute price is a ModelRatio (e.g. whisper-1 at $0.006/min: ratio 3 ⇒ 1000 × 3 = 3000 quota/min).
 */
export function audioDurationTokens(seconds: number): number {
  return Math.round((Math.ceil(Math.max(0, seconds)) / 60) * 1000)
}
