/**
 * Column values as the three drivers hand them over, made uniform: bun:sqlite gives 0/1 for booleans, mysql2
 * numbers and text, postgres.js bigint and decimal as strings. NULL becomes the column's zero value, as gorm does
 * when it reads a row.
 */

export const int = (value: unknown): number => {
  if (value === null || value === undefined || value === '') return 0
  const number = typeof value === 'bigint' ? Number(value) : Number(value)
  return Number.isFinite(number) ? Math.trunc(number) : 0
}

export const float = (value: unknown): number => {
  const number = Number(value ?? 0)
  return Number.isFinite(number) ? number : 0
}

export const bool = (value: unknown): boolean =>
  value === true || value === 1 || value === '1' || value === 't' || value === 'true' || (typeof value === 'bigint' && value !== 0n)

export const text = (value: unknown): string => {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8')
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** A value gorm would write for an unset field (so it is not worth reporting as lost). */
export const isEmptyValue = (value: unknown): boolean =>
  value === null || value === undefined || value === '' || value === 0 || value === '0' || value === false || value === 0n || value === '{}' || value === '[]'

/** A soft-deleted row (gorm's DeletedAt): set means the application no longer shows it. */
export const isSoftDeleted = (row: Record<string, unknown>) => row.deleted_at !== null && row.deleted_at !== undefined && row.deleted_at !== ''
