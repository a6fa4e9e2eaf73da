/**
 * The rate-limit options, validated when saved and parsed once when options change (never per request).
 *
 * - new-api's per-user model request limits: `ModelRequestRateLimitEnabled`, `…Count` (every request, failures
 *   included; 0 = no such limit, as in new-api), `…SuccessCount` (successful requests, at least 1),
 *   `…DurationMinutes` (the window) and `…Group` (`{"vip": [count, successCount]}` per group, winning over both).
 * - Tollgate's group limits, `GroupRateLimits`: `{"vip": {"rpm_limit": 600, "tpm_limit": 100000,
 *   "concurrency_limit": 8}}`, applied per user of that group when the user sets none of its own.
 */

/** Per-minute requests, per-minute tokens and requests in flight; undefined = unlimited, 0 = none allowed. */
export interface LimitSet {
  rpm?: number
  tpm?: number
  concurrency?: number
}

export interface ModelRequestLimits {
  windowMs: number
  minutes: number
  count: number
  successCount: number
  groups: ReadonlyMap<string, [number, number]>
}

/** Maps, not objects: a group may be called anything, `constructor` included. */
export interface TrafficOptions {
  groups: ReadonlyMap<string, LimitSet>
  modelRequests?: ModelRequestLimits
}

export const defaultLimitOptions: Record<string, string> = {
  ModelRequestRateLimitEnabled: 'false',
  ModelRequestRateLimitCount: '0',
  ModelRequestRateLimitSuccessCount: '1000',
  ModelRequestRateLimitDurationMinutes: '1',
  ModelRequestRateLimitGroup: '{}',
  GroupRateLimits: '{}',
}

/** The largest limit accepted anywhere (new-api's bound for its group limits: a 32-bit integer). */
export const MAX_LIMIT = 2_147_483_647

/** The API names of a LimitSet's fields, on tokens, users and in GroupRateLimits. */
export const limitFieldNames = { rpm: 'rpm_limit', tpm: 'tpm_limit', concurrency: 'concurrency_limit' } as const

const isWhole = (value: unknown, minimum: number): value is number => Number.isSafeInteger(value) && (value as number) >= minimum && (value as number) <= MAX_LIMIT

/** Why `value` cannot be one limit field (`field` names it), or undefined when it can (null clears it). */
export function limitFieldProblem(field: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined
  return isWhole(value, 0) ? undefined : `${field} must be a whole number from 0 (none allowed) to ${MAX_LIMIT}, or null for no limit`
}

function parseJson(key: string, text: string): unknown {
  try { return JSON.parse(text) } catch { throw new Error(`${key} must be valid JSON`) }
}
const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object' && !Array.isArray(value)

/** Validate a rate-limit option; throws an Error naming the option (and the group and field) when malformed. */
export function validateLimitOption(key: string, text: string) {
  switch (key) {
    case 'ModelRequestRateLimitCount':
      if (!/^\d+$/.test(text.trim()) || !isWhole(Number(text), 0)) throw new Error(`${key} must be a whole number ≥ 0 (0 = no limit on all requests)`)
      return
    case 'ModelRequestRateLimitSuccessCount':
    case 'ModelRequestRateLimitDurationMinutes':
      if (!/^\d+$/.test(text.trim()) || !isWhole(Number(text), 1)) throw new Error(`${key} must be a whole number ≥ 1`)
      return
    case 'ModelRequestRateLimitGroup': {
      const parsed = parseJson(key, text)
      if (!isObject(parsed)) throw new Error(`${key} must be a JSON object of group → [count, successCount]`)
      for (const [group, pair] of Object.entries(parsed)) {
        if (!Array.isArray(pair) || pair.length !== 2 || !isWhole(pair[0], 0) || !isWhole(pair[1], 1)) {
          throw new Error(`${key}: group "${group}" must be [count ≥ 0, successCount ≥ 1], whole numbers up to ${MAX_LIMIT}`)
        }
      }
      return
    }
    case 'GroupRateLimits': {
      const parsed = parseJson(key, text)
      if (!isObject(parsed)) throw new Error(`${key} must be a JSON object of group → {rpm_limit, tpm_limit, concurrency_limit}`)
      for (const [group, limits] of Object.entries(parsed)) {
        if (!isObject(limits)) throw new Error(`${key}: group "${group}" must be an object such as {"rpm_limit": 60}`)
        const known: string[] = Object.values(limitFieldNames)
        for (const [field, value] of Object.entries(limits)) {
          if (!known.includes(field)) throw new Error(`${key}: group "${group}" has an unknown field "${field}" (known: ${known.join(', ')})`)
          const problem = limitFieldProblem(field, value)
          if (problem) throw new Error(`${key}: group "${group}": ${problem}`)
        }
      }
    }
  }
}

/** A LimitSet from an object with API field names (validated before it was stored). */
export function limitSetOf(source: Record<string, unknown>): LimitSet {
  const read = (field: string) => (typeof source[field] === 'number' ? source[field] as number : undefined)
  return { rpm: read(limitFieldNames.rpm), tpm: read(limitFieldNames.tpm), concurrency: read(limitFieldNames.concurrency) }
}

/** The parsed rate-limit options; a stored value that no longer parses counts as unset. */
export function parseLimitOptions(raw: Record<string, string | undefined>): TrafficOptions {
  const json = (text: string | undefined) => { try { const value = JSON.parse(text ?? ''); return isObject(value) ? value : {} } catch { return {} } }
  const groups = new Map<string, LimitSet>()
  for (const [group, limits] of Object.entries(json(raw.GroupRateLimits))) if (isObject(limits)) groups.set(group, limitSetOf(limits))
  if (raw.ModelRequestRateLimitEnabled !== 'true') return { groups }
  const whole = (text: string | undefined, fallback: number, minimum: number) => (isWhole(Number(text), minimum) ? Number(text) : fallback)
  const minutes = whole(raw.ModelRequestRateLimitDurationMinutes, 1, 1)
  const modelGroups = new Map<string, [number, number]>()
  for (const [group, pair] of Object.entries(json(raw.ModelRequestRateLimitGroup))) {
    if (Array.isArray(pair) && isWhole(pair[0], 0) && isWhole(pair[1], 1)) modelGroups.set(group, [pair[0], pair[1]])
  }
  return {
    groups,
    modelRequests: {
      minutes, windowMs: minutes * 60_000, groups: modelGroups,
      count: whole(raw.ModelRequestRateLimitCount, 0, 0), successCount: whole(raw.ModelRequestRateLimitSuccessCount, 1000, 1),
    },
  }
}
