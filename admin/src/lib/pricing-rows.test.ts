import { describe, expect, test } from 'bun:test'
import { optionsFromRows, rowsFromOptions } from './pricing-rows.ts'

describe('pricing editor rows', () => {
  const options = {
    ModelRatio: '{"gpt-4o":1.25,"old":2}',
    CompletionRatio: '{"gpt-4o":4}',
    CacheRatio: '{"gpt-4o":0.5}',
    ModelPrice: '{"mj_imagine":0.1,"old":0.3}',
  }

  test('one row per model from all four maps; a priced model is per call', () => {
    const rows = rowsFromOptions(options)
    expect(rows.map((row) => [row.model, row.perCall])).toEqual([['gpt-4o', false], ['mj_imagine', true], ['old', true]])
    expect(rows[0]).toEqual({ model: 'gpt-4o', perCall: false, modelRatio: '1.25', completionRatio: '4', cacheRatio: '0.5', price: '' })
  })

  test('rows back to options round-trip, keeping ratios of per-call models', () => {
    const maps = optionsFromRows(rowsFromOptions(options))
    for (const key of ['ModelRatio', 'CompletionRatio', 'CacheRatio', 'ModelPrice'] as const) {
      expect(JSON.parse(maps[key])).toEqual(JSON.parse(options[key]))
    }
  })

  test('switching a model to per-token billing drops its price; blank rows and cells are left out', () => {
    const rows = rowsFromOptions(options).map((row) => (row.model === 'old' ? { ...row, perCall: false } : row))
    rows.push({ model: '  ', perCall: false, modelRatio: '1', completionRatio: '', cacheRatio: '', price: '' })
    const maps = optionsFromRows(rows)
    expect(JSON.parse(maps.ModelPrice)).toEqual({ mj_imagine: 0.1 })
    expect(JSON.parse(maps.ModelRatio)).toEqual({ 'gpt-4o': 1.25, old: 2 })
  })

  test('unreadable option text yields no rows instead of an exception', () => {
    expect(rowsFromOptions({ ModelRatio: 'not json' })).toEqual([])
  })
})
