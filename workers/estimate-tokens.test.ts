import { describe, expect, test } from 'bun:test'
import { encode } from 'gpt-tokenizer/encoding/o200k_base'
import { estimateChatPromptTokens, estimateStringTokens, estimateTextTokens } from './estimate-tokens.ts'

describe('main-thread estimates', () => {
  test('English text lands within a factor of 1.5 of the real count, erring high', () => {
    const text = 'The gateway relays requests to many providers and bills each key for the tokens it used. '.repeat(50)
    const real = encode(text).length
    const estimate = estimateStringTokens(text)
    expect(estimate).toBeGreaterThanOrEqual(real)
    expect(estimate).toBeLessThan(real * 1.5)
  })

  test('CJK text is not underestimated by the 4-characters rule', () => {
    const text = '今天天气很好，我们去公园散步吧。'.repeat(100)
    expect(estimateStringTokens(text)).toBeGreaterThanOrEqual(encode(text).length * 0.9)
  })

  test('a 10 MB string is estimated without walking it', () => {
    const text = 'x'.repeat(10_000_000)
    const started = performance.now()
    expect(estimateStringTokens(text)).toBe(2_500_000)
    expect(performance.now() - started).toBeLessThan(50)
  })

  test('chat estimate follows the count structure: overheads, images and fixed media', () => {
    const body = {
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'abcd'.repeat(10) }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }, { type: 'input_audio' }] },
      ],
    }
    // 3 priming + (3 + 1 role) + 10 text + 255 image + 256 audio
    expect(estimateChatPromptTokens('gpt-4o', body)).toBe(3 + 4 + 10 + 255 + 256)
    expect(estimateChatPromptTokens('claude-3-opus', body)).toBe(3 + 4 + 10 + 520 + 256)
    expect(estimateChatPromptTokens('gpt-4o', { messages: 'broken' })).toBe(3)
  })

  test('text arrays are summed', () => {
    expect(estimateTextTokens(['abcd', 'abcdefgh'])).toBe(3)
  })
})
