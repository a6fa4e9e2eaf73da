import { describe, expect, test } from 'bun:test'
import { createChannelCircuit, retryAfterMs } from './circuit.ts'

const settings = { threshold: 3, windowMs: 60_000, defaultCoolMs: 30_000 }

describe('channel circuit', () => {
  test('trips on the threshold-th failure within the window, not before', () => {
    let now = 1_000_000
    const circuit = createChannelCircuit(() => settings, () => now)
    expect(circuit.failed(1, 0)).toBe(false)
    now += 10_000
    expect(circuit.failed(1, 0)).toBe(false)
    expect(circuit.failed(1, 1)).toBe(false) // another key counts on its own
    now += 10_000
    expect(circuit.failed(1, 0)).toBe(true)
    // Tripping starts the count over.
    expect(circuit.failed(1, 0)).toBe(false)
  })

  test('failures older than the window are forgotten', () => {
    let now = 0
    const circuit = createChannelCircuit(() => settings, () => now)
    circuit.failed(7, 0)
    circuit.failed(7, 0)
    now += 60_001
    expect(circuit.failed(7, 0)).toBe(false)
    expect(circuit.failed(7, 0)).toBe(false)
    expect(circuit.failed(7, 0)).toBe(true)
  })

  test('a threshold of 1 trips at once (new-api behaviour)', () => {
    const circuit = createChannelCircuit(() => ({ ...settings, threshold: 1 }))
    expect(circuit.failed(2, 0)).toBe(true)
  })

  test('a channel cools as a whole only when every key cools, and comes back by itself', async () => {
    const circuit = createChannelCircuit(() => settings)
    expect(circuit.cool(3, 0, 2, 1000)).toBe(true)
    expect(circuit.keyCooling(3, 0)).toBe(true)
    expect(circuit.keyCooling(3, 1)).toBe(false)
    expect(circuit.cooling.has(3)).toBe(false)
    expect(circuit.cool(3, 1, 2, 1000)).toBe(true)
    expect(circuit.cooling.has(3)).toBe(true)
    // Extending a cool-down is not a new one.
    expect(circuit.cool(3, 1, 2, 1500)).toBe(false)
    await Bun.sleep(1100)
    // Key 0 is ready again, so the channel can serve, though key 1 has ~400 ms to go.
    expect(circuit.keyCooling(3, 0)).toBe(false)
    expect(circuit.keyCooling(3, 1)).toBe(true)
    expect(circuit.cooling.has(3)).toBe(false)
    await Bun.sleep(500)
    expect(circuit.keyCooling(3, 1)).toBe(false)
    circuit.close()
  })
})

describe('Retry-After', () => {
  test('seconds, an HTTP date, and OpenAI reset headers', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }))).toBe(7000)
    expect(retryAfterMs(new Headers({ 'retry-after': '1.5' }))).toBe(1500)
    const now = Date.parse('2026-12-02T00:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after': 'Wed, 02 Dec 2026 00:00:20 GMT' }), now)).toBe(20_000)
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset-requests': '6m0s' }))).toBe(360_000)
    expect(retryAfterMs(new Headers({ 'x-ratelimit-reset-tokens': '120ms' }))).toBe(120)
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }))).toBeUndefined()
    expect(retryAfterMs(new Headers())).toBeUndefined()
  })
})
