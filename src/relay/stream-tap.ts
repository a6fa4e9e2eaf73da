import { createSseDecoder, encodeSse } from '../providers/sse.ts'
import { convertOpenAiUsage } from '../providers/openai/convert-openai-usage.ts'
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

export function createStreamTap(options: { withholdUsageChunk: boolean }): StreamTap {
  const decoder = createSseDecoder()
  let usage: Usage | null = null
  let firstToken: number | undefined
  let done = false
  const kept: string[] = []
  let keptCharacters = 0
  // The bytes sent so far ended on an event boundary, so the next chunk's own bytes may be forwarded as they are.
  let aligned = true

  /** Look at one event; false when it is the usage-only chunk to withhold. */
  const observe = (event: SseEvent): boolean => {
    const data = event.data
    firstToken ??= performance.now()
    if (data === '[DONE]') {
      done = true
      return true
    }
    // OpenAI repeats `"usage":null` in every chunk once usage is asked for; only an object is worth parsing.
    if (USAGE_OBJECT.test(data)) {
      let chunk: { choices?: unknown[]; usage?: unknown } | undefined
      try { chunk = JSON.parse(data) } catch { /* not JSON: passes untouched */ }
      if (chunk) {
        usage = convertOpenAiUsage(chunk.usage) ?? usage
        if (options.withholdUsageChunk && usage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return false
      }
    }
    if (keptCharacters < MAX_KEPT_CHARACTERS) {
      kept.push(data)
      keptCharacters += data.length
    }
    return true
  }

  return {
    push(chunk) {
      const endsOnBoundary = endsWithBlankLine(chunk)
      const wasAligned = aligned
      // Whole `data:` events with LF line ends (what OpenAI-format upstreams send) are split here in one pass;
      // anything else (CR, comments, multi-line data, other fields, an event split across reads) goes through the
      // full decoder. The two stay in step because the fast path only takes chunks that start and end on an event
      // boundary, when the decoder holds nothing.
      const events = (wasAligned && endsOnBoundary && simpleEvents(chunk)) || decoder.push(chunk)
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
    deliveredText: () => kept.map(textOf).join(''),
    firstTokenAt: () => firstToken,
    sawDone: () => done,
  }
}

/** Content, reasoning or tool-call arguments of one chunk (the text a missing usage is counted from). */
function textOf(data: string): string {
  let chunk: { choices?: { delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] }; text?: unknown }[] }
  try { chunk = JSON.parse(data) } catch { return '' }
  const choice = chunk.choices?.[0]
  if (!choice) return ''
  if (typeof choice.delta?.content === 'string') return choice.delta.content
  if (typeof choice.text === 'string') return choice.text
  if (typeof choice.delta?.reasoning_content === 'string') return choice.delta.reasoning_content
  const toolArguments = choice.delta?.tool_calls?.[0]?.function?.arguments
  return typeof toolArguments === 'string' ? toolArguments : ''
}

const utf8 = new TextDecoder()

/** The events of a chunk made only of `data:` lines, LF ends and blank lines; null for anything else. */
function simpleEvents(chunk: Uint8Array): SseEvent[] | null {
  const text = utf8.decode(chunk)
  if (text.includes('\r')) return null
  const blocks = text.split('\n\n')
  const events: SseEvent[] = []
  // The chunk ends with a blank line, so the last block is empty.
  for (let index = 0; index < blocks.length - 1; index++) {
    const block = blocks[index]!
    if (!block.startsWith('data:') || block.includes('\n')) return null
    events.push({ data: block.charCodeAt(5) === 32 ? block.slice(6) : block.slice(5) })
  }
  return events
}

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
