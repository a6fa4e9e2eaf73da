import { expect, test } from 'bun:test'
import { reconnectDelaySeconds } from './index.ts'

test('Postgres reconnect attempts back off from ~0.1 s to at most 2.5 s (2 s with jitter), however many failed', () => {
  expect(reconnectDelaySeconds(0)).toBeGreaterThanOrEqual(0.075)
  expect(reconnectDelaySeconds(0)).toBeLessThanOrEqual(0.125)
  for (let retries = 0; retries < 60; retries++) expect(reconnectDelaySeconds(retries)).toBeLessThanOrEqual(2.5)
  expect(reconnectDelaySeconds(30)).toBeGreaterThanOrEqual(1.5)
})
