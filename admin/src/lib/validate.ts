/**
 * Form checks run before anything is sent. Each returns `null` when the value is fine, else an
 * error as `{ key, params }` so the caller translates it (the messages live in i18n.ts).
 */

export interface ValidationError {
  key: 'error.json_invalid' | 'error.json_not_object' | 'error.mapping_value_string' | 'error.status_code_invalid'
    | 'error.status_ranges_invalid' | 'error.required' | 'error.number_invalid' | 'error.ip_invalid' | 'error.too_long'
  params?: Record<string, string | number>
}

function parseObject(text: string): { value: Record<string, unknown> } | ValidationError {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { key: 'error.json_invalid', params: { detail: (error as Error).message } }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { key: 'error.json_not_object' }
  return { value: value as Record<string, unknown> }
}

/** Any JSON object, or empty. Used for setting, param_override, header_override. */
export function validateJsonObject(text: string): ValidationError | null {
  if (text.trim() === '') return null
  const parsed = parseObject(text)
  return 'key' in parsed ? parsed : null
}

/** `{"requested model": "upstream model"}`; every value a non-empty string. */
export function validateModelMapping(text: string): ValidationError | null {
  if (text.trim() === '') return null
  const parsed = parseObject(text)
  if ('key' in parsed) return parsed
  for (const [name, value] of Object.entries(parsed.value)) {
    if (typeof value !== 'string' || value.trim() === '') return { key: 'error.mapping_value_string', params: { name } }
  }
  return null
}

function isStatusCode(value: unknown): boolean {
  const text = typeof value === 'number' ? String(value) : value
  if (typeof text !== 'string' || !/^\d{3}$/.test(text)) return false
  const code = Number(text)
  return code >= 100 && code <= 599
}

/** `{"<upstream status>": "<status returned>"}`, both HTTP codes 100-599. */
export function validateStatusCodeMapping(text: string): ValidationError | null {
  if (text.trim() === '') return null
  const parsed = parseObject(text)
  if ('key' in parsed) return parsed
  for (const [from, to] of Object.entries(parsed.value)) {
    if (!isStatusCode(from)) return { key: 'error.status_code_invalid', params: { name: from } }
    if (!isStatusCode(to)) return { key: 'error.status_code_invalid', params: { name: `${from} → ${String(to)}` } }
  }
  return null
}

/** `{"name": number}` maps such as ModelRatio, GroupRatio, ModelPrice. */
export function validateNumberMap(text: string): ValidationError | null {
  if (text.trim() === '') return null
  const parsed = parseObject(text)
  if ('key' in parsed) return parsed
  for (const [name, value] of Object.entries(parsed.value)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return { key: 'error.number_invalid', params: { name } }
  }
  return null
}

/** Status code ranges as the auto-disable / retry options take them: `401,403,500-599`. */
export function validateStatusRanges(text: string): ValidationError | null {
  if (text.trim() === '') return null
  for (const part of text.split(',')) {
    const item = part.trim()
    const match = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(item)
    if (!match) return { key: 'error.status_ranges_invalid', params: { name: item || '(empty)' } }
    const low = Number(match[1])
    const high = match[2] ? Number(match[2]) : low
    if (low < 100 || high > 599 || high < low) return { key: 'error.status_ranges_invalid', params: { name: item } }
  }
  return null
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

function isIpOrCidr(text: string): boolean {
  const [address, prefix, extra] = text.split('/')
  if (extra !== undefined || !address) return false
  if (ipv4.test(address)) return prefix === undefined || (/^\d{1,2}$/.test(prefix) && Number(prefix) <= 32)
  // IPv6: hex groups and colons, at most one `::`; good enough to catch typos without a parser.
  if (/^[0-9a-fA-F:]+$/.test(address) && address.includes(':') && address.split('::').length <= 2) {
    return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= 128)
  }
  return false
}

/** Token allow-list: one IP or CIDR per line (new-api strips spaces and commas inside a line). */
export function validateIpList(text: string): ValidationError | null {
  for (const line of text.split('\n')) {
    const item = line.replace(/[\s,]/g, '')
    if (item === '') continue
    if (!isIpOrCidr(item)) return { key: 'error.ip_invalid', params: { name: item } }
  }
  return null
}

/** Comma-separated list → trimmed, de-duplicated, no empties; the wire format of models and groups. */
export function normaliseList(text: string): string {
  const seen = new Set<string>()
  for (const item of text.split(/[,\n]/)) {
    const trimmed = item.trim()
    if (trimmed) seen.add(trimmed)
  }
  return [...seen].join(',')
}

export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
