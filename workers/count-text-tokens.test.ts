import { describe, expect, test } from 'bun:test'
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base'
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base'
import { countWithGuard, loadEncoding, PIECE_LIMIT, selectEncoding } from './count-text-tokens.ts'

const plain = { disallowedSpecial: new Set<string>() }

describe('selectEncoding', () => {
  const cases: [string, string, boolean][] = [
    ['gpt-4o', 'o200k_base', true],
    ['gpt-4o-mini-2024-07-18', 'o200k_base', true],
    ['chatgpt-4o-latest', 'o200k_base', true],
    ['gpt-4.1-nano', 'o200k_base', true],
    ['gpt-4.5-preview', 'o200k_base', true],
    ['gpt-5', 'o200k_base', true],
    ['gpt-5-mini', 'o200k_base', true],
    ['o1-preview', 'o200k_base', true],
    ['o3-mini', 'o200k_base', true],
    ['o4-mini', 'o200k_base', true],
    ['openai/gpt-4o', 'o200k_base', true],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'o200k_base', true],
    ['GPT-4O', 'o200k_base', true],
    ['gpt-4', 'cl100k_base', true],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base', true],
    ['gpt-4-32k', 'cl100k_base', true],
    ['gpt-3.5-turbo', 'cl100k_base', true],
    ['gpt-35-turbo', 'cl100k_base', true],
    ['text-embedding-3-small', 'cl100k_base', true],
    ['text-embedding-ada-002', 'cl100k_base', true],
    ['claude-3-5-sonnet-20241022', 'cl100k_base', false],
    ['gemini-1.5-pro', 'cl100k_base', false],
    ['deepseek-chat', 'cl100k_base', false],
    ['', 'cl100k_base', false],
  ]
  for (const [model, encoding, exact] of cases) {
    test(`${model || '(empty)'} -> ${encoding}${exact ? '' : ' (estimate)'}`, () => {
      expect(selectEncoding(model)).toEqual({ encoding: encoding as 'o200k_base', exact })
    })
  }
})

describe('countWithGuard matches the tokenizer exactly on ordinary text', () => {
  const samples = [
    'tiktoken is great!',
    'Hello, world! How are you doing today?',
    'function add(a, b) {\n  return a + b;\n}\n\nconsole.log(add(1, 2))',
    '今天天气很好，我们去公园散步吧。',
    'Ünïcödé façade — naïve café 😀🎉 emoji',
    'special token text <|endoftext|> and <|im_start|> is plain text here',
    '   leading and trailing whitespace   \n\n\t',
    '1234567890 3.14159 -42 1e10',
    'a'.repeat(PIECE_LIMIT),
  ]
  test('cl100k reference value from the OpenAI cookbook: "tiktoken is great!" is 6 tokens', async () => {
    expect(countWithGuard(await loadEncoding('cl100k_base'), 'tiktoken is great!')).toEqual({ tokens: 6, capped: false })
  })
  for (const sample of samples) {
    test(`o200k and cl100k: ${JSON.stringify(sample.slice(0, 30))}`, async () => {
      expect(countWithGuard(await loadEncoding('o200k_base'), sample)).toEqual({ tokens: encodeO200k(sample, plain).length, capped: false })
      expect(countWithGuard(await loadEncoding('cl100k_base'), sample)).toEqual({ tokens: encodeCl100k(sample, plain).length, capped: false })
    })
  }
  test('a long ordinary text (200 KB) is exact', async () => {
    const words = ['gateway', 'token', 'relay', 'stream', 'billing,', 'usage.', '\n', 'the', 'a', '42']
    let text = ''
    for (let index = 0; text.length < 200_000; index++) text += words[(index * 7919) % words.length] + ' '
    expect(countWithGuard(await loadEncoding('o200k_base'), text)).toEqual({ tokens: encodeO200k(text, plain).length, capped: false })
  })
  test('empty text is 0', async () => {
    expect(countWithGuard(await loadEncoding('o200k_base'), '')).toEqual({ tokens: 0, capped: false })
  })
})

describe('pathological input', () => {
  test('text around a long piece keeps its exact count; the long piece is close to exact', async () => {
    const encoding = await loadEncoding('o200k_base')
    let noBreak = ''
    for (let index = 0; index < 4000; index++) noBreak += 'abcdefghijklmnopqrstuvwxyz'[(index * 7 + (index >> 3)) % 26]
    const exactPiece = encodeO200k(noBreak, plain).length
    const guarded = countWithGuard(encoding, noBreak)
    expect(guarded.capped).toBe(true)
    expect(Math.abs(guarded.tokens - exactPiece) / exactPiece).toBeLessThan(0.05)
    const around = 'Before the blob, some words. ' + noBreak + ' After the blob, more words.'
    const expectedAround = encodeO200k('Before the blob, some words.', plain).length + guarded.tokens + encodeO200k(' After the blob, more words.', plain).length
    // The space before the blob joins the blob's piece in the full text, so allow one token either way.
    expect(Math.abs(countWithGuard(encoding, around).tokens - expectedAround)).toBeLessThanOrEqual(1)
  })

  const megabyte = 1_000_000
  const adversarial: Record<string, () => string> = {
    'one letter repeated': () => 'a'.repeat(megabyte),
    'random letters, no breaks': () => {
      let text = ''
      let seed = 12345
      for (let index = 0; index < megabyte; index++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff
        text += String.fromCharCode(97 + (seed % 26))
      }
      return text
    },
    'punctuation run': () => '!'.repeat(megabyte),
    'whitespace then one letter': () => ' '.repeat(megabyte) + 'x',
    'CJK run': () => '字'.repeat(megabyte),
    'emoji run (surrogate pairs)': () => '😀'.repeat(megabyte / 2),
  }
  for (const [name, build] of Object.entries(adversarial)) {
    test(`1 MB ${name} is counted without going quadratic`, async () => {
      const encoding = await loadEncoding('o200k_base')
      const text = build()
      const started = performance.now()
      const result = countWithGuard(encoding, text)
      const elapsed = performance.now() - started
      console.log(`  1 MB ${name}: ${result.tokens} tokens in ${elapsed.toFixed(1)} ms`)
      expect(result.capped).toBe(true)
      expect(result.tokens).toBeGreaterThan(0)
      expect(result.tokens).toBeLessThanOrEqual(text.length)
    })
  }
})
