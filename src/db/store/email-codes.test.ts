import { expect, test } from 'bun:test'
import { describeOnEachDialect } from './contract-suite.ts'

describeOnEachDialect('email codes store', ({ store }) => {
  const row = (id: string, secretHash: string, sentAt: number, address = '203.0.113.7') =>
    ({ id, purpose: 'verify', email: id, secretHash, userId: 0, address, attempts: 0, sends: 1, windowStart: sentAt, sentAt, expiresAt: sentAt + 600 })

  test('a secret is consumed once, only while unexpired; a new send replaces it', async () => {
    await store().emailCodes.put(row('a@example.com', 'h1', 1000))
    expect(await store().emailCodes.consume('a@example.com', 'wrong', 1001)).toBe(false)
    expect(await store().emailCodes.consume('a@example.com', 'h1', 1700)).toBe(false)
    const both = await Promise.all([store().emailCodes.consume('a@example.com', 'h1', 1001), store().emailCodes.consume('a@example.com', 'h1', 1001)])
    expect(both.filter(Boolean)).toHaveLength(1)
    await store().emailCodes.put({ ...row('a@example.com', 'h2', 1100), sends: 2 })
    const stored = (await store().emailCodes.get('a@example.com'))!
    expect([stored.secretHash, stored.sends, Number(stored.sentAt)]).toEqual(['h2', 2, 1100])
  })

  test('wrong guesses void the secret at the limit; sends are counted per address; old rows are swept', async () => {
    await store().emailCodes.put(row('b@example.com', 'h', 2000))
    await store().emailCodes.failedAttempt('b@example.com', 2)
    expect((await store().emailCodes.get('b@example.com'))!.secretHash).toBe('h')
    await store().emailCodes.failedAttempt('b@example.com', 2)
    expect((await store().emailCodes.get('b@example.com'))!.secretHash).toBe('')
    await store().emailCodes.put(row('c@example.com', 'h', 2001, '198.51.100.1'))
    expect(await store().emailCodes.sentFromAddress('203.0.113.7', 1500)).toBe(1)
    expect(await store().emailCodes.sentFromAddress('203.0.113.7', 0)).toBe(2)
    await store().emailCodes.deleteOlderThan(1999)
    expect(await store().emailCodes.get('a@example.com')).toBeUndefined()
    expect(await store().emailCodes.get('c@example.com')).toBeDefined()
  })
})
