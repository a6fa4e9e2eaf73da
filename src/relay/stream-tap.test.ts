import { describe, expect, test } from 'bun:test'
import { createStreamTap } from './stream-tap.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (out: Uint8Array | string | null) => (out === null ? '' : typeof out === 'string' ? out : new TextDecoder().decode(out))
const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`
const usageChunk = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 } })}\n\n`

describe('OpenAI stream tap', () => {
  test('whole events with nothing to withhold go out as the upstream bytes themselves', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const chunk = bytes(delta('Hel') + delta('lo'))
    expect(tap.push(chunk)).toBe(chunk)
    expect(tap.deliveredText()).toBe('Hello')
    expect(tap.firstTokenAt()).toBeGreaterThan(0)
  })

  test('the usage-only chunk is withheld, even split across reads, and its usage is kept', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const stream = delta('Hi') + usageChunk + 'data: [DONE]\n\n'
    const cut = stream.indexOf('usage') + 3
    const out = text(tap.push(bytes(stream.slice(0, cut)))) + text(tap.push(bytes(stream.slice(cut)))) + text(tap.finish())
    expect(out).toBe(delta('Hi') + 'data: [DONE]\n\n')
    expect(tap.usage()).toMatchObject({ inputTokens: 7, outputTokens: 3 })
    expect(tap.sawDone()).toBe(true)
  })

  test('a burst holding the whole stream loses only the usage-only event', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const out = text(tap.push(bytes(delta('Hi') + delta(' there') + usageChunk + 'data: [DONE]\n\n'))) + text(tap.finish())
    expect(out).toBe(delta('Hi') + delta(' there') + 'data: [DONE]\n\n')
    expect(tap.usage()).toMatchObject({ inputTokens: 7, outputTokens: 3 })
    expect(tap.sawDone()).toBe(true)
    expect(tap.deliveredText()).toBe('Hi there')
  })

  test('the cut is right when multi-byte text comes before and after the usage event', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const out = text(tap.push(bytes(delta('你好 🌍') + usageChunk + delta('é') + 'data: [DONE]\n\n')))
    expect(out).toBe(delta('你好 🌍') + delta('é') + 'data: [DONE]\n\n')
    expect(tap.deliveredText()).toBe('你好 🌍é')
  })

  test('a keep-alive comment before the first event is forwarded but is not the first response', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const comment = bytes(': OPENROUTER PROCESSING\n\n')
    expect(tap.push(comment)).toBe(comment)
    expect(tap.firstTokenAt()).toBeUndefined()
    tap.push(bytes(delta('x')))
    expect(tap.firstTokenAt()).toBeGreaterThan(0)
  })

  test('a last event without its blank line is still delivered when withholding', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const out = text(tap.push(bytes(delta('x') + 'data: [DONE]\n'))) + text(tap.finish())
    expect(out).toBe(delta('x') + 'data: [DONE]\n\n')
  })

  test('a client that asked for usage gets every byte as sent, usage chunk included', () => {
    const tap = createStreamTap({ withholdUsageChunk: false })
    const chunk = bytes(delta('a') + usageChunk + 'data: [DONE]')
    expect(tap.push(chunk)).toBe(chunk)
    expect(tap.finish()).toBeNull()
    expect(tap.usage()).toMatchObject({ inputTokens: 7 })
  })

  test('the "usage":null OpenAI repeats in every chunk is neither usage nor a reason to re-encode', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const chunk = bytes(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }], usage: null })}\n\n`)
    expect(tap.push(chunk)).toBe(chunk)
    expect(tap.usage()).toBeNull()
    expect(tap.deliveredText()).toBe('a')
  })

  test('text mentioning "usage" in content is not taken for usage', () => {
    const tap = createStreamTap({ withholdUsageChunk: true })
    const chunk = bytes(delta('the "usage" field'))
    expect(tap.push(chunk)).toBe(chunk)
    expect(tap.usage()).toBeNull()
    expect(tap.deliveredText()).toBe('the "usage" field')
  })
})

describe('OpenAI stream tap, unusual framing', () => {
  test('comments, CRLF, multi-line data and split events go through the full decoder and come out right', () => {
    for (const withholdUsageChunk of [true, false]) {
      const tap = createStreamTap({ withholdUsageChunk })
      const parts = [
        ': keep-alive\n\n',
        delta('one'),
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'two' } }] })}\r\n\r\n`,
        'event: message\ndata: {"choices":[{"index":0,"delta":{"content":"th',
        'ree"}}]}\n\n',
        usageChunk,
        'data: [DONE]\n\n',
      ]
      let out = ''
      for (const part of parts) out += text(tap.push(bytes(part)))
      out += text(tap.finish())
      expect(tap.deliveredText()).toBe('onetwothree')
      expect(tap.usage()).toMatchObject({ inputTokens: 7, outputTokens: 3 })
      expect(tap.sawDone()).toBe(true)
      expect(out.includes('"usage":{')).toBe(!withholdUsageChunk)
      expect(out).toContain('three')
      expect(out.trimEnd().endsWith('data: [DONE]')).toBe(true)
    }
  })
})
