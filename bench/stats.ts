/** Summary statistics for latency samples. Percentiles use the nearest-rank method on a sorted copy. */
export interface Summary {
  count: number
  mean: number
  p50: number
  p90: number
  p99: number
  min: number
  max: number
}

export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(fraction * sorted.length)
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!
}

export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort()
  let total = 0
  for (const value of sorted) total += value
  return {
    count: sorted.length,
    mean: sorted.length ? total / sorted.length : Number.NaN,
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    min: sorted.length ? sorted[0]! : Number.NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  }
}

/**
 * A bounded sample store for load runs: keeps every sample up to `capacity`, then a uniform reservoir
 * (Algorithm R), so a long run at high rates cannot grow memory without bound.
 */
export class SampleReservoir {
  private readonly samples: Float64Array
  private seen = 0

  constructor(readonly capacity = 1_000_000) {
    this.samples = new Float64Array(capacity)
  }

  add(value: number): void {
    if (this.seen < this.capacity) {
      this.samples[this.seen] = value
    } else {
      const slot = Math.floor(Math.random() * (this.seen + 1))
      if (slot < this.capacity) this.samples[slot] = value
    }
    this.seen++
  }

  get count(): number {
    return this.seen
  }

  values(): Float64Array {
    return this.samples.subarray(0, Math.min(this.seen, this.capacity))
  }
}
