import { expect, test } from 'bun:test'
import { createStartLimit } from './start-limit.ts'

test('each address may start so many sign-ins a window; others are not held back; the window ends', async () => {
  const limit = createStartLimit({ perWindow: 3, windowMs: 50 })
  for (let attempt = 0; attempt < 3; attempt++) limit.check('10.0.0.1')
  expect(() => limit.check('10.0.0.1')).toThrow('Too many sign-ins')
  limit.check('10.0.0.2')
  await Bun.sleep(60)
  limit.check('10.0.0.1')
})

test('memory stays bounded', () => {
  const limit = createStartLimit({ perWindow: 1, maxEntries: 10 })
  for (let index = 0; index < 1000; index++) limit.check(`10.0.${index >> 8}.${index & 255}`)
  // The oldest entries made room: the first address starts afresh.
  limit.check('10.0.0.0')
})
