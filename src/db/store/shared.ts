import { eq, like, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Page, PageResult } from '../types.ts'

/** A failed uniqueness rule, reported by field so the API can say which one. */
export class DuplicateError extends Error {
  constructor(readonly field: string) {
    super(`${field} already exists`)
    this.name = 'DuplicateError'
  }
}

// drizzle wraps driver errors; the driver's own error (with its code) is the cause.
const isUniqueViolation = (error: unknown): boolean => {
  if (!error || typeof error !== 'object') return false
  const { code, message, cause } = error as { code?: string; message?: string; cause?: unknown }
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || String(message).includes('UNIQUE constraint failed') || isUniqueViolation(cause)
}

/** Run an insert or update, turning a uniqueness violation into a DuplicateError naming `field`. */
export async function insertUnique<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (isUniqueViolation(error)) throw new DuplicateError(field)
    throw error
  }
}

/** Exact match unless the pattern holds `%` (new-api: LIKE with at most two `%`). */
export function matchText(column: AnyColumn, pattern: string): SQL {
  if (!pattern.includes('%')) return eq(column, pattern)
  return like(column, pattern)
}

export const now = () => Math.floor(Date.now() / 1000)

export const offset = (page: Page) => (page.page - 1) * page.pageSize

/** An update with nothing to set (`PUT` with only the id): drizzle refuses it, so the row is read instead. */
export const nothingToSet = (changes: object) => Object.values(changes).every((value) => value === undefined)

/** One page of rows and the total matching count, queried together. */
export async function paged<T>(items: Promise<T[]>, total: Promise<{ value: number }[]>): Promise<PageResult<T>> {
  const [rows, totals] = await Promise.all([items, total])
  return { items: rows, total: Number(totals[0]?.value ?? 0) }
}
