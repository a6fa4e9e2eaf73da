import { scrubberFor } from './scrub-secrets.ts'

/**
 * Channel keys scrubbed from a stream that has already started (2xx, headers sent), at almost no cost per chunk.
 *
 * Where a key can appear: the model never sees the channel's key, so no generated text can carry it; only text the
 * upstream itself writes can — and in a started stream that is an error event echoing the credential ("Incorrect
 * API key provided: sk-…"). Every format marks such an event with the JSON member or value `"error"`: OpenAI
 * `data: {"error":{…}}`, Anthropic `event: error` / `{"type":"error","error":{…}}`, Gemini `{"error":{"code":…}}`,
 * Responses `{"type":"error"…}` and `response.failed`'s `"error":{…}`. Model text never produces those seven bytes
 * (a quote inside a JSON string is escaped, `\"error\"`), so the marker is structural. Hence: a chunk without the
 * marker passes as the same object after one native byte search; an event with it is scrubbed of every key of the
 * channel (each line of a multi-key channel, each part of a composite key) and of key-shaped strings. Scanning
 * every chunk for every key instead would cost a search per key per chunk for text that cannot hold one.
 *
 * An event split across reads is held back until its end arrives (a client acts on whole events only, so this
 * delays nothing it can use): the marker or a key cut in two by a read boundary is then still seen whole. Output is
 * the upstream's own bytes, re-cut at event boundaries; only a scrubbed event is re-encoded.
 */
export interface StreamScrubber {
  push(out: Uint8Array | string | null): Uint8Array | string | null
  /** The last output and whatever the upstream left unterminated, scrubbed like the rest. */
  finish(last: Uint8Array | string | null): Uint8Array | string | null
}

const MARKER = '"error"'
/** One SSE event with its closing blank line (or the unterminated rest). */
const EVENT = /[^]*?(?:\n\n|\r\r|\r\n\r\n|$)/g
const utf8 = new TextDecoder()
const encoder = new TextEncoder()

const MARKER_BYTES = Buffer.from(MARKER)
// Buffer's native search applied to the reader's plain Uint8Array: no Buffer view is made per chunk (that alone
// costs more than the search).
const { indexOf, lastIndexOf } = Buffer.prototype
const hasMarker = (bytes: Uint8Array) => indexOf.call(bytes, MARKER_BYTES) >= 0

/** Just past the last blank line (LF LF, CR CR or CR LF CR LF) in `bytes`, or -1 when there is none. */
function lastBoundaryEnd(bytes: Uint8Array): number {
  const lf = lastIndexOf.call(bytes, '\n\n')
  const cr = lastIndexOf.call(bytes, '\r\r')
  const crlf = lastIndexOf.call(bytes, '\r\n\r\n')
  return Math.max(lf < 0 ? -1 : lf + 2, cr < 0 ? -1 : cr + 2, crlf < 0 ? -1 : crlf + 4)
}

export function createStreamScrubber(keys: readonly string[]): StreamScrubber {
  const scrub = scrubberFor(keys)
  /** Reads holding an event whose end has not arrived yet, joined once it has (a multi-megabyte image event is copied once, not per read). */
  let pending: Uint8Array[] = []
  /** The last (up to 3) pending bytes: a blank line may straddle two reads. */
  let seam: Uint8Array = new Uint8Array(0)

  /** Only the error events of some whole events are scrubbed: a model's own text (which may mention `sk-…`) is left alone. */
  const scrubEvents = (text: string) => text.replace(EVENT, (event) => (event.includes(MARKER) ? scrub(event) : event))
  const clean = (bytes: Uint8Array): Uint8Array | string => (hasMarker(bytes) ? scrubEvents(utf8.decode(bytes)) : bytes)

  function hold(bytes: Uint8Array) {
    pending.push(bytes.slice())
    seam = bytes.length >= 3 ? bytes.slice(-3) : Buffer.concat([seam, bytes]).subarray(-3)
  }

  /** Where in `bytes` a blank line begun in the held bytes ends, or -1. */
  function seamBoundaryEnd(bytes: Uint8Array): number {
    if (seam.length === 0) return -1
    const end = lastBoundaryEnd(Buffer.concat([seam, bytes.subarray(0, 3)])) - seam.length
    return end > 0 ? end : -1
  }

  function push(out: Uint8Array | string | null): Uint8Array | string | null {
    if (out === null || out.length === 0) return out
    if (typeof out === 'string') {
      // Written by the gateway (re-encoded or converted events): whole events, no bytes to keep.
      if (pending.length === 0 && out.endsWith('\n\n')) return out.includes(MARKER) ? scrubEvents(out) : out
      out = encoder.encode(out)
    }
    if (pending.length === 0 && endsOnBoundary(out)) return clean(out)
    const end = Math.max(lastBoundaryEnd(out), seamBoundaryEnd(out))
    if (end < 0) {
      hold(out)
      return null
    }
    const whole = Buffer.concat([...pending, out.subarray(0, end)])
    pending = []
    seam = new Uint8Array(0)
    if (end < out.length) hold(out.subarray(end))
    return clean(whole)
  }

  return {
    push,
    finish(last) {
      const out = push(last)
      if (pending.length === 0) return out
      const rest = clean(Buffer.concat(pending))
      pending = []
      if (out === null || out.length === 0) return rest
      return (typeof out === 'string' ? out : utf8.decode(out)) + (typeof rest === 'string' ? rest : utf8.decode(rest))
    },
  }
}

function endsOnBoundary(bytes: Uint8Array): boolean {
  const length = bytes.length
  if (length < 2) return false
  const last = bytes[length - 1]
  const before = bytes[length - 2]
  if (last === 10 && before === 10) return true
  if (last === 13 && before === 13) return true
  return last === 10 && before === 13 && length >= 4 && bytes[length - 3] === 10 && bytes[length - 4] === 13
}
