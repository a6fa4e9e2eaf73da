import { expect, test } from 'bun:test'
import { buildSensitiveMatcher } from './sensitive-words.ts'

test('finds any listed word, ignoring case, including words inside words and overlapping ones', () => {
  const matcher = buildSensitiveMatcher(['he', 'she', 'his', 'hers', '敏感词', ' Secret Plan '])
  expect(matcher.size).toBe(6)
  expect(matcher.find('ushers')).toBe('she')
  expect(matcher.find('a history')).toBe('his')
  expect(matcher.find('nothing to see')).toBeUndefined()
  expect(matcher.find('这是一个敏感词测试')).toBe('敏感词')
  expect(matcher.find('our SECRET PLAN now')).toBe('Secret Plan')
  expect(buildSensitiveMatcher([]).find('anything')).toBeUndefined()
})

test('failure links: a partial match that fails still finds a later word', () => {
  const matcher = buildSensitiveMatcher(['abcd', 'bce'])
  expect(matcher.find('xabcex')).toBe('bce')
  expect(buildSensitiveMatcher(['aab']).find('aaab')).toBe('aab')
})

test('in a request body: string values of any depth, not model names or roles', () => {
  const matcher = buildSensitiveMatcher(['forbidden', 'gpt'])
  const body = { model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'text', text: 'is this forbidden?' }] }] }
  expect(matcher.findInBody(body)).toBe('forbidden')
  expect(matcher.findInBody({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] })).toBeUndefined()
  let deep: unknown = 'forbidden'
  for (let index = 0; index < 100_000; index++) deep = [deep]
  expect(matcher.findInBody({ input: deep })).toBe('forbidden')
})

test('10 000 words build once and match in one pass', () => {
  const words = Array.from({ length: 10_000 }, (_, index) => `word${index.toString(36)}x`)
  const matcher = buildSensitiveMatcher(words)
  const prompt = 'lorem ipsum dolor sit amet '.repeat(400)
  expect(matcher.find(prompt)).toBeUndefined()
  expect(matcher.find(`${prompt} word2s0x`)).toBe('word2s0x')
})
