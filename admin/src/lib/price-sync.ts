/**
 * The console's half of price sync: the server's answer as table rows, and the administrator's picks as the
 * `changes` list `POST /api/ratio_sync/apply` takes. Pure, so the rules are tested without a browser.
 */

export type SyncField = 'model_ratio' | 'completion_ratio' | 'cache_ratio' | 'create_cache_ratio' | 'image_ratio' | 'audio_ratio' | 'audio_completion_ratio' | 'model_price'
export type CellStatus = 'same' | 'differs' | 'missing_locally' | 'absent'

export interface DifferenceCell {
  current: number | null
  effective: number | null
  upstreams: Record<string, number | 'same' | null>
  status: Record<string, CellStatus>
}

export interface SourceResult {
  name: string
  status: 'success' | 'error'
  url: string
  error?: string
  format?: 'ratio_config' | 'pricing'
  models?: number
  skipped?: number
}

export interface FetchAnswer {
  differences: Record<string, Partial<Record<SyncField, DifferenceCell>>>
  test_results: SourceResult[]
  fields: SyncField[]
}

export interface DiffRow {
  model: string
  field: SyncField
  cell: DifferenceCell
}

/** One picked value: which source it came from, for the table to mark. */
export interface Pick { source: string; value: number }

export const pickKey = (model: string, field: SyncField) => `${model}\u0000${field}`

/** Rows by model name, then in the server's field order. */
export function diffRows(answer: FetchAnswer): DiffRow[] {
  const rows: DiffRow[] = []
  for (const model of Object.keys(answer.differences).sort()) {
    const cells = answer.differences[model]!
    for (const field of answer.fields) {
      const cell = cells[field]
      if (cell) rows.push({ model, field, cell })
    }
  }
  return rows
}

/** The value a source offers in a row, or null when it has none or agrees with the local value. */
export function offered(row: DiffRow, source: string): number | null {
  const value = row.cell.upstreams[source]
  return typeof value === 'number' ? value : null
}

/**
 * Pick a value. A model is priced per call (model_price) or per token (the ratios): picking one kind drops the
 * model's picks of the other, as the server refuses both at once.
 */
export function withPick(picks: Map<string, Pick>, row: DiffRow, pick: Pick): Map<string, Pick> {
  const next = new Map(picks)
  const perCall = row.field === 'model_price'
  for (const key of picks.keys()) {
    const [model, field] = key.split('\u0000') as [string, SyncField]
    if (model === row.model && (field === 'model_price') !== perCall) next.delete(key)
  }
  next.set(pickKey(row.model, row.field), pick)
  return next
}

/** Every value a source offers in the given rows ("use this column"). */
export function withColumn(picks: Map<string, Pick>, rows: DiffRow[], source: string): Map<string, Pick> {
  let next = picks
  for (const row of rows) {
    const value = offered(row, source)
    if (value !== null) next = withPick(next, row, { source, value })
  }
  return next
}

export function changesOf(picks: Map<string, Pick>): { model: string; field: SyncField; value: number }[] {
  return [...picks.entries()].map(([key, pick]) => {
    const [model, field] = key.split('\u0000') as [string, SyncField]
    return { model, field, value: pick.value }
  })
}
