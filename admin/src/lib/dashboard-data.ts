/**
 * Turns /api/data hourly rows into what the dashboard draws: totals, per-bucket series split by
 * model or channel, and a ranked breakdown. Pure, so it is unit-tested without a browser.
 */
import type { QuotaDataRow } from './types.ts'

export type Metric = 'quota' | 'count' | 'token_used'
export type GroupBy = 'model' | 'channel'

export interface Totals {
  quota: number
  count: number
  tokens: number
}

export interface BreakdownRow {
  key: string
  quota: number
  count: number
  tokens: number
}

export interface SeriesSet {
  /** Bucket start times (unix seconds), evenly spaced, covering the whole range. */
  timestamps: number[]
  /** One entry per group, values aligned with `timestamps`. */
  groups: { key: string; values: Record<Metric, number[]> }[]
  /** All groups summed, per bucket. */
  total: Record<Metric, number[]>
  bucketSeconds: number
}

export function groupKey(row: QuotaDataRow, groupBy: GroupBy): string {
  if (groupBy === 'model') return row.model_name || '(unknown)'
  return row.channel_id ? String(row.channel_id) : '(unknown)'
}

export function computeTotals(rows: QuotaDataRow[]): Totals {
  const totals = { quota: 0, count: 0, tokens: 0 }
  for (const row of rows) {
    totals.quota += row.quota ?? 0
    totals.count += row.count ?? 0
    totals.tokens += row.token_used ?? 0
  }
  return totals
}

export function computeBreakdown(rows: QuotaDataRow[], groupBy: GroupBy): BreakdownRow[] {
  const byKey = new Map<string, BreakdownRow>()
  for (const row of rows) {
    const key = groupKey(row, groupBy)
    const entry = byKey.get(key) ?? { key, quota: 0, count: 0, tokens: 0 }
    entry.quota += row.quota ?? 0
    entry.count += row.count ?? 0
    entry.tokens += row.token_used ?? 0
    byKey.set(key, entry)
  }
  return [...byKey.values()].sort((left, right) => right.quota - left.quota || right.count - left.count)
}

/** Hourly buckets up to a week; daily beyond, so a month of bars stays readable. */
export function chooseBucketSeconds(startSeconds: number, endSeconds: number): number {
  return endSeconds - startSeconds > 7 * 86400 ? 86400 : 3600
}

/** Start of the bucket that holds `seconds`; days follow the browser's local midnight. */
export function bucketStart(seconds: number, bucketSeconds: number): number {
  if (bucketSeconds === 86400) {
    const date = new Date(seconds * 1000)
    return Math.floor(new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() / 1000)
  }
  return Math.floor(seconds / bucketSeconds) * bucketSeconds
}

function nextBucket(seconds: number, bucketSeconds: number): number {
  if (bucketSeconds === 86400) {
    const date = new Date(seconds * 1000)
    return Math.floor(new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime() / 1000)
  }
  return seconds + bucketSeconds
}

/**
 * Series for the charts. Groups beyond `maxGroups` (ranked by quota, then requests) are folded
 * into one "other" group so the legend stays readable.
 */
export function computeSeries(rows: QuotaDataRow[], options: { start: number; end: number; groupBy: GroupBy; maxGroups?: number; otherLabel?: string }): SeriesSet {
  const bucketSeconds = chooseBucketSeconds(options.start, options.end)
  const timestamps: number[] = []
  const index = new Map<number, number>()
  for (let time = bucketStart(options.start, bucketSeconds); time <= options.end; time = nextBucket(time, bucketSeconds)) {
    index.set(time, timestamps.length)
    timestamps.push(time)
  }
  const maxGroups = options.maxGroups ?? 8
  const ranked = computeBreakdown(rows, options.groupBy).map((entry) => entry.key)
  const kept = new Set(ranked.slice(0, maxGroups))
  const otherKey = options.otherLabel ?? 'other'
  const keys = [...ranked.slice(0, maxGroups), ...(ranked.length > maxGroups ? [otherKey] : [])]
  const empty = () => ({ quota: timestamps.map(() => 0), count: timestamps.map(() => 0), token_used: timestamps.map(() => 0) })
  const groups = keys.map((key) => ({ key, values: empty() }))
  const groupIndex = new Map(keys.map((key, position) => [key, position]))
  const total = empty()
  for (const row of rows) {
    const position = index.get(bucketStart(row.created_at, bucketSeconds))
    if (position === undefined) continue
    const key = groupKey(row, options.groupBy)
    const group = groups[groupIndex.get(kept.has(key) ? key : otherKey)!]
    for (const metric of ['quota', 'count', 'token_used'] as const) {
      group.values[metric][position] += row[metric] ?? 0
      total[metric][position] += row[metric] ?? 0
    }
  }
  return { timestamps, groups, total, bucketSeconds }
}
