import { describe, expect, test } from 'bun:test'
import { formatCompact, formatDuration, fromDateInput, fromDateTimeInput, maskKey, toDateInput, toDateTimeInput } from './format.ts'

describe('format helpers', () => {
  test('date inputs and unix seconds convert both ways in local time', () => {
    const seconds = fromDateTimeInput('2026-03-10T14:05')!
    expect(toDateTimeInput(seconds)).toBe('2026-03-10T14:05')
    expect(fromDateInput('2026-03-10')).toBe(new Date(2026, 2, 10).getTime() / 1000)
    expect(fromDateInput('2026-03-10', true)).toBe(new Date(2026, 2, 10, 23, 59, 59).getTime() / 1000)
    expect(toDateInput(fromDateInput('2026-12-31')!)).toBe('2026-12-31')
    expect(fromDateInput('31/12/2026')).toBeNull()
    expect(fromDateTimeInput('')).toBeNull()
  })

  test('durations and compact counts', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(2.314, 's')).toBe('2.31 s')
    expect(formatCompact(1_234_567)).toBe('1.23M')
    expect(formatCompact(12_500)).toBe('12.5K')
    expect(formatCompact(42)).toBe('42')
    expect(formatCompact(0.0125)).toBe('0.013')
    expect(formatCompact(2.5)).toBe('2.50')
  })

  test('keys are masked like new-api: first 4, stars, last 4', () => {
    expect(maskKey('abcdefghijklmnopqrstuvwxyz')).toBe('abcd**********wxyz')
    expect(maskKey('abcd**********wxyz')).toBe('abcd**********wxyz')
  })
})
