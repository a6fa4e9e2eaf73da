import { describe, expect, test } from 'bun:test'
import { optionsFromRows, rowsFromOptions } from './pricing-rows.ts'

describe('pricing editor rows', () => {
  const options = {
    ModelRatio: '{"gpt-4o":1.25,"old":2}',
    CompletionRatio: '{"gpt-4o":4}',
    CacheRatio: '{"gpt-4o":0.5}',
    ImageRatio: '{"gpt-image-1":2}',
    ModelPrice: '{"mj_imagine":0.1,"old":0.3,"dall-e-3":0.04}',
  }

  test('one row per model from all five maps; a priced model is per call', () => {
    const rows = rowsFromOptions(options)
    expect(rows.map((row) => [row.model, row.perCall])).toEqual([['dall-e-3', true], ['gpt-4o', false], ['gpt-image-1', false], ['mj_imagine', true], ['old', true]])
    expect(rows[1]).toEqual({ model: 'gpt-4o', perCall: false, modelRatio: '1.25', completionRatio: '4', cacheRatio: '0.5', imageRatio: '', price: '' })
    expect(rows[2]).toMatchObject({ model: 'gpt-image-1', imageRatio: '2', modelRatio: '' })
  })

  test('rows back to options round-trip, keeping ratios of per-call models', () => {
    const maps = optionsFromRows(rowsFromOptions(options))
    for (const key of ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'ImageRatio', 'ModelPrice'] as const) {
      expect(JSON.parse(maps[key])).toEqual(JSON.parse(options[key]))
    }
  })

  test('switching a model to per-token billing drops its price; blank rows and cells are left out', () => {
    const rows = rowsFromOptions(options).map((row) => (row.model === 'old' ? { ...row, perCall: false } : row))
    rows.push({ model: '  ', perCall: false, modelRatio: '1', completionRatio: '', cacheRatio: '', imageRatio: '3', price: '' })
    const maps = optionsFromRows(rows)
    expect(JSON.parse(maps.ModelPrice)).toEqual({ mj_imagine: 0.1, 'dall-e-3': 0.04 })
    expect(JSON.parse(maps.ImageRatio)).toEqual({ 'gpt-image-1': 2 })
    expect(JSON.parse(maps.ModelRatio)).toEqual({ 'gpt-4o': 1.25, old: 2 })
  })

  test('unreadable option text yields no rows instead of an exception', () => {
    expect(rowsFromOptions({ ModelRatio: 'not json' })).toEqual([])
  })
})
