import { CNY_PER_USD, defaultPriceTable, type ListPrice, type PriceEntry, type SameAsListPrice, type TokenListPrice, type VendorPrices } from './default-prices-table.ts'

/**
 * The price options a fresh install starts with, derived from the list prices in `default-prices-table.ts` with
 * new-api's conventions: ModelRatio 1 = $2 per 1M input tokens, CompletionRatio = output / input, CacheRatio =
 * cache hit / input, CreateCacheRatio = cache write / input, ImageRatio and AudioRatio = image or audio input / text
 * input, AudioCompletionRatio = audio output / audio input, ModelPrice = USD per call. Computed once, at import.
 */
export interface DerivedPriceOptions {
  ModelRatio: Record<string, number>
  CompletionRatio: Record<string, number>
  CacheRatio: Record<string, number>
  CreateCacheRatio: Record<string, number>
  ModelPrice: Record<string, number>
  ImageRatio: Record<string, number>
  AudioRatio: Record<string, number>
  AudioCompletionRatio: Record<string, number>
}

/** USD per 1M input tokens that ModelRatio 1 stands for. */
const USD_PER_MILLION_AT_RATIO_ONE = 2
/** new-api bills an uploaded minute of audio as 1000 prompt tokens (pricing.ts audioDurationTokens). */
const TOKENS_PER_AUDIO_MINUTE = 1000

/** Six significant digits: enough for any list price, and no 0.30000000000000004 in the stored options. */
const tidy = (value: number) => Number(value.toPrecision(6))

function isTokenPrice(price: ListPrice): price is TokenListPrice {
  return 'input' in price
}

/** A model of the table: its entry and vendor block, and the price it has (a `sameAs` entry's resolved). */
export interface PricedModel {
  entry: PriceEntry
  vendor: VendorPrices
  price: OwnListPrice
  /** The currency of the block the price comes from. */
  currency: VendorPrices['currency']
}

type OwnListPrice = Exclude<ListPrice, SameAsListPrice>

/** Every model of the table, each listed once (a model in two blocks, or a dangling `sameAs`, throws). */
export function flattenPriceTable(table: readonly VendorPrices[]): Map<string, PricedModel> {
  const byModel = new Map<string, { entry: PriceEntry; vendor: VendorPrices }>()
  for (const vendor of table) {
    for (const [model, entry] of Object.entries(vendor.models)) {
      if (byModel.has(model)) throw new Error(`default price table: ${model} is listed by both ${byModel.get(model)!.vendor.vendor} and ${vendor.vendor}`)
      byModel.set(model, { entry, vendor })
    }
  }
  const flattened = new Map<string, PricedModel>()
  for (const [model, { entry, vendor }] of byModel) {
    let target = { entry, vendor }
    if ('sameAs' in entry) {
      const referred = byModel.get(entry.sameAs)
      if (!referred || 'sameAs' in referred.entry) throw new Error(`default price table: ${model} is the same as ${entry.sameAs}, which has no price of its own`)
      target = referred
    }
    flattened.set(model, { entry, vendor, price: target.entry as OwnListPrice, currency: target.vendor.currency })
  }
  return flattened
}

/** The option maps for a price table (the shipped one unless a test passes its own). */
export function derivePriceOptions(table: readonly VendorPrices[] = defaultPriceTable): DerivedPriceOptions {
  const options: DerivedPriceOptions = { ModelRatio: {}, CompletionRatio: {}, CacheRatio: {}, CreateCacheRatio: {}, ModelPrice: {}, ImageRatio: {}, AudioRatio: {}, AudioCompletionRatio: {} }
  for (const [model, { price, currency }] of flattenPriceTable(table)) {
    const usd = (value: number) => (currency === 'CNY' ? value / CNY_PER_USD.rate : value)
    if ('perCall' in price) {
      options.ModelPrice[model] = tidy(usd(price.perCall))
    } else if ('perMinute' in price) {
      options.ModelRatio[model] = tidy((usd(price.perMinute) * 1_000_000) / TOKENS_PER_AUDIO_MINUTE / USD_PER_MILLION_AT_RATIO_ONE)
    } else if ('perMillionCharacters' in price) {
      options.ModelRatio[model] = tidy(usd(price.perMillionCharacters) / USD_PER_MILLION_AT_RATIO_ONE)
    } else if (isTokenPrice(price)) {
      deriveTokenRatios(options, model, price, usd)
    }
  }
  return options
}

function deriveTokenRatios(options: DerivedPriceOptions, model: string, price: TokenListPrice, usd: (value: number) => number) {
  options.ModelRatio[model] = tidy(usd(price.input) / USD_PER_MILLION_AT_RATIO_ONE)
  // A free model has no ratios relative to its input price; everything about it costs 0 through ModelRatio 0.
  if (price.input === 0) return
  const relative = (value: number | undefined, base: number, into: Record<string, number>) => {
    if (value !== undefined) into[model] = tidy(value / base)
  }
  relative(price.output, price.input, options.CompletionRatio)
  relative(price.cachedInput, price.input, options.CacheRatio)
  relative(price.cacheWrite, price.input, options.CreateCacheRatio)
  relative(price.imageInput, price.input, options.ImageRatio)
  relative(price.audioInput, price.input, options.AudioRatio)
  if (price.audioInput) relative(price.audioOutput, price.audioInput, options.AudioCompletionRatio)
}

/** The shipped table's options, once. */
export const defaultPriceOptions: Readonly<DerivedPriceOptions> = derivePriceOptions()
