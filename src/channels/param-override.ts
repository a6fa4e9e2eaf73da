/**
 * A channel's `param_override`, compiled once when the routing cache is built (never parsed per request). Two
 * forms, as new-api reads them:
 *   - a plain object: its keys are set on the top level of every request body;
 *   - `{"operations": [...]}`: edits applied in order, each optionally guarded by conditions —
 *     `{"path": "a.b.0", "mode": "set" | "delete" | "move" | "prepend" | "append" | "block" | "pass", "value": …,
 *       "keep_origin": bool, "from": path, "to": path, "conditions": [{"path", "mode": "full" | "prefix" | "suffix" |
 *       "contains" | "gt" | "gte" | "lt" | "lte", "value", "invert", "pass_missing_key"}], "logic": "OR" | "AND"}`.
 * Paths are dot-separated keys and array indexes; a negative index counts from the end (`messages.-1.content`).
 * `block` refuses the request on this channel (the relay tries the next); `pass` stops applying operations.
 */
import { GatewayError } from '../errors.ts'

export type BodyOverride = (body: Record<string, unknown>) => Record<string, unknown>

/** `block` refuses the request on this channel only: retryable, so the relay tries the next one. */
const blocked = () => new GatewayError(403, 'Request blocked by the channel\'s param_override conditions', 'channel:param_override_blocked', 'new_api_error', true)

const OPERATION_MODES = ['set', 'delete', 'move', 'prepend', 'append', 'block', 'pass'] as const
const CONDITION_MODES = ['full', 'prefix', 'suffix', 'contains', 'gt', 'gte', 'lt', 'lte'] as const

interface Condition { path: string[]; mode: typeof CONDITION_MODES[number]; value: unknown; invert: boolean; passMissingKey: boolean }
interface Operation {
  mode: typeof OPERATION_MODES[number]
  path: string[]
  from: string[]
  to: string[]
  value: unknown
  keepOrigin: boolean
  conditions: Condition[]
  all: boolean
}

/** Compile a stored override; throws an Error naming the offending field (the API turns it into a 400). */
export function compileParamOverride(override: Record<string, unknown>): BodyOverride | undefined {
  if (Object.keys(override).length === 0) return undefined
  if (!('operations' in override)) {
    const values = override
    return (body) => ({ ...body, ...values })
  }
  if (!Array.isArray(override.operations)) throw new Error('param_override.operations must be an array')
  const operations = override.operations.map((raw, index) => compileOperation(raw, `param_override.operations[${index}]`))
  return (body) => applyOperations(body, operations)
}

function compileOperation(raw: unknown, where: string): Operation {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be an object`)
  const entry = raw as Record<string, unknown>
  const mode = entry.mode
  if (!OPERATION_MODES.includes(mode as never)) throw new Error(`${where}.mode must be one of ${OPERATION_MODES.join(', ')}`)
  const path = (field: string, required: boolean) => {
    const text = entry[field]
    if (text === undefined && !required) return []
    if (typeof text !== 'string' || !text.trim()) throw new Error(`${where}.${field} must be a path like "messages.0.content"`)
    return text.split('.')
  }
  const conditions = entry.conditions === undefined ? [] : entry.conditions
  if (!Array.isArray(conditions)) throw new Error(`${where}.conditions must be an array`)
  const logic = entry.logic === undefined ? 'OR' : String(entry.logic).toUpperCase()
  if (logic !== 'OR' && logic !== 'AND') throw new Error(`${where}.logic must be AND or OR`)
  const needsPath = mode === 'set' || mode === 'delete' || mode === 'prepend' || mode === 'append'
  if ((mode === 'set' || mode === 'prepend' || mode === 'append') && !('value' in entry)) throw new Error(`${where}.value is required for ${mode}`)
  return {
    mode: mode as Operation['mode'], path: path('path', needsPath), from: path('from', mode === 'move'), to: path('to', mode === 'move'),
    value: entry.value, keepOrigin: entry.keep_origin === true, all: logic === 'AND',
    conditions: conditions.map((condition, index) => compileCondition(condition, `${where}.conditions[${index}]`)),
  }
}

function compileCondition(raw: unknown, where: string): Condition {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${where} must be an object`)
  const entry = raw as Record<string, unknown>
  const mode = String(entry.mode ?? '').toLowerCase()
  if (!CONDITION_MODES.includes(mode as never)) throw new Error(`${where}.mode must be one of ${CONDITION_MODES.join(', ')}`)
  if (typeof entry.path !== 'string' || !entry.path.trim()) throw new Error(`${where}.path must be a path like "model"`)
  if (['gt', 'gte', 'lt', 'lte'].includes(mode) && typeof entry.value !== 'number') throw new Error(`${where}.value must be a number for ${mode}`)
  return { path: entry.path.split('.'), mode: mode as Condition['mode'], value: entry.value, invert: entry.invert === true, passMissingKey: entry.pass_missing_key === true }
}

type Container = Record<string, unknown> | unknown[]

/** The key into a container: a negative array index counts from the end. */
function keyIn(container: Container, segment: string): string | number {
  if (!Array.isArray(container)) return segment
  const index = Number(segment)
  if (!Number.isInteger(index)) return segment
  return index < 0 ? container.length + index : index
}

function read(body: unknown, path: string[]): { found: boolean; value?: unknown } {
  let current: unknown = body
  for (const segment of path) {
    if (!current || typeof current !== 'object') return { found: false }
    const key = keyIn(current as Container, segment)
    if (!(key in (current as object))) return { found: false }
    current = (current as Record<string | number, unknown>)[key]
  }
  return { found: true, value: current }
}

/** The container holding the path's last segment, copied on the way down so the client's body is never changed. */
function parentFor(root: Record<string, unknown>, path: string[], create: boolean): { parent: Container; key: string | number } | undefined {
  let current: Container = root
  for (let index = 0; index < path.length - 1; index++) {
    const key = keyIn(current, path[index]!)
    let next = (current as Record<string | number, unknown>)[key]
    if (!next || typeof next !== 'object') {
      if (!create) return undefined
      next = /^\d+$/.test(path[index + 1]!) ? [] : {}
    } else next = Array.isArray(next) ? [...next] : { ...next as object }
    ;(current as Record<string | number, unknown>)[key] = next
    current = next as Container
  }
  return { parent: current, key: keyIn(current, path[path.length - 1]!) }
}

function write(root: Record<string, unknown>, path: string[], value: unknown) {
  const slot = parentFor(root, path, true)!
  ;(slot.parent as Record<string | number, unknown>)[slot.key] = value
}

function remove(root: Record<string, unknown>, path: string[]) {
  const slot = parentFor(root, path, false)
  if (!slot) return
  if (Array.isArray(slot.parent) && typeof slot.key === 'number') slot.parent.splice(slot.key, 1)
  else delete (slot.parent as Record<string | number, unknown>)[slot.key]
}

function matches(body: Record<string, unknown>, condition: Condition): boolean {
  const { found, value } = read(body, condition.path)
  if (!found) return condition.passMissingKey
  let result: boolean
  switch (condition.mode) {
    case 'full': result = JSON.stringify(value) === JSON.stringify(condition.value); break
    case 'prefix': result = String(value).startsWith(String(condition.value)); break
    case 'suffix': result = String(value).endsWith(String(condition.value)); break
    case 'contains': result = String(value).includes(String(condition.value)); break
    default: {
      const limit = condition.value as number
      result = typeof value === 'number' && (condition.mode === 'gt' ? value > limit : condition.mode === 'gte' ? value >= limit : condition.mode === 'lt' ? value < limit : value <= limit)
    }
  }
  return condition.invert ? !result : result
}

function combine(current: unknown, value: unknown, keepOrigin: boolean, prepend: boolean): unknown {
  if (Array.isArray(current)) {
    const added = Array.isArray(value) ? value : [value]
    return prepend ? [...added, ...current] : [...current, ...added]
  }
  if (typeof current === 'string') return prepend ? `${String(value)}${current}` : `${current}${String(value)}`
  if (current && typeof current === 'object' && value && typeof value === 'object') {
    return keepOrigin ? { ...value as object, ...current as object } : { ...current as object, ...value as object }
  }
  // Nothing there yet (or a number): append/prepend set the value, as a list when the value is one.
  return value
}

function applyOperations(input: Record<string, unknown>, operations: Operation[]): Record<string, unknown> {
  const body = { ...input }
  for (const operation of operations) {
    if (operation.conditions.length > 0) {
      const passed = operation.all ? operation.conditions.every((condition) => matches(body, condition)) : operation.conditions.some((condition) => matches(body, condition))
      if (!passed) continue
    }
    switch (operation.mode) {
      case 'block': throw blocked()
      case 'pass': return body
      case 'delete': remove(body, operation.path); break
      case 'set':
        if (operation.keepOrigin && read(body, operation.path).found) break
        write(body, operation.path, operation.value)
        break
      case 'move': {
        const source = read(body, operation.from)
        if (!source.found) break
        write(body, operation.to, source.value)
        remove(body, operation.from)
        break
      }
      case 'prepend':
      case 'append':
        write(body, operation.path, combine(read(body, operation.path).value, operation.value, operation.keepOrigin, operation.mode === 'prepend'))
        break
    }
  }
  return body
}
