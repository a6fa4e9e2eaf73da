import { t } from 'elysia'
import { badRequest } from '../errors.ts'
import { limitFieldNames, limitFieldProblem } from './limit-options.ts'

/**
 * The rate-limit fields of tokens and users in the management API: `rpm_limit` (requests per minute), `tpm_limit`
 * (tokens per minute, counted from each answer's usage) and `concurrency_limit` (requests in flight). null or
 * absent = unlimited; 0 = none allowed.
 */
const nullableLimit = (what: string) => t.Optional(t.Union([t.Number(), t.Null()], { error: `${what} must be a whole number ≥ 0, or null for no limit` }))

export const LimitFields = {
  rpm_limit: nullableLimit('rpm_limit'),
  tpm_limit: nullableLimit('tpm_limit'),
  concurrency_limit: nullableLimit('concurrency_limit'),
}

export const LimitSchema = {
  rpm_limit: t.Union([t.Integer(), t.Null()]),
  tpm_limit: t.Union([t.Integer(), t.Null()]),
  concurrency_limit: t.Union([t.Integer(), t.Null()]),
}

interface LimitColumns { rpmLimit: number | null; tpmLimit: number | null; concurrencyLimit: number | null }

export const limitJson = (row: LimitColumns) => ({ rpm_limit: row.rpmLimit ?? null, tpm_limit: row.tpmLimit ?? null, concurrency_limit: row.concurrencyLimit ?? null })

/** The columns a body changes; a malformed value is a 400 that names its field, and nothing is changed. */
export function limitChanges(input: { rpm_limit?: number | null; tpm_limit?: number | null; concurrency_limit?: number | null }): Partial<LimitColumns> {
  const changes: Partial<LimitColumns> = {}
  const columns = { rpm: 'rpmLimit', tpm: 'tpmLimit', concurrency: 'concurrencyLimit' } as const
  for (const [limit, field] of Object.entries(limitFieldNames) as [keyof typeof columns, keyof typeof input][]) {
    const value = input[field]
    if (value === undefined) continue
    const problem = limitFieldProblem(field, value)
    if (problem) throw badRequest(problem)
    changes[columns[limit]] = value
  }
  return changes
}
