import { describe, expect, test } from 'bun:test'
import { parseOptions } from '../cache/options.ts'
import { computeDifferences, parseUpstreamDocument, planApply } from './ratio-sync-table.ts'

/** Explicit maps: the rules are checked against these, not against the built-in default table. */
const options = (extra: Record<string, string> = {}) => parseOptions({
  ModelRatio: JSON.stringify({ 'gpt-4o': 1.25, 'claude-*': 1.5 }), CompletionRatio: JSON.stringify({ 'gpt-4o': 4 }), CacheRatio: '{}',
  CreateCacheRatio: '{}', ModelPrice: JSON.stringify({ 'dall-e-3': 0.04 }), ImageRatio: '{}', AudioRatio: '{}', AudioCompletionRatio: '{}', ...extra,
})

describe('reading an upstream answer', () => {
  test('option names with the option\'s JSON text, bare or in the envelope, keep only usable numbers', () => {
    const parsed = parseUpstreamDocument({ ModelRatio: '{"a": 1, "b": -2, "c": "3"}', model_price: { d: 0.5 }, other: { e: 1 } })
    expect(parsed).toMatchObject({ format: 'ratio_config', models: 2, skipped: 2 })
    expect([parsed.table.model_ratio, parsed.table.model_price]).toEqual([{ a: 1 }, { d: 0.5 }])
    expect(parseUpstreamDocument({ success: true, data: { completion_ratio: { a: 2 } } }).table.completion_ratio).toEqual({ a: 2 })
  })

  test('a refusal, a document without prices and unreadable option text say what they were', () => {
    expect(() => parseUpstreamDocument({ success: false, message: 'pricing is disabled' })).toThrow('success:false: pricing is disabled')
    expect(() => parseUpstreamDocument({ hello: 'world' })).toThrow('no price maps')
    expect(() => parseUpstreamDocument({ ModelRatio: '{oops' })).toThrow('ModelRatio is text that is not JSON')
  })

  test('a pricing list: per-call items give their price only, per-token items their ratios', () => {
    const parsed = parseUpstreamDocument({ success: true, data: [
      { model_name: 'x', quota_type: 1, model_price: 0.02, model_ratio: 0, completion_ratio: 0 },
      { model_name: 'y', quota_type: 0, model_ratio: 2, completion_ratio: 3, cache_ratio: 0.5, model_price: 0 },
      { model_name: 'z', priced: false, quota_type: 0, model_ratio: 0, completion_ratio: 0 },
    ] })
    expect(parsed).toMatchObject({ format: 'pricing', models: 2, skipped: 1 })
    expect(parsed.table).toMatchObject({ model_price: { x: 0.02 }, model_ratio: { y: 2 }, completion_ratio: { y: 3 }, cache_ratio: { y: 0.5 } })
  })
})

describe('differences', () => {
  test('with nothing stored, the value the billing uses counts as the local one (prefix entries, defaults)', () => {
    const upstream = parseUpstreamDocument({ model_ratio: { 'claude-haiku': 1.5, 'gpt-4o': 1.25 }, completion_ratio: { 'claude-haiku': 1, 'gpt-4o': 5 } }).table
    const differences = computeDifferences(options(), [{ name: 'up', table: upstream }])
    expect(Object.keys(differences)).toEqual(['gpt-4o'])
    expect(differences['gpt-4o']!.completion_ratio).toMatchObject({ current: 4, status: { up: 'differs' }, upstreams: { up: 5 } })
  })

  test('self-use mode\'s stand-in ratio is no price: an unpriced model stays missing locally', () => {
    const upstream = parseUpstreamDocument({ model_ratio: { unknown: 1 } }).table
    const differences = computeDifferences(options({ SelfUseModeEnabled: 'true' }), [{ name: 'up', table: upstream }])
    expect(differences.unknown!.model_ratio).toMatchObject({ current: null, effective: null, status: { up: 'missing_locally' } })
  })
})

describe('applying', () => {
  test('only the changed maps are rebuilt, whole; a chosen ratio removes the model\'s per-call price', () => {
    const plan = planApply(options(), [{ model: 'dall-e-3', field: 'model_ratio', value: 2 }, { model: 'new', field: 'cache_ratio', value: 0 }])
    expect(plan.maps).toEqual({ ModelRatio: { 'gpt-4o': 1.25, 'claude-*': 1.5, 'dall-e-3': 2 }, ModelPrice: {}, CacheRatio: { new: 0 } })
    expect(plan.switchedToRatio).toEqual(['dall-e-3'])
  })

  test('a value chosen twice is refused', () => {
    expect(() => planApply(options(), [{ model: 'a', field: 'model_ratio', value: 1 }, { model: 'a', field: 'model_ratio', value: 2 }])).toThrow('chosen twice')
  })
})
