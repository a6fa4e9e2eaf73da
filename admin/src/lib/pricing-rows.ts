/**
 * The pricing editor's rows ⇄ the five option maps new-api keeps prices in (ModelRatio,
 * CompletionRatio, CacheRatio, ImageRatio as ratios; ModelPrice as USD per call, which for an
 * image model is per image). Pure, unit-tested.
 */

export const pricingKeys = ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'ImageRatio', 'ModelPrice'] as const
export type PricingKey = (typeof pricingKeys)[number]

export interface PriceRow {
  model: string
  perCall: boolean
  modelRatio: string
  completionRatio: string
  cacheRatio: string
  /** Image input tokens relative to text input tokens (gpt-image, Gemini image models). */
  imageRatio: string
  price: string
}

export function parseMap(text: string | undefined): Record<string, number> {
  try {
    const value = JSON.parse(text || '{}') as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, number>) : {}
  } catch {
    return {}
  }
}

export function rowsFromOptions(options: Record<string, string>): PriceRow[] {
  const [ratio, completion, cache, image, price] = pricingKeys.map((key) => parseMap(options[key]))
  const models = [...new Set([...Object.keys(ratio!), ...Object.keys(price!), ...Object.keys(completion!), ...Object.keys(cache!), ...Object.keys(image!)])].sort()
  return models.map((model) => ({
    model,
    perCall: model in price!,
    modelRatio: ratio![model] === undefined ? '' : String(ratio![model]),
    completionRatio: completion![model] === undefined ? '' : String(completion![model]),
    cacheRatio: cache![model] === undefined ? '' : String(cache![model]),
    imageRatio: image![model] === undefined ? '' : String(image![model]),
    price: price![model] === undefined ? '' : String(price![model]),
  }))
}

/** Rows → the five option maps. Blank cells are left out; a per-call row is billed by ModelPrice. */
export function optionsFromRows(rows: PriceRow[]): Record<PricingKey, string> {
  const maps: Record<PricingKey, Record<string, number>> = { ModelRatio: {}, CompletionRatio: {}, CacheRatio: {}, ImageRatio: {}, ModelPrice: {} }
  for (const row of rows) {
    const model = row.model.trim()
    if (!model) continue
    // A per-call row keeps any ratios it had: switching billing back must not lose them.
    if (row.perCall && row.price.trim() !== '') maps.ModelPrice[model] = Number(row.price)
    if (row.modelRatio.trim() !== '') maps.ModelRatio[model] = Number(row.modelRatio)
    if (row.completionRatio.trim() !== '') maps.CompletionRatio[model] = Number(row.completionRatio)
    if (row.cacheRatio.trim() !== '') maps.CacheRatio[model] = Number(row.cacheRatio)
    if (row.imageRatio.trim() !== '') maps.ImageRatio[model] = Number(row.imageRatio)
  }
  return {
    ModelRatio: JSON.stringify(maps.ModelRatio, null, 2),
    CompletionRatio: JSON.stringify(maps.CompletionRatio, null, 2),
    CacheRatio: JSON.stringify(maps.CacheRatio, null, 2),
    ImageRatio: JSON.stringify(maps.ImageRatio, null, 2),
    ModelPrice: JSON.stringify(maps.ModelPrice, null, 2),
  }
}

