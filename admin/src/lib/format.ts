/** Display helpers shared by the tables. Pure, so they are unit-tested without a browser. */

function pad(value: number): string {
  return String(value).padStart(2, '0')
}

/** Unix seconds → `2026-08-09 14:03:07` in the browser's time zone; blank for 0/missing. */
export function formatTimestamp(seconds: number | null | undefined): string {
  if (!seconds || seconds <= 0) return ''
  const date = new Date(seconds * 1000)
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
}

/** Unix seconds → value for <input type="datetime-local">. */
export function toDateTimeInput(seconds: number | null | undefined): string {
  if (!seconds || seconds <= 0) return ''
  const date = new Date(seconds * 1000)
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** <input type="datetime-local"> value → unix seconds (local time); null when blank or invalid. */
export function fromDateTimeInput(text: string): number | null {
  if (!text) return null
  const milliseconds = new Date(text).getTime()
  return Number.isFinite(milliseconds) ? Math.floor(milliseconds / 1000) : null
}

/** <input type="date"> value → unix seconds at local midnight; `endOfDay` gives 23:59:59. */
export function fromDateInput(text: string, endOfDay = false): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text)
  if (!match) return null
  const date = endOfDay
    ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]), 23, 59, 59)
    : new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  return Math.floor(date.getTime() / 1000)
}

export function toDateInput(seconds: number): string {
  const date = new Date(seconds * 1000)
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

export function formatCount(value: number | null | undefined): string {
  return (value ?? 0).toLocaleString('en-US')
}

/** 1234567 → 1.23M; axes and cards need short figures. */
export function formatCompact(value: number): string {
  const magnitude = Math.abs(value)
  if (magnitude >= 1e9) return `${(value / 1e9).toFixed(2)}B`
  if (magnitude >= 1e6) return `${(value / 1e6).toFixed(2)}M`
  if (magnitude >= 1e4) return `${(value / 1e3).toFixed(1)}K`
  if (Number.isInteger(value)) return String(value)
  // Small fractions (RPM 0.005) keep their significant digits instead of rounding to 0.01.
  return magnitude >= 1 ? value.toFixed(2) : String(Number(value.toPrecision(2)))
}

/** Milliseconds (or seconds with unit 's') → `850 ms` / `2.31 s`. */
export function formatDuration(value: number, unit: 'ms' | 's' = 'ms'): string {
  const milliseconds = unit === 's' ? value * 1000 : value
  if (!Number.isFinite(milliseconds) || milliseconds <= 0) return unit === 's' ? `${value} s` : '0 ms'
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`
  return `${(milliseconds / 1000).toFixed(2)} s`
}

/** Mask a key for display: first 4 + stars + last 4, the way new-api shows tokens. */
export function maskKey(key: string): string {
  if (key.includes('*')) return key
  if (key.length <= 8) return key
  return `${key.slice(0, 4)}${'*'.repeat(10)}${key.slice(-4)}`
}
