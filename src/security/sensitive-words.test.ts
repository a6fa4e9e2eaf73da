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

test('a scanner fed random chunkings of a text finds what find finds in the whole text, at the same place', () => {
  const words = ['he', 'she', 'hers', 'abcd', 'bce', '敏感词', 'Secret Plan', 'forbidden topic']
  const matcher = buildSensitiveMatcher(words)
  // A fixed-seed generator: a failure replays the same chunkings.
  let seed = 42
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
  const alphabet = ['a', 'b', 'c', 'd', 'e', 'h', 's', 'r', ' ', 'X', 'E', '敏', '感', '词', 'secret plan'.slice(0, 3), 'FORBIDDEN ', 'topic']
  for (let round = 0; round < 300; round++) {
    let text = ''
    const length = 1 + Math.floor(random() * 60)
    for (let index = 0; index < length; index++) text += alphabet[Math.floor(random() * alphabet.length)]
    const whole = matcher.find(text)
    // Where the whole-text match ends: the shortest prefix in which find already finds it.
    let end = text.length
    if (whole !== undefined) while (matcher.find(text.slice(0, end - 1)) !== undefined) end--
    const scanner = matcher.scanner()
    let offset = 0
    let streamed: string | undefined
    let foundAt = -1
    while (offset < text.length && streamed === undefined) {
      const size = 1 + Math.floor(random() * 7)
      streamed = scanner.push(text.slice(offset, offset + size))
      offset += size
      if (streamed !== undefined) foundAt = Math.min(offset, text.length)
    }
    expect(streamed).toBe(whole)
    // Found in the piece that holds the word's last character, not later.
    if (whole !== undefined) expect(foundAt - end).toBeLessThan(7)
    if (whole !== undefined) expect(foundAt).toBeGreaterThanOrEqual(end)
  }
})

test('a scanner keeps its state between pieces and a new one starts afresh; no words, no match', () => {
  const matcher = buildSensitiveMatcher(['forbidden topic'])
  const scanner = matcher.scanner()
  expect(scanner.push('this is a FORBID')).toBeUndefined()
  expect(scanner.push('den')).toBeUndefined()
  expect(scanner.push(' Topic!')).toBe('forbidden topic')
  expect(matcher.scanner().push(' topic')).toBeUndefined()
  expect(buildSensitiveMatcher([]).scanner().push('anything')).toBeUndefined()
})
