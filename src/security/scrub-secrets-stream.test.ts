import { describe, expect, test } from 'bun:test'
import { createStreamScrubber } from './scrub-secrets-stream.ts'

const KEYS = ['sk-proj-UnitKeyOne0123456789abcdef', 'sk-proj-UnitKeyTwo0123456789abcdef']
const bytes = (text: string) => new TextEncoder().encode(text)
const text = (out: Uint8Array | string | null) => (out === null ? '' : typeof out === 'string' ? out : new TextDecoder().decode(out))
const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content } }] })}\n\n`
const errorEvent = `data: {"error":{"message":"Incorrect API key provided: ${KEYS[0]}; also ${KEYS[1]}","code":"invalid_api_key"}}\n\n`
const scrubbedError = 'data: {"error":{"message":"Incorrect API key provided: [redacted]; also [redacted]","code":"invalid_api_key"}}\n\n'

describe('stream scrubber', () => {
  test('a chunk of whole events without an error passes as the same object', () => {
    const scrubber = createStreamScrubber(KEYS)
    const chunk = bytes(delta('a key looks like sk-placeholder-123456'))
    expect(scrubber.push(chunk)).toBe(chunk)
    const written = delta('converted')
    expect(scrubber.push(written)).toBe(written)
  })

  test('an error event is scrubbed of every key; the model text beside it is left alone', () => {
    const scrubber = createStreamScrubber(KEYS)
    const model = delta('mention of sk-placeholder-123456')
    expect(text(scrubber.push(bytes(model + errorEvent)))).toBe(model + scrubbedError)
  })

  test('a key or a blank line cut by read boundaries is still seen whole; a split event waits for its end', () => {
    for (const lineEnd of ['\n', '\r\n']) {
      const crlf = (sse: string) => sse.replaceAll('\n', lineEnd)
      const stream = crlf(delta('Hi') + errorEvent + 'data: [DONE]\n\n')
      const expected = crlf(delta('Hi') + scrubbedError + 'data: [DONE]\n\n')
      for (let first = 1; first < stream.length; first += 3) {
        for (const second of [first + 1, first + 2, Math.floor((first + stream.length) / 2)]) {
          const scrubber = createStreamScrubber(KEYS)
          const reads = [stream.slice(0, first), stream.slice(first, second), stream.slice(second)]
          const outs = reads.map((read) => text(scrubber.push(bytes(read))))
          // Nothing of an event goes out before its end: every output is whole events.
          for (const out of outs) if (out) expect(out.endsWith(lineEnd + lineEnd)).toBe(true)
          expect(outs.join('') + text(scrubber.finish(null))).toBe(expected)
        }
      }
    }
  })

  test('CR LF line ends and an unterminated last event', () => {
    const scrubber = createStreamScrubber(KEYS)
    const crlf = `event: error\r\ndata: {"type":"error","error":{"message":"invalid x-api-key ${KEYS[1]}"}}\r\n\r\n`
    const first = text(scrubber.push(bytes(crlf.slice(0, 40))))
    const rest = text(scrubber.push(bytes(crlf.slice(40) + `data: {"error":"${KEYS[0]}"}`)))
    const tail = text(scrubber.finish(null))
    expect(first).toBe('')
    expect(rest).toBe('event: error\r\ndata: {"type":"error","error":{"message":"invalid x-api-key [redacted]"}}\r\n\r\n')
    expect(tail).toBe('data: {"error":"[redacted]"}')
  })

  test('cost per chunk of a clean stream (reported, loosely bounded)', () => {
    const scrubber = createStreamScrubber(Array.from({ length: 100 }, (_, index) => `sk-proj-Key${index}-0123456789abcdefghij`))
    const chunk = bytes(delta('The quick brown fox jumps over the lazy dog, again and again.'))
    const rounds = 200_000
    for (let index = 0; index < 10_000; index++) scrubber.push(chunk)
    const started = performance.now()
    for (let index = 0; index < rounds; index++) scrubber.push(chunk)
    const perChunkUs = ((performance.now() - started) * 1000) / rounds
    console.log(`stream scrubber: ${perChunkUs.toFixed(3)} µs per ${chunk.length}-byte chunk (100-key channel)`)
    expect(perChunkUs).toBeLessThan(20)
  })
})
