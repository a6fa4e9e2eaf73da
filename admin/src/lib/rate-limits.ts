/**
 * The rate-limit fields of API keys and users (`rpm_limit`, `tpm_limit`, `concurrency_limit`): an empty box is no
 * limit (null), 0 allows nothing. Pure helpers, tested without a browser.
 */

export interface RateLimits {
  rpm_limit?: number | null
  tpm_limit?: number | null
  concurrency_limit?: number | null
}

export type RateLimitField = keyof RateLimits
export const rateLimitFields: RateLimitField[] = ['rpm_limit', 'tpm_limit', 'concurrency_limit']

/** What the form holds: the text of each box. */
export type RateLimitTexts = Record<RateLimitField, string>

/** The largest limit the server accepts. */
const MAX_LIMIT = 2_147_483_647

export const rateLimitTexts = (source: RateLimits): RateLimitTexts => ({
  rpm_limit: source.rpm_limit == null ? '' : String(source.rpm_limit),
  tpm_limit: source.tpm_limit == null ? '' : String(source.tpm_limit),
  concurrency_limit: source.concurrency_limit == null ? '' : String(source.concurrency_limit),
})

export const emptyRateLimits: RateLimitTexts = { rpm_limit: '', tpm_limit: '', concurrency_limit: '' }

/** The value a box stands for: null when empty, a whole number, or undefined when it is not one. */
export function parseRateLimit(text: string): number | null | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return null
  if (!/^\d+$/.test(trimmed)) return undefined
  const value = Number(trimmed)
  return value <= MAX_LIMIT ? value : undefined
}

/** The boxes that do not hold a valid limit. */
export const invalidRateLimits = (texts: RateLimitTexts): RateLimitField[] => rateLimitFields.filter((field) => parseRateLimit(texts[field]) === undefined)

/** The API body part: every field, null for an empty box (which clears a limit). */
export function rateLimitBody(texts: RateLimitTexts): Required<RateLimits> {
  return {
    rpm_limit: parseRateLimit(texts.rpm_limit) ?? null,
    tpm_limit: parseRateLimit(texts.tpm_limit) ?? null,
    concurrency_limit: parseRateLimit(texts.concurrency_limit) ?? null,
  }
}
