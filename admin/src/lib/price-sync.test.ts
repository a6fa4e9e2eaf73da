import { describe, expect, test } from 'bun:test'
import { changesOf, diffRows, withColumn, withPick, type FetchAnswer, type Pick } from './price-sync.ts'

const answer: FetchAnswer = {
  fields: ['model_ratio', 'completion_ratio', 'model_price'],
  test_results: [],
  differences: {
    'qwen-max': {
      model_price: { current: null, effective: null, upstreams: { a: null, b: 0.01 }, status: { a: 'absent', b: 'missing_locally' } },
      model_ratio: { current: null, effective: null, upstreams: { a: 0.8, b: null }, status: { a: 'missing_locally', b: 'absent' } },
    },
    'gpt-4o': {
      model_ratio: { current: 1.25, effective: null, upstreams: { a: 1.5, b: 'same' }, status: { a: 'differs', b: 'same' } },
    },
  },
}

describe('price sync picks', () => {
  test('rows come by model, then in the server\'s field order', () => {
    expect(diffRows(answer).map((row) => `${row.model}/${row.field}`)).toEqual(['gpt-4o/model_ratio', 'qwen-max/model_ratio', 'qwen-max/model_price'])
  })

  test('a column takes every value its source offers; "same" is no offer', () => {
    const picks = withColumn(new Map(), diffRows(answer), 'a')
    expect(changesOf(picks)).toEqual([{ model: 'gpt-4o', field: 'model_ratio', value: 1.5 }, { model: 'qwen-max', field: 'model_ratio', value: 0.8 }])
    expect(changesOf(withColumn(new Map(), diffRows(answer), 'b'))).toEqual([{ model: 'qwen-max', field: 'model_price', value: 0.01 }])
  })

  test('a per-call price and ratios of one model exclude each other', () => {
    const rows = diffRows(answer)
    let picks = new Map<string, Pick>()
    picks = withPick(picks, rows[1]!, { source: 'a', value: 0.8 })
    picks = withPick(picks, rows[2]!, { source: 'b', value: 0.01 })
    expect(changesOf(picks)).toEqual([{ model: 'qwen-max', field: 'model_price', value: 0.01 }])
    picks = withPick(picks, rows[0]!, { source: 'a', value: 1.5 })
    expect(changesOf(picks)).toHaveLength(2)
  })
})
