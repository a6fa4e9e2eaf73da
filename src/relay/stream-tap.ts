import { createSseDecoder, encodeSse } from '../providers/sse.ts'
import { convertOpenAiUsage } from '../providers/openai/convert-openai-usage.ts'
import { parseJsonObject } from '../providers/canonical.ts'
import type { SseEvent, Usage } from '../providers/types.ts'

/**
 * Pass-through tap for OpenAI-format streams (client and channel both speak OpenAI Chat or Completions).
 * Upstream bytes go to the client untouched; on the side the tap decodes events to find the usage chunk, keep
 * the delivered events (to count their text if usage never comes) and the time of the first event. When the
 * gateway asked for usage that the client did not, the usage-only chunk is withheld.
 *
 * The tap runs for every event of every stream, so it does as little as it can: only events that carry a
 * `"usage"` object are parsed; the others are kept as raw text and parsed only in the rare case the upstream never
 * reports usage. When withholding, a chunk that holds whole events and nothing to withhold still goes out as the
 * upstream's own bytes; only a chunk with the usage chunk in it (or one that splits an event) is re-encoded.
 */
export interface StreamTap {
  /** Feed upstream bytes; returns what to send to the client (the same bytes unless re-encoding). */
  push(chunk: Uint8Array): Uint8Array | string | null
  finish(): string | null
  usage(): Usage | null
  /** Text delivered so far (content + reasoning + tool arguments), bounded. */
  deliveredText(): string
  /** When the first event arrived (performance.now()), new-api's "first response time". */
  firstTokenAt(): number | undefined
  sawDone(): boolean
}

const MAX_KEPT_CHARACTERS = 4 * 1024 * 1024
const USAGE_OBJECT = /"usage"\s*:\s*\{/
const DONE_EVENT = /(?:^|\n)data: ?\[DONE\]/

export function createStreamTap(options: { withholdUsageChunk: boolean }): StreamTap {
  const decoder = createSseDecoder()
  let usage: Usage | null = null
  let firstToken: number | undefined
  let done = false
  // What was delivered, as SSE text (whole chunks on the fast path, one event each otherwise); parsed only when
  // the upstream never reports usage and the text must be counted.
  const kept: string[] = []
  let keptCharacters = 0
  // Every byte pushed so far ended on an event boundary: the decoder holds nothing, so a chunk may be read whole.
  let aligned = true

  const keep = (text: string) => {
    if (keptCharacters >= MAX_KEPT_CHARACTERS) return
    kept.push(text)
    keptCharacters += text.length
  }

  /** Read a usage object from an event's data; true when the event is the usage-only chunk to withhold. */
  const readUsage = (data: string): boolean => {
    const chunk = parseJsonObject(data)
    const found = convertOpenAiUsage(chunk?.usage)
    if (!found) return false
    usage = found
    return options.withholdUsageChunk && Array.isArray(chunk!.choices) && chunk!.choices.length === 0
  }

  /** Look at one decoded event; false when it is the usage-only chunk to withhold. */
  const observe = (event: SseEvent): boolean => {
    const data = event.data
    firstToken ??= performance.now()
    if (data === '[DONE]') {
      done = true
      return true
    }
    // OpenAI repeats `"usage":null` in every chunk once usage is asked for; only an object is worth parsing.
    if (USAGE_OBJECT.test(data) && readUsage(data)) return false
    keep(`data: ${data}\n\n`)
    return true
  }

  /**
   * A chunk of whole events with LF line ends (what OpenAI-format upstreams send), read without splitting it into
   * events: only a usage object and `[DONE]` are looked for. Returns what to forward, or undefined when the chunk
   * needs the full decoder (CR line ends, or a usage object in an event that is not one `data:` line).
   */
  const fastPath = (chunk: Uint8Array): Uint8Array | null | undefined => {
    const text = utf8.decode(chunk)
    if (text.includes('\r')) return undefined
    let out: Uint8Array | null = chunk
    let cutStart = -1
    let cutEnd = -1
    const match = USAGE_OBJECT.exec(text)
    if (match) {
      const previousEnd = text.lastIndexOf('\n\n', match.index)
      const start = previousEnd < 0 ? 0 : previousEnd + 2
      const end = text.indexOf('\n\n', match.index)
      const block = text.slice(start, end)
      if (!block.startsWith('data:') || block.includes('\n') || USAGE_OBJECT.test(text.slice(end))) return undefined
      if (readUsage(block.slice(block.charCodeAt(5) === 32 ? 6 : 5))) {
        cutStart = start
        cutEnd = end + 2
        // Cut the event out of the bytes; byte offsets come from the two short pieces (the event and what follows
        // it), so the rest of the chunk is copied, never re-encoded.
        const byteEnd = chunk.length - Buffer.byteLength(text.slice(cutEnd))
        const byteStart = byteEnd - Buffer.byteLength(text.slice(cutStart, cutEnd))
        out = byteStart === 0 && byteEnd === chunk.length ? null : Buffer.concat([chunk.subarray(0, byteStart), chunk.subarray(byteEnd)])
      }
    }
    // Keep-alive comments (OpenRouter's ": OPENROUTER PROCESSING") are not a response yet.
    if (firstToken === undefined && text.includes('data:')) firstToken = performance.now()
    if (!done && DONE_EVENT.test(text)) done = true
    keep(cutStart < 0 ? text : text.slice(0, cutStart) + text.slice(cutEnd))
    return out
  }

  return {
    push(chunk) {
      const endsOnBoundary = endsWithBlankLine(chunk)
      const wasAligned = aligned
      if (wasAligned && endsOnBoundary) {
        const out = fastPath(chunk)
        if (out !== undefined) return options.withholdUsageChunk ? out : chunk
      }
      // Anything else (CR, comments between, multi-line data, an event split across reads) goes through the full
      // decoder; the fast path only takes chunks that start and end on a boundary, so the two stay in step.
      const events = decoder.push(chunk)
      aligned = endsOnBoundary
      if (!options.withholdUsageChunk) {
        for (const event of events) observe(event)
        return chunk
      }
      const withheld: SseEvent[] = []
      for (const event of events) if (!observe(event)) withheld.push(event)
      if (wasAligned && endsOnBoundary && withheld.length === 0) return chunk
      // Re-encode the complete events; an event split by this chunk's end waits in the decoder for its rest.
      let out = ''
      for (const event of events) if (!withheld.includes(event)) out += encodeSse(event)
      return out || null
    },
    finish() {
      // Withholding, an unterminated last event was held back in the decoder; otherwise its bytes went out as they came.
      const events = decoder.flush()
      let out = ''
      for (const event of events) if (observe(event) && options.withholdUsageChunk) out += encodeSse(event)
      return out || null
    },
    usage: () => usage,
    deliveredText: () => kept.map(textOfSse).join(''),
    firstTokenAt: () => firstToken,
    sawDone: () => done,
  }
}

/** The text of every event in some SSE text (whole events), for counting. */
function textOfSse(sse: string): string {
  let out = ''
  for (const block of sse.split('\n\n')) {
    let data = ''
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue
      data += (data ? '\n' : '') + line.slice(line.charCodeAt(5) === 32 ? 6 : 5)
    }
    if (data && data !== '[DONE]') out += textOf(data)
  }
  return out
}

/** Content, reasoning or tool-call arguments of one chunk (the text a missing usage is counted from). */
function textOf(data: string): string {
  const chunk = parseJsonObject(data) as { choices?: { delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] }; text?: unknown }[] } | undefined
  const choice = chunk?.choices?.[0]
  if (!choice) return ''
  if (typeof choice.delta?.content === 'string') return choice.delta.content
  if (typeof choice.text === 'string') return choice.text
  if (typeof choice.delta?.reasoning_content === 'string') return choice.delta.reasoning_content
  const toolArguments = choice.delta?.tool_calls?.[0]?.function?.arguments
  return typeof toolArguments === 'string' ? toolArguments : ''
}

const utf8 = new TextDecoder()

/** The chunk ends with a blank line (LF LF, CR CR or CR LF CR LF), i.e. between two events. */
function endsWithBlankLine(chunk: Uint8Array): boolean {
  const length = chunk.length
  if (length < 2) return false
  const last = chunk[length - 1]
  const before = chunk[length - 2]
  if (last === 10 && before === 10) return true
  if (last === 13 && before === 13) return true
  return last === 10 && before === 13 && length >= 4 && chunk[length - 3] === 10 && chunk[length - 4] === 13
}
