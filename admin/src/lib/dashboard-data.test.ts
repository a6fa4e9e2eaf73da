import { describe, expect, test } from 'bun:test'
import { bucketStart, chooseBucketSeconds, computeBreakdown, computeSeries, computeTotals } from './dashboard-data.ts'
import type { QuotaDataRow } from './types.ts'

const hour = 3600
const start = 1_760_000_400 - (1_760_000_400 % hour)
const rows: QuotaDataRow[] = [
  { model_name: 'gpt-4o', created_at: start, count: 2, token_used: 100, quota: 1000, channel_id: 1 },
  { model_name: 'gpt-4o', created_at: start + hour, count: 1, token_used: 50, quota: 500, channel_id: 2 },
  { model_name: 'claude', created_at: start + hour, count: 4, token_used: 400, quota: 3000, channel_id: 2 },
  { model_name: 'tiny', created_at: start + 2 * hour, count: 1, token_used: 1, quota: 1, channel_id: 3 },
]

describe('dashboard aggregation', () => {
  test('totals add every row', () => {
    expect(computeTotals(rows)).toEqual({ quota: 4501, count: 8, tokens: 551 })
  })

  test('breakdown ranks by quota, by model or by channel', () => {
    expect(computeBreakdown(rows, 'model').map((row) => [row.key, row.quota])).toEqual([['claude', 3000], ['gpt-4o', 1500], ['tiny', 1]])
    expect(computeBreakdown(rows, 'channel').map((row) => [row.key, row.count])).toEqual([['2', 5], ['1', 2], ['3', 1]])
  })

  test('series fill every hour of the range, including empty ones, and sum to the totals', () => {
    const series = computeSeries(rows, { start, end: start + 4 * hour - 1, groupBy: 'model' })
    expect(series.timestamps).toEqual([start, start + hour, start + 2 * hour, start + 3 * hour])
    expect(series.total.count).toEqual([2, 5, 1, 0])
    const gpt = series.groups.find((group) => group.key === 'gpt-4o')!
    expect(gpt.values.quota).toEqual([1000, 500, 0, 0])
  })

  test('groups beyond the limit fold into one "other" series', () => {
    const series = computeSeries(rows, { start, end: start + 3 * hour, groupBy: 'model', maxGroups: 1, otherLabel: 'Other' })
    expect(series.groups.map((group) => group.key)).toEqual(['claude', 'Other'])
    expect(series.groups[1]!.values.count).toEqual([2, 1, 1, 0])
  })

  test('rows outside the range are ignored', () => {
    const series = computeSeries(rows, { start: start + hour, end: start + 2 * hour - 1, groupBy: 'model' })
    expect(series.total.quota).toEqual([3500])
  })

  test('ranges over a week use daily buckets at local midnight', () => {
    expect(chooseBucketSeconds(0, 7 * 86400)).toBe(3600)
    expect(chooseBucketSeconds(0, 8 * 86400)).toBe(86400)
    const noon = new Date(2026, 2, 10, 12, 30).getTime() / 1000
    expect(bucketStart(noon, 86400)).toBe(new Date(2026, 2, 10).getTime() / 1000)
    const series = computeSeries(rows, { start: start - 10 * 86400, end: start + 86400, groupBy: 'model' })
    expect(series.bucketSeconds).toBe(86400)
    expect(series.total.count.reduce((sum, value) => sum + value, 0)).toBe(8)
  })
})
