import type { SseEvent } from './types.ts'

/**
 * Incremental server-sent-events decoder over raw bytes (WHATWG "event stream interpretation").
 *
 * Call order: `push(chunk)` for every network chunk, in order, then `flush()` once at end of stream.
 * Each call returns the events completed by that input. `flush()` also returns a final event that lacked its
 * blank-line terminator: several real upstreams end with `data: [DONE]\n` and no blank line.
 *
 * Why it is shaped like this:
 * - Line terminators (CR, LF) are ASCII, and ASCII bytes never occur inside a multi-byte UTF-8 sequence, so a
 *   streaming TextDecoder followed by a string scan is correct for chunk boundaries anywhere, including in the
 *   middle of a character.
 * - Only the newly decoded text is scanned for terminators; an unfinished line is kept as a list of pieces and
 *   joined once when its terminator arrives, so a long line delivered in many small chunks costs linear time.
 * - A line, and an event's accumulated data, are bounded (`maxLineLength` UTF-16 units) so a hostile or broken
 *   upstream cannot grow memory without limit; exceeding it throws `SseDecodeError`.
 */
export interface SseDecoder {
  push(chunk: Uint8Array): SseEvent[]
  flush(): SseEvent[]
}

export interface SseDecoderOptions {
  /** Longest line and longest event data accepted, in UTF-16 code units. Default 32 MiB (inline images are large). */
  maxLineLength?: number
  /** Keep a `meta:` line as the event's `meta` (Zhipu v3 sends its usage there); other decoders ignore it, as the spec says. */
  keepMeta?: boolean
}

const defaultMaxLineLength = 32 * 1024 * 1024

/** Thrown when the stream cannot be decoded within bounds; the relay ends the stream with an error event. */
export class SseDecodeError extends Error {
  readonly code = 'sse_line_too_long'
  constructor(message: string) {
    super(message)
    this.name = 'SseDecodeError'
  }
}

const lineFeed = 10

export function createSseDecoder(options: SseDecoderOptions = {}): SseDecoder {
  const maxLineLength = options.maxLineLength ?? defaultMaxLineLength
  const keepMeta = options.keepMeta === true
  const textDecoder = new TextDecoder('utf-8')
  // Pieces of the line not yet terminated, and their total length.
  let pendingPieces: string[] = []
  let pendingLength = 0
  // A CR ended the previous chunk: an LF at the start of the next one belongs to the same terminator.
  let lastWasCarriageReturn = false
  // Event under construction.
  let eventType: string | undefined
  let dataLines: string[] = []
  let dataLength = 0
  let hasData = false
  let meta: string | undefined

  function tooLong(what: string, length: number): never {
    throw new SseDecodeError(`upstream SSE ${what} exceeds ${maxLineLength} characters (got ${length}); stream aborted`)
  }

  function processLine(line: string, events: SseEvent[]): void {
    if (line.length === 0) {
      if (hasData) {
        const event: SseEvent = { data: dataLines.length === 1 ? dataLines[0] : dataLines.join('\n') }
        if (eventType !== undefined) event.event = eventType
        if (meta !== undefined) event.meta = meta
        events.push(event)
      }
      eventType = undefined
      meta = undefined
      dataLines = []
      dataLength = 0
      hasData = false
      return
    }
    const firstCode = line.charCodeAt(0)
    if (firstCode === 58 /* ':' comment, e.g. OpenRouter's ": OPENROUTER PROCESSING" keep-alive */) return
    const colon = line.indexOf(':')
    let field: string
    let value: string
    if (colon === -1) {
      field = line
      value = ''
    } else {
      field = line.slice(0, colon)
      const valueStart = line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1
      value = line.slice(valueStart)
    }
    if (field === 'data') {
      dataLength += value.length + 1
      if (dataLength > maxLineLength) tooLong('event data', dataLength)
      dataLines.push(value)
      hasData = true
    } else if (field === 'event') {
      eventType = value
    } else if (keepMeta && field === 'meta') {
      if (value.length > maxLineLength) tooLong('meta line', value.length)
      meta = value
    }
    // `id` and `retry` are meaningless for a relayed one-shot upstream stream; other fields are ignored per spec.
  }

  function scan(text: string, events: SseEvent[]): void {
    let start = 0
    const length = text.length
    if (lastWasCarriageReturn) {
      lastWasCarriageReturn = false
      if (length > 0 && text.charCodeAt(0) === lineFeed) start = 1
    }
    // Positions of the next LF and CR; each is searched again only after the scan passes it.
    let nextLineFeed = text.indexOf('\n', start)
    let nextCarriageReturn = text.indexOf('\r', start)
    while (nextLineFeed !== -1 || nextCarriageReturn !== -1) {
      let end: number
      let terminatorLength = 1
      if (nextCarriageReturn === -1 || (nextLineFeed !== -1 && nextLineFeed < nextCarriageReturn)) {
        end = nextLineFeed
      } else {
        end = nextCarriageReturn
        if (end + 1 < length) {
          if (text.charCodeAt(end + 1) === lineFeed) terminatorLength = 2
        } else {
          lastWasCarriageReturn = true
        }
      }
      let line: string
      if (pendingLength > 0) {
        pendingPieces.push(text.slice(start, end))
        pendingLength += end - start
        if (pendingLength > maxLineLength) tooLong('line', pendingLength)
        line = pendingPieces.join('')
        pendingPieces = []
        pendingLength = 0
      } else {
        if (end - start > maxLineLength) tooLong('line', end - start)
        line = text.slice(start, end)
      }
      processLine(line, events)
      start = end + terminatorLength
      if (nextLineFeed !== -1 && nextLineFeed < start) nextLineFeed = text.indexOf('\n', start)
      if (nextCarriageReturn !== -1 && nextCarriageReturn < start) nextCarriageReturn = text.indexOf('\r', start)
    }
    if (start < length) {
      pendingLength += length - start
      if (pendingLength > maxLineLength) tooLong('line', pendingLength)
      pendingPieces.push(start === 0 ? text : text.slice(start))
    }
  }

  return {
    push(chunk: Uint8Array): SseEvent[] {
      const events: SseEvent[] = []
      const text = textDecoder.decode(chunk, { stream: true })
      if (text.length > 0) scan(text, events)
      return events
    },
    flush(): SseEvent[] {
      const events: SseEvent[] = []
      const rest = textDecoder.decode()
      if (rest.length > 0) scan(rest, events)
      if (pendingLength > 0) {
        const line = pendingPieces.join('')
        pendingPieces = []
        pendingLength = 0
        processLine(line, events)
      }
      // End of stream terminates the last event even without its blank line.
      processLine('', events)
      lastWasCarriageReturn = false
      return events
    },
  }
}

/** Serialises one event; multi-line data becomes one `data:` line per line so the receiver rejoins it exactly. */
export function encodeSse(event: SseEvent): string {
  const data = event.data
  const head = event.event === undefined ? '' : `event: ${event.event}\n`
  if (data.indexOf('\n') === -1 && data.indexOf('\r') === -1) return `${head}data: ${data}\n\n`
  const lines = data.split(/\r\n|\r|\n/)
  let out = head
  for (const line of lines) out += `data: ${line}\n`
  return `${out}\n`
}

/** The OpenAI-style stream terminator, `data: [DONE]`. */
export const doneEvent: SseEvent = Object.freeze({ data: '[DONE]' })
