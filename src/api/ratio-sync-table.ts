import type { RuntimeOptions } from '../cache/options.ts'
import { priceFor } from '../billing/pricing.ts'

/**
 * Price sync's pure half: read another gateway's answer into one price table, compare it with the local options,
 * and turn an administrator's chosen values into new option maps. No I/O here (src/api/ratio-sync.ts fetches and
 * writes), so every rule is testable on plain data.
 */

/** The per-model price fields a sync compares, in new-api's names (its `/api/ratio_config` keys). */
export const syncFields = ['model_ratio', 'completion_ratio', 'cache_ratio', 'create_cache_ratio', 'image_ratio', 'audio_ratio', 'audio_completion_ratio', 'model_price'] as const
export type SyncField = (typeof syncFields)[number]

/** The option each field is stored in. */
export const optionKeyOf: Record<SyncField, string> = {
  model_ratio: 'ModelRatio', completion_ratio: 'CompletionRatio', cache_ratio: 'CacheRatio', create_cache_ratio: 'CreateCacheRatio',
  image_ratio: 'ImageRatio', audio_ratio: 'AudioRatio', audio_completion_ratio: 'AudioCompletionRatio', model_price: 'ModelPrice',
}

const fieldOfOptionKey = new Map(syncFields.map((field) => [optionKeyOf[field], field]))
const isSyncField = (name: string): name is SyncField => (syncFields as readonly string[]).includes(name)

/** model → value, per field; only non-negative finite numbers ever get in. */
export type PriceTable = Record<SyncField, Record<string, number>>

/** What an upstream's answer turned out to be: a ratio document (`/api/ratio_config`, a JSON file of option maps) or a price list (`/api/pricing`). */
export type UpstreamFormat = 'ratio_config' | 'pricing'

export interface ParsedUpstream {
  format: UpstreamFormat
  table: PriceTable
  /** Models seen with at least one price. */
  models: number
  /** Entries left out because their value was no non-negative number (or a per-expression price we cannot express). */
  skipped: number
}

const emptyTable = (): PriceTable => Object.fromEntries(syncFields.map((field) => [field, {}])) as unknown as PriceTable
const isPrice = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * Read a fetched JSON answer. Accepted, with or without new-api's `{success, data}` envelope: an object of price
 * maps keyed by new-api's field names (`model_ratio`…) or by option names (`ModelRatio`…, a map or the option's
 * JSON text), or new-api's pricing list (`[{model_name, quota_type, model_ratio, model_price, …}]`).
 * Throws an Error saying what the answer was instead.
 */
export function parseUpstreamDocument(document: unknown): ParsedUpstream {
  let payload = document
  if (isObject(document) && typeof document.success === 'boolean') {
    if (!document.success) throw new Error(`the upstream answered success:false${typeof document.message === 'string' && document.message ? `: ${document.message}` : ''}`)
    payload = document.data
  }
  if (Array.isArray(payload)) return readPricingList(payload)
  if (isObject(payload)) {
    const parsed = readPriceMaps(payload)
    if (parsed) return parsed
  }
  throw new Error('the answer holds no price maps (model_ratio, completion_ratio, model_price…) and no pricing list')
}

function readPriceMaps(document: Record<string, unknown>): ParsedUpstream | undefined {
  const table = emptyTable()
  let found = false
  let skipped = 0
  for (const [key, raw] of Object.entries(document)) {
    const field = isSyncField(key) ? key : fieldOfOptionKey.get(key)
    if (!field) continue
    let map = raw
    if (typeof raw === 'string') {
      try { map = JSON.parse(raw) } catch { throw new Error(`${key} is text that is not JSON`) }
    }
    if (!isObject(map)) throw new Error(`${key} is not an object of model → number`)
    found = true
    for (const [model, value] of Object.entries(map)) {
      if (isPrice(value) && model !== '') table[field][model] = value
      else skipped++
    }
  }
  return found ? { format: 'ratio_config', table, models: countModels(table), skipped } : undefined
}

/**
 * new-api's `/api/pricing` items (Tollgate's too). A per-call model (`quota_type` 1) carries only its price; a
 * per-token model its ratios. Tollgate marks models it cannot price `priced: false`; new-api's expression-priced
 * models (`billing_mode: "tiered_expr"`) have no ratio to copy. Both are skipped.
 */
function readPricingList(items: unknown[]): ParsedUpstream {
  const table = emptyTable()
  let skipped = 0
  for (const item of items) {
    if (!isObject(item) || typeof item.model_name !== 'string' || item.model_name === '') { skipped++; continue }
    if (item.priced === false || item.billing_mode === 'tiered_expr') { skipped++; continue }
    const model = item.model_name
    const take = (field: SyncField) => {
      const value = item[field]
      if (value === undefined || value === null) return
      if (isPrice(value)) table[field][model] = value
      else skipped++
    }
    if (item.quota_type === 1) take('model_price')
    else { take('model_ratio'); take('completion_ratio') }
    for (const field of ['cache_ratio', 'create_cache_ratio', 'image_ratio', 'audio_ratio', 'audio_completion_ratio'] as const) take(field)
  }
  return { format: 'pricing', table, models: countModels(table), skipped }
}

function countModels(table: PriceTable): number {
  const models = new Set<string>()
  for (const field of syncFields) for (const model in table[field]) models.add(model)
  return models.size
}

/** The local maps as the billing reads them (stored values over the built-in defaults). */
export function localTable(options: RuntimeOptions): PriceTable {
  return {
    model_ratio: options.modelRatio, completion_ratio: options.completionRatio, cache_ratio: options.cacheRatio,
    create_cache_ratio: options.createCacheRatio, image_ratio: options.imageRatio, audio_ratio: options.audioRatio,
    audio_completion_ratio: options.audioCompletionRatio, model_price: options.modelPrice,
  }
}

/**
 * How one upstream's value compares: `same` (equal to the local value, or, with none stored, to the value the
 * billing uses anyway), `differs`, `missing_locally` (nothing stored here and the billing would use another value
 * or refuse the model), `absent` (the upstream has no value).
 */
export type CellStatus = 'same' | 'differs' | 'missing_locally' | 'absent'

export interface DifferenceCell {
  /** The stored local value, null when there is none (new-api's `current`). */
  current: number | null
  /** With nothing stored: what the billing uses for this model today (completion 1, cache 1, a `prefix*` entry…), else null. */
  effective: number | null
  /** Per upstream: its value, "same", or null when it has none (new-api's `upstreams`). */
  upstreams: Record<string, number | 'same' | null>
  status: Record<string, CellStatus>
}

export type Differences = Record<string, Partial<Record<SyncField, DifferenceCell>>>

/** Ratios compare equal within a billionth: JSON round trips and float arithmetic upstream must not show as changes. */
const nearlyEqual = (a: number, b: number) => Math.abs(a - b) < 1e-9

/**
 * The value the billing applies for a model and field when none is stored for that exact name: the price lookup's
 * date-suffix and `prefix*` matches and its defaults. Self-use mode's stand-in ratio does not count as a price.
 */
function effectiveValue(options: RuntimeOptions, model: string, field: SyncField): number | null {
  const price = priceFor(options, model, 1)
  if (!price) return null
  if (price.kind === 'per-call') return field === 'model_price' ? price.price : null
  switch (field) {
    case 'model_ratio': return price.modelRatio
    case 'completion_ratio': return price.completionRatio
    case 'cache_ratio': return price.cacheRatio
    case 'create_cache_ratio': return price.createCacheRatio
    default: return null
  }
}

/**
 * Every model and field where at least one upstream differs from the local options or has a value missing here.
 * `upstreams` keeps the order given; every upstream appears in every cell.
 */
export function computeDifferences(options: RuntimeOptions, upstreams: { name: string; table: PriceTable }[]): Differences {
  const local = localTable(options)
  const pricing = options.selfUseMode ? { ...options, selfUseMode: false } : options
  const differences: Differences = {}
  const models = new Set<string>()
  for (const upstream of upstreams) for (const field of syncFields) for (const model in upstream.table[field]) models.add(model)
  for (const model of [...models].sort()) {
    for (const field of syncFields) {
      const stored = local[field][model]
      const current = stored ?? null
      const effective = current === null ? effectiveValue(pricing, model, field) : null
      const against = current ?? effective
      const cell: DifferenceCell = { current, effective, upstreams: {}, status: {} }
      let changed = false
      for (const upstream of upstreams) {
        const value = upstream.table[field][model]
        let status: CellStatus
        if (value === undefined) status = 'absent'
        else if (against !== null && nearlyEqual(value, against)) status = 'same'
        else status = current === null ? 'missing_locally' : 'differs'
        cell.status[upstream.name] = status
        cell.upstreams[upstream.name] = status === 'absent' ? null : status === 'same' ? 'same' : value!
        if (status === 'differs' || status === 'missing_locally') changed = true
      }
      if (changed) (differences[model] ??= {})[field] = cell
    }
  }
  return differences
}

export interface ChosenValue { model: string; field: string; value: unknown }

/** A refused selection: names the model and field, or the place in the list. */
export class SelectionError extends Error {}

export interface ApplyPlan {
  /** Option key → the whole new map, only for the options that change. */
  maps: Record<string, Record<string, number>>
  /** Models that had a ModelPrice and now get a ratio: their ModelPrice is removed, else it would keep winning. */
  switchedToRatio: string[]
  changed: number
}

const MAX_MODEL_NAME = 255

/**
 * Check every chosen value, then merge them into copies of the local maps. Throws SelectionError at the first bad
 * entry, before anything is built, so a bad selection writes nothing.
 */
export function planApply(options: RuntimeOptions, changes: ChosenValue[]): ApplyPlan {
  const fieldsByModel = new Map<string, Set<SyncField>>()
  changes.forEach((change, index) => {
    const where = `changes[${index}]`
    if (typeof change.model !== 'string' || change.model.trim() === '' || change.model.length > MAX_MODEL_NAME) {
      throw new SelectionError(`${where}.model must be a model name of 1 to ${MAX_MODEL_NAME} characters`)
    }
    if (!isSyncField(change.field)) throw new SelectionError(`${where} (model "${change.model}"): field "${change.field}" is not one of ${syncFields.join(', ')}`)
    if (!isPrice(change.value)) throw new SelectionError(`model "${change.model}", field ${change.field}: the value must be a non-negative finite number, got ${JSON.stringify(change.value) ?? String(change.value)}`)
    const fields = fieldsByModel.get(change.model) ?? new Set()
    if (fields.has(change.field)) throw new SelectionError(`model "${change.model}", field ${change.field}: chosen twice`)
    fields.add(change.field)
    fieldsByModel.set(change.model, fields)
  })
  for (const [model, fields] of fieldsByModel) {
    if (fields.has('model_price') && fields.size > 1) {
      throw new SelectionError(`model "${model}": choose either model_price (per call) or ratio fields (per token), not both`)
    }
  }

  const local = localTable(options)
  const maps: Record<string, Record<string, number>> = {}
  const mapFor = (field: SyncField) => (maps[optionKeyOf[field]] ??= { ...local[field] })
  const switchedToRatio: string[] = []
  for (const change of changes) {
    const field = change.field as SyncField
    mapFor(field)[change.model] = change.value as number
    if (field !== 'model_price' && local.model_price[change.model] !== undefined && !switchedToRatio.includes(change.model)) {
      delete mapFor('model_price')[change.model]
      switchedToRatio.push(change.model)
    }
  }
  return { maps, switchedToRatio, changed: changes.length }
}
