import { expect, test } from 'bun:test'
import type { Limiter } from '../traffic/limiter.ts'

/**
 * The behaviour every Limiter must have, run against the in-memory one and the Redis one. `prefix` keeps the keys
 * of one run apart from any other's.
 */
export function limiterContract(make: () => Limiter | Promise<Limiter>, prefix: string) {
  const key = (name: string) => `${prefix}:${name}`

  test('a count window admits exactly its limit, then refuses with a retry time inside the window', async () => {
    const limiter = await make()
    const checks = [{ key: key('count'), kind: 'count' as const, limit: 5, windowMs: 60_000 }]
    const verdicts = await Promise.all(Array.from({ length: 12 }, (_, index) => limiter.acquire(checks, `lease-${index}`)))
    expect(verdicts.filter((verdict) => verdict === undefined).length).toBe(5)
    const refused = verdicts.find((verdict) => verdict !== undefined)!
    expect(refused.index).toBe(0)
    expect(refused.retryAfterMs).toBeGreaterThan(0)
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000)
    await limiter.close?.()
  })

  test('a limit of 0 refuses the first request', async () => {
    const limiter = await make()
    for (const kind of ['count', 'settled', 'slot'] as const) {
      expect(await limiter.acquire([{ key: key(`zero-${kind}`), kind, limit: 0, windowMs: 60_000 }], 'lease')).toMatchObject({ index: 0 })
    }
    await limiter.close?.()
  })

  test('one refused check admits nothing: the other windows and slots are untouched', async () => {
    const limiter = await make()
    const open = { key: key('all-open'), kind: 'count' as const, limit: 1, windowMs: 60_000 }
    const slot = { key: key('all-slot'), kind: 'slot' as const, limit: 1, windowMs: 0 }
    const closed = { key: key('all-closed'), kind: 'count' as const, limit: 0, windowMs: 60_000 }
    expect(await limiter.acquire([open, slot, closed], 'first')).toEqual({ index: 2, retryAfterMs: 60_000 })
    expect(await limiter.acquire([open, slot], 'second')).toBeUndefined()
    await limiter.close?.()
  })

  test('settled windows refuse once the settled weight reaches the limit', async () => {
    const limiter = await make()
    const check = { key: key('tokens'), kind: 'settled' as const, limit: 1000, windowMs: 60_000 }
    expect(await limiter.acquire([check], 'a')).toBeUndefined()
    limiter.settle([{ key: check.key, windowMs: 60_000, weight: 600 }], [], 'a')
    await Bun.sleep(20) // Redis settles without waiting
    expect(await limiter.acquire([check], 'b')).toBeUndefined()
    limiter.settle([{ key: check.key, windowMs: 60_000, weight: 600 }], [], 'b')
    await Bun.sleep(20)
    expect(await limiter.acquire([check], 'c')).toMatchObject({ index: 0 })
    await limiter.close?.()
  })

  test('slots are held until settled, and freed by settle', async () => {
    const limiter = await make()
    const slot = { key: key('slots'), kind: 'slot' as const, limit: 2, windowMs: 0 }
    expect(await limiter.acquire([slot], 'one')).toBeUndefined()
    expect(await limiter.acquire([slot], 'two')).toBeUndefined()
    expect(await limiter.acquire([slot], 'three')).toMatchObject({ index: 0 })
    limiter.settle([], [slot.key], 'one')
    await Bun.sleep(20)
    expect(await limiter.acquire([slot], 'four')).toBeUndefined()
    await limiter.close?.()
  })

  test('a short window forgets: after it has passed, requests are admitted again', async () => {
    const limiter = await make()
    const check = { key: key('short'), kind: 'count' as const, limit: 2, windowMs: 300 }
    expect(await limiter.acquire([check], 'a')).toBeUndefined()
    expect(await limiter.acquire([check], 'b')).toBeUndefined()
    const refused = await limiter.acquire([check], 'c')
    expect(refused?.retryAfterMs).toBeLessThanOrEqual(300)
    await Bun.sleep(refused!.retryAfterMs + 20)
    expect(await limiter.acquire([check], 'd')).toBeUndefined()
    await limiter.close?.()
  })
}
