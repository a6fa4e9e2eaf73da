import { describe, expect, test } from 'bun:test'
import { createSseDecoder, encodeSse, SseDecodeError } from './sse.ts'
import type { SseEvent } from './types.ts'

const encoder = new TextEncoder()

function decodeInPieces(bytes: Uint8Array, cuts: number[]): SseEvent[] {
  const decoder = createSseDecoder()
  const events: SseEvent[] = []
  let previous = 0
  for (const cut of [...cuts, bytes.length]) {
    events.push(...decoder.push(bytes.subarray(previous, cut)))
    previous = cut
  }
  events.push(...decoder.flush())
  return events
}

function decodeWhole(text: string): SseEvent[] {
  return decodeInPieces(encoder.encode(text), [])
}

describe('createSseDecoder', () => {
  test('decodes data events separated by blank lines with LF', () => {
    expect(decodeWhole('data: {"a":1}\n\ndata: [DONE]\n\n')).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }])
  })

  test('accepts CRLF and lone CR line endings', () => {
    expect(decodeWhole('data: one\r\n\r\ndata: two\r\rdata: three\n\n')).toEqual([
      { data: 'one' }, { data: 'two' }, { data: 'three' },
    ])
  })

  test('a CRLF split across two chunks is one terminator, not an extra blank line', () => {
    const bytes = encoder.encode('data: a\r\ndata: b\r\n\r\n')
    // cut right after the first CR: if the LF were taken as a second terminator the event would end early
    const events = decodeInPieces(bytes, [8])
    expect(events).toEqual([{ data: 'a\nb' }])
  })

  test('event: lines set the type and reset after dispatch', () => {
    const events = decodeWhole('event: message_start\ndata: {"x":1}\n\ndata: plain\n\n')
    expect(events).toEqual([{ event: 'message_start', data: '{"x":1}' }, { data: 'plain' }])
    expect('event' in events[1]).toBe(false)
  })

  test('multi-line data is joined with LF, comments and unknown fields are ignored', () => {
    const events = decodeWhole(': keep-alive\nid: 7\nretry: 10\ndata: first\ndata:second\ndata\nfoo: bar\n\n')
    expect(events).toEqual([{ data: 'first\nsecond\n' }])
  })

  test('a comment-only block and an event-only block dispatch nothing', () => {
    expect(decodeWhole(': OPENROUTER PROCESSING\n\nevent: ping\n\n')).toEqual([])
  })

  test('only one leading space is stripped from a value', () => {
    expect(decodeWhole('data:  two spaces\n\n')).toEqual([{ data: ' two spaces' }])
  })

  test('the final event is delivered at flush even without its blank line', () => {
    expect(decodeWhole('data: {"a":1}\n\ndata: [DONE]')).toEqual([{ data: '{"a":1}' }, { data: '[DONE]' }])
    expect(decodeWhole('data: [DONE]\n')).toEqual([{ data: '[DONE]' }])
  })

  test('a leading byte-order mark does not corrupt the first field name', () => {
    expect(decodeWhole('\uFEFFdata: x\n\n')).toEqual([{ data: 'x' }])
  })

  test('every split point of a stream with multi-byte UTF-8 and mixed endings gives the same events', () => {
    const text = 'event: content_block_delta\r\ndata: {"text":"héllo 世界 🎉"}\r\n\r\n: c\rdata: ünï\rdata: 😀\r\rdata: [DONE]\n\n'
    const bytes = encoder.encode(text)
    const expected = decodeWhole(text)
    expect(expected).toEqual([
      { event: 'content_block_delta', data: '{"text":"héllo 世界 🎉"}' },
      { data: 'ünï\n😀' },
      { data: '[DONE]' },
    ])
    for (let first = 1; first < bytes.length; first++) {
      expect(decodeInPieces(bytes, [first])).toEqual(expected)
    }
    // and byte by byte
    const everyByte = Array.from({ length: bytes.length - 1 }, (_, index) => index + 1)
    expect(decodeInPieces(bytes, everyByte)).toEqual(expected)
  })

  test('a long line arriving in many small chunks is decoded in linear time', () => {
    const decoder = createSseDecoder()
    const piece = encoder.encode('x'.repeat(1024))
    decoder.push(encoder.encode('data: '))
    const started = performance.now()
    // 8 MiB in 8192 pieces: re-joining the buffer on every push would copy ~32 GiB
    for (let index = 0; index < 8192; index++) expect(decoder.push(piece).length).toBe(0)
    const events = decoder.push(encoder.encode('\n\n'))
    const elapsed = performance.now() - started
    expect(events.length).toBe(1)
    expect(events[0].data.length).toBe(8 * 1024 * 1024)
    expect(elapsed).toBeLessThan(1500)
  })

  test('a line longer than the bound throws a clear SseDecodeError', () => {
    const decoder = createSseDecoder({ maxLineLength: 100 })
    decoder.push(encoder.encode('data: ' + 'y'.repeat(60)))
    expect(() => decoder.push(encoder.encode('y'.repeat(60)))).toThrow(SseDecodeError)
    const whole = createSseDecoder({ maxLineLength: 100 })
    expect(() => whole.push(encoder.encode('data: ' + 'z'.repeat(200) + '\n'))).toThrow(/exceeds 100 characters/)
  })

  test('event data accumulated over many short lines is bounded too', () => {
    const decoder = createSseDecoder({ maxLineLength: 100 })
    expect(() => decoder.push(encoder.encode('data: 0123456789\n'.repeat(20)))).toThrow(SseDecodeError)
  })

  test('an incomplete UTF-8 sequence at end of stream becomes a replacement character, not a hang', () => {
    const bytes = encoder.encode('data: é')
    const decoder = createSseDecoder()
    expect(decoder.push(bytes.subarray(0, bytes.length - 1))).toEqual([])
    expect(decoder.flush()).toEqual([{ data: '\uFFFD' }])
  })
})

describe('encodeSse', () => {
  test('writes the event line and one data line per line of data', () => {
    expect(encodeSse({ data: '{"a":1}' })).toBe('data: {"a":1}\n\n')
    expect(encodeSse({ event: 'message_stop', data: '{}' })).toBe('event: message_stop\ndata: {}\n\n')
    expect(encodeSse({ data: 'a\nb\r\nc' })).toBe('data: a\ndata: b\ndata: c\n\n')
  })

  test('decoding what was encoded gives back the same events', () => {
    const events: SseEvent[] = [
      { event: 'response.created', data: '{"type":"response.created"}' },
      { data: 'line one\nline two' },
      { data: '' },
      { data: ' leading space' },
    ]
    expect(decodeWhole(events.map(encodeSse).join(''))).toEqual(events)
  })
})
