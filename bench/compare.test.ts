import { describe, expect, test } from 'bun:test'
import { median, parseVariant } from './compare.ts'

describe('bench:compare', () => {
  test('variants name a target and, for Tollgate, its environment', () => {
    expect(parseVariant('bare')).toEqual({ label: 'bare', kind: 'bare', env: {} })
    expect(parseVariant('tollgate:UPSTREAM_CLIENT=fetch:CLUSTER=2')).toEqual({
      label: 'tollgate:UPSTREAM_CLIENT=fetch:CLUSTER=2', kind: 'tollgate', env: { UPSTREAM_CLIENT: 'fetch', CLUSTER: '2' },
    })
    expect(parseVariant('tollgate:LOG_DSN=a=b').env).toEqual({ LOG_DSN: 'a=b' })
    expect(() => parseVariant('portkey')).toThrow('unknown variant "portkey"')
    expect(() => parseVariant('bare:X=1')).toThrow('only tollgate takes ENV=VALUE')
    expect(() => parseVariant('tollgate:CLUSTER')).toThrow('"CLUSTER" is not ENV=VALUE')
  })

  test('median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })
})
