import { describe, expect, test } from 'bun:test'
import { defaultOptions, parseOptions } from '../cache/options.ts'
import { channelTypeDefinitions } from '../providers/channel-types.ts'
import { derivePriceOptions, flattenPriceTable } from './default-prices.ts'
import { CNY_PER_USD, defaultPriceTable, type VendorPrices } from './default-prices-table.ts'
import { priceFor } from './pricing.ts'

const freshInstall = parseOptions({})
const DATE = /^\d{4}-\d{2}(-\d{2})?$/

describe('the default price table', () => {
  test('a fresh install prices every model a channel type offers by default', () => {
    const unpriced = channelTypeDefinitions.flatMap((definition) => (definition.defaultModels ?? []).filter((model) => priceFor(freshInstall, model, 1) === undefined).map((model) => `${definition.name}: ${model}`))
    expect(unpriced).toEqual([])
  })

  test('the models issue 17 saw refused are priced at their list prices', () => {
    // claude-sonnet-4-20250514: $3 / $15, cache read $0.30, write $3.75.
    expect(priceFor(freshInstall, 'claude-sonnet-4-20250514', 1)).toMatchObject({ kind: 'ratio', modelRatio: 1.5, completionRatio: 5, cacheRatio: 0.1, createCacheRatio: 1.25 })
    // claude-3-5-haiku-20241022: $0.80 / $4, cache read $0.08, write $1.
    expect(priceFor(freshInstall, 'claude-3-5-haiku-20241022', 1)).toMatchObject({ kind: 'ratio', modelRatio: 0.4, completionRatio: 5, cacheRatio: 0.1, createCacheRatio: 1.25 })
    // gemini-2.0-flash: $0.10 / $0.40, cached $0.025.
    expect(priceFor(freshInstall, 'gemini-2.0-flash', 1)).toMatchObject({ kind: 'ratio', modelRatio: 0.05, completionRatio: 4, cacheRatio: 0.25 })
  })

  test('every entry names its source page and the date it was read', () => {
    for (const vendor of defaultPriceTable) {
      for (const [model, entry] of Object.entries(vendor.models)) {
        expect(entry.source ?? vendor.source, model).toStartWith('https://')
        expect(entry.asOf ?? vendor.asOf, model).toMatch(DATE)
      }
    }
    expect(CNY_PER_USD.asOf).toMatch(DATE)
  })

  test('the stored defaults are the derived ones, and a saved option still replaces its default whole', () => {
    const derived = derivePriceOptions()
    for (const key of ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'CreateCacheRatio', 'ModelPrice', 'ImageRatio', 'AudioRatio', 'AudioCompletionRatio'] as const) {
      expect(JSON.parse(defaultOptions[key]!)).toEqual(derived[key])
    }
    const operator = parseOptions({ ModelRatio: JSON.stringify({ 'house-model': 1 }) })
    expect(priceFor(operator, 'house-model', 1)).toBeDefined()
    expect(priceFor(operator, 'claude-sonnet-4-20250514', 1)).toBeUndefined()
    // The options the operator did not save keep their defaults.
    expect(operator.completionRatio['claude-sonnet-4-5']).toBe(5)
  })
})

describe('deriving the options from list prices', () => {
  const table: VendorPrices[] = [
    {
      vendor: 'Example', currency: 'USD', source: 'https://example.com/pricing', asOf: '2025-11-01',
      models: {
        chat: { input: 3, output: 15, cachedInput: 0.3, cacheWrite: 3.75 },
        'chat-dated': { sameAs: 'chat' },
        voice: { input: 4, output: 16, cachedInput: 0.4, audioInput: 32, audioOutput: 64 },
        painter: { input: 5, output: 40, imageInput: 10 },
        embedder: { input: 0.02 },
        free: { input: 0, output: 0 },
        picture: { perCall: 0.04, unit: 'image' },
        listener: { perMinute: 0.006 },
        speaker: { perMillionCharacters: 15 },
      },
    },
    { vendor: 'Yuan', currency: 'CNY', source: 'https://example.cn/pricing', asOf: '2025-11', models: { yuan: { input: 2, output: 8, cachedInput: 0.4 } } },
  ]
  const derived = derivePriceOptions(table)

  test('ratios follow new-api: 1 = $2 per 1M input, the others relative to input (audio output to audio input)', () => {
    expect(derived.ModelRatio).toMatchObject({ chat: 1.5, 'chat-dated': 1.5, voice: 2, painter: 2.5, embedder: 0.01, free: 0 })
    expect(derived.CompletionRatio).toMatchObject({ chat: 5, 'chat-dated': 5, voice: 4, painter: 8 })
    expect(derived.CacheRatio).toMatchObject({ chat: 0.1, voice: 0.1 })
    expect(derived.CreateCacheRatio).toEqual({ chat: 1.25, 'chat-dated': 1.25 })
    expect(derived.ImageRatio).toEqual({ painter: 2 })
    expect(derived.AudioRatio).toEqual({ voice: 8 })
    expect(derived.AudioCompletionRatio).toEqual({ voice: 2 })
    expect('embedder' in derived.CompletionRatio).toBe(false)
    expect('free' in derived.CompletionRatio).toBe(false)
  })

  test('per call in USD; a minute of audio is 1000 tokens; a character is a token; yuan at the dated rate', () => {
    expect(derived.ModelPrice).toEqual({ picture: 0.04 })
    expect(derived.ModelRatio.listener).toBe(3)
    expect(derived.ModelRatio.speaker).toBe(7.5)
    expect(derived.ModelRatio.yuan).toBe(Number((2 / CNY_PER_USD.rate / 2).toPrecision(6)))
    expect(derived.CompletionRatio.yuan).toBe(4)
    expect(derived.CacheRatio.yuan).toBe(0.2)
  })

  test('a model listed twice, or the same as a model without a price of its own, is refused', () => {
    const block = (models: VendorPrices['models']): VendorPrices => ({ vendor: 'V', currency: 'USD', source: 'https://v.example', asOf: '2025-11', models })
    expect(() => flattenPriceTable([block({ a: { input: 1 } }), block({ a: { input: 2 } })])).toThrow('a is listed by both')
    expect(() => flattenPriceTable([block({ a: { sameAs: 'missing' } })])).toThrow('a is the same as missing')
    expect(() => flattenPriceTable([block({ a: { input: 1 }, b: { sameAs: 'a' }, c: { sameAs: 'b' } })])).toThrow('c is the same as b')
  })
})
