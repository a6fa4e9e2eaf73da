import { describe, expect, test } from 'bun:test'
import { buildRoutingIndex, filterTiers, findTiers, pickChannel, type CachedChannel } from './routing.ts'

const channel = (id: number, fields: Partial<CachedChannel> = {}): CachedChannel => ({
  id, type: 1, name: `c${id}`, status: 1, baseUrl: '', keys: ['k'], keyStatus: [1], multiKeyMode: 'random', models: ['gpt-4o'], groups: ['default'],
  priority: 0, weight: 1, modelMapping: {}, statusCodeMapping: {}, other: '', setting: {}, paramOverride: {}, headerOverride: {}, autoBan: true,
  testModel: '', tag: '', maxConcurrency: 0, maxQueue: 0, proxy: '', ...fields,
})

describe('routing index', () => {
  test('weighted selection inside a tier is within 3% of the weights over 10 000 picks', () => {
    const index = buildRoutingIndex([channel(1, { weight: 1 }), channel(2, { weight: 3 }), channel(3, { weight: 6 })])
    const tiers = findTiers(index, 'default', 'gpt-4o')!
    const counts = new Map<number, number>()
    for (let pick = 0; pick < 10_000; pick++) {
      const picked = pickChannel(tiers, 0, new Set())!
      counts.set(picked.id, (counts.get(picked.id) ?? 0) + 1)
    }
    for (const [id, share] of [[1, 0.1], [2, 0.3], [3, 0.6]] as const) {
      expect(Math.abs((counts.get(id) ?? 0) / 10_000 - share)).toBeLessThan(0.03)
    }
  })

  test('attempt N uses tier N, highest priority first, and skips channels already tried', () => {
    const index = buildRoutingIndex([channel(1, { priority: 10 }), channel(2, { priority: 5 }), channel(3, { priority: 5 }), channel(4, { priority: 0 })])
    const tiers = findTiers(index, 'default', 'gpt-4o')!
    expect(tiers.map((tier) => tier.priority)).toEqual([10, 5, 0])
    expect(pickChannel(tiers, 0, new Set())!.id).toBe(1)
    expect([2, 3]).toContain(pickChannel(tiers, 1, new Set([1]))!.id)
    expect(pickChannel(tiers, 1, new Set([1, 2]))!.id).toBe(3)
    expect(pickChannel(tiers, 2, new Set([1, 2, 3]))!.id).toBe(4)
    // Past the last tier the last one is reused; a tier with nothing left falls through to the others.
    expect(pickChannel(tiers, 5, new Set([4]))!.id).toBeOneOf([1, 2, 3])
    expect(pickChannel(tiers, 0, new Set([1, 2, 3, 4]))).toBeUndefined()
  })

  test('disabled channels are not routed; groups and wildcard models are', () => {
    const index = buildRoutingIndex([
      channel(1, { status: 2 }), channel(2, { groups: ['vip'], models: ['gpt-4-gizmo-*', 'gpt-4-gizmo-g-special*'] }), channel(3, { groups: ['vip'], models: ['gpt-4-gizmo-g-special*'] }),
    ])
    expect(findTiers(index, 'default', 'gpt-4o')).toBeUndefined()
    expect(findTiers(index, 'vip', 'gpt-4-gizmo-g-abc')![0]!.channels.map((c) => c.id)).toEqual([2])
    // The longest wildcard wins.
    expect(findTiers(index, 'vip', 'gpt-4-gizmo-g-special-1')![0]!.channels.map((c) => c.id).sort()).toEqual([2, 3])
    expect(index.modelsByGroup.get('vip')).toEqual(['gpt-4-gizmo-*', 'gpt-4-gizmo-g-special*'])
  })
})

describe('tiers filtered by what a channel can serve', () => {
  const index = buildRoutingIndex([channel(1, { priority: 10, type: 14 }), channel(2, { priority: 10 }), channel(3, { priority: 0, type: 14 }), channel(4, { priority: 0, weight: 5 })])
  const tiers = findTiers(index, 'default', 'gpt-4o')!
  const openAiOnly = (candidate: CachedChannel) => candidate.type === 1
  const key = {}

  test('keeps the priority order and recomputes the weights of what is left', () => {
    const kept = filterTiers(tiers, key, openAiOnly)!
    expect(kept.map((tier) => [tier.priority, tier.channels.map((member) => member.id), tier.total])).toEqual([[10, [2], 1], [0, [4], 5]])
  })

  test('is computed once per tiers array and key; admitting everything returns the same array', () => {
    expect(filterTiers(tiers, key, openAiOnly)).toBe(filterTiers(tiers, key, () => false)!)
    expect(filterTiers(tiers, {}, () => true)).toBe(tiers)
    expect(filterTiers(tiers, {}, () => false)).toBeUndefined()
  })
})
