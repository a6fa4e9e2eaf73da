import { afterAll, beforeAll, expect, test } from 'bun:test'
import { startRelayHarness, type RelayHarness } from '../testing/relay.ts'
import { reservationAmount } from './request-numbers.ts'

let harness: RelayHarness
beforeAll(async () => {
  harness = await startRelayHarness()
  await harness.addChannel({ models: 'gpt-4o-mini' })
})
afterAll(() => harness.dispose())

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(harness.server.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

async function tokenRow(id: number) {
  await harness.server.flushUsage()
  return (await harness.root.call('GET', `/api/token/${id}`)).body.data as { remain_quota: number; used_quota: number }
}

test('counts that would shrink the reservation are refused before reserving, in every inbound format', async () => {
  const token = await harness.addToken({ unlimited_quota: false, remain_quota: 1000 })
  const bearer = { authorization: `Bearer ${token.key}` }
  const messages = [{ role: 'user', content: 'hi' }]
  const cases: [string, unknown, Record<string, string>, (body: any) => string][] = [
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, max_tokens: -1_000_000 }, bearer, (body) => body.error.message],
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, max_tokens: -1e308 }, bearer, (body) => body.error.message],
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, max_completion_tokens: 1.5 }, bearer, (body) => body.error.message],
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, max_tokens: 'a lot' }, bearer, (body) => body.error.message],
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, n: 0 }, bearer, (body) => body.error.message],
    ['/v1/chat/completions', { model: 'gpt-4o-mini', messages, n: 1e9 }, bearer, (body) => body.error.message],
    ['/v1/completions', { model: 'gpt-4o-mini', prompt: 'hi', max_tokens: -5 }, bearer, (body) => body.error.message],
    ['/v1/responses', { model: 'gpt-4o-mini', input: 'hi', max_output_tokens: -5 }, bearer, (body) => body.error.message],
    ['/v1/messages', { model: 'gpt-4o-mini', messages, max_tokens: -1 }, { 'x-api-key': token.key }, (body) => body.error.message],
    ['/v1beta/models/gpt-4o-mini:generateContent', { contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { maxOutputTokens: -100 } }, { 'x-goog-api-key': token.key }, (body) => body.error.message],
    ['/v1beta/models/gpt-4o-mini:generateContent', { contents: [{ parts: [{ text: 'hi' }] }], generationConfig: { candidateCount: 1000 } }, { 'x-goog-api-key': token.key }, (body) => body.error.message],
    ['/v1/rerank', { model: 'gpt-4o-mini', query: 'q', documents: ['a'], top_n: -1 }, bearer, (body) => body.error?.message ?? body.message],
  ]
  for (const [path, body, headers, messageOf] of cases) {
    const response = await post(path, body, headers)
    const answer = await response.json()
    expect([path, response.status]).toEqual([path, 400])
    expect(messageOf(answer)).toMatch(/must be (an|a positive) integer/)
  }
  expect(harness.upstream.requests).toBe(0)
  expect(await tokenRow(token.id)).toMatchObject({ remain_quota: 1000, used_quota: 0 })
})

test('200 concurrent requests cannot spend a token past its quota, however they set max_tokens', async () => {
  const quota = 600
  const token = await harness.addToken({ unlimited_quota: false, remain_quota: quota })
  const bodies = [{ max_tokens: -1_000_000 }, { max_tokens: -1e308 }, { max_tokens: 0 }, { max_tokens: 64 }, {}]
  const statuses = await Promise.all(Array.from({ length: 200 }, async (_, index) => {
    const response = await post('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...bodies[index % bodies.length] }, { authorization: `Bearer ${token.key}` })
    await response.arrayBuffer()
    return response.status
  }))
  expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0)
  expect(statuses.every((status) => status === 200 || status === 400 || status === 403)).toBe(true)
  const row = await tokenRow(token.id)
  expect(row.used_quota).toBeLessThanOrEqual(quota)
  expect(row.remain_quota).toBeGreaterThanOrEqual(0)
  expect(row.used_quota + row.remain_quota).toBe(quota)
})

test('a reservation is never zero, negative or NaN', () => {
  expect([reservationAmount(0), reservationAmount(-5e6), reservationAmount(Number.NaN), reservationAmount(0.2), reservationAmount(41.1)]).toEqual([1, 1, 1, 1, 42])
})
