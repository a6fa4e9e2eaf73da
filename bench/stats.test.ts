import { expect, test } from 'bun:test'
import { percentile, SampleReservoir, summarize } from './stats.ts'

test('nearest-rank percentiles and mean', () => {
  const values = Array.from({ length: 100 }, (_, index) => 100 - index)
  const summary = summarize(values)
  expect(summary.p50).toBe(50)
  expect(summary.p99).toBe(99)
  expect(summary.min).toBe(1)
  expect(summary.max).toBe(100)
  expect(summary.mean).toBe(50.5)
  expect(percentile(new Float64Array([7]), 0.99)).toBe(7)
  expect(Number.isNaN(summarize([]).p50)).toBe(true)
})

test('the reservoir keeps everything under capacity and stays bounded above it', () => {
  const reservoir = new SampleReservoir(10)
  for (let value = 0; value < 5; value++) reservoir.add(value)
  expect(Array.from(reservoir.values())).toEqual([0, 1, 2, 3, 4])
  for (let value = 5; value < 10_000; value++) reservoir.add(value)
  expect(reservoir.count).toBe(10_000)
  expect(reservoir.values().length).toBe(10)
  // A uniform sample of 0..9999 is very unlikely to sit entirely in the first 10 values.
  expect(Math.max(...reservoir.values())).toBeGreaterThan(10)
})
