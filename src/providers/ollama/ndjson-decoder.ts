import { SseDecodeError } from '../sse.ts'
import type { SseEvent } from '../types.ts'

/**
 * Newline-delimited JSON (Ollama's `/api/chat` and `/api/pull` streams) → the SseEvent shape the stream parsers
 * take: one event per non-blank line, `data` = the line. LF is the terminator (a CR before it is dropped); LF never
 * occurs inside a UTF-8 multi-byte sequence, so a streaming TextDecoder then a string scan is correct for chunks cut
 * anywhere. A line is bounded like an SSE line: beyond it the stream ends with SseDecodeError, which the relay
 * already turns into the client's error event.
 */
export function createNdjsonDecoder(maxLineLength = 32 * 1024 * 1024): { push(chunk: Uint8Array): SseEvent[]; flush(): SseEvent[] } {
  const textDecoder = new TextDecoder('utf-8')
  let pending = ''

  function take(text: string, events: SseEvent[]): void {
    let start = 0
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', start)) {
      let line = (start === 0 ? pending + text.slice(0, newline) : text.slice(start, newline))
      if (start === 0) pending = ''
      if (line.endsWith('\r')) line = line.slice(0, -1)
      if (line.trim().length > 0) events.push({ data: line })
      start = newline + 1
    }
    pending = start === 0 ? pending + text : text.slice(start)
    if (pending.length > maxLineLength) throw new SseDecodeError(`upstream NDJSON line exceeds ${maxLineLength} characters; stream aborted`)
  }

  return {
    push(chunk) {
      const events: SseEvent[] = []
      take(textDecoder.decode(chunk, { stream: true }), events)
      return events
    },
    flush() {
      const events: SseEvent[] = []
      take(textDecoder.decode(), events)
      const last = pending.trim()
      pending = ''
      if (last.length > 0) events.push({ data: last })
      return events
    },
  }
}
