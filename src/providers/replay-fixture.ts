import { readFileSync } from 'node:fs'
import { createSseDecoder, type SseDecoderOptions } from './sse.ts'
import type { ChatChunk, SseEvent, StreamParser } from './types.ts'

/**
 * Test support: replays the recorded upstream responses in src/testing/fixtures/upstream/ (see its README; copied from shared/) as the
 * bytes a real server sends, cut at awkward places, through the real SSE decoder. Not used at run time.
 */

const fixtureRoot = new URL('../testing/fixtures/upstream/', import.meta.url)

export function readFixtureText(relativePath: string): string {
  return readFileSync(new URL(relativePath, fixtureRoot), 'utf8')
}

export function readFixtureJson(relativePath: string): Record<string, unknown> {
  return JSON.parse(readFixtureText(relativePath)) as Record<string, unknown>
}

/** The `data:` payloads of a `*.chunks.txt` recording, one per line. */
export function readFixtureChunks(relativePath: string): string[] {
  return readFixtureText(relativePath).split('\n').filter((line) => line.trim().length > 0)
}

export interface SseFraming {
  /** Write `event: <type>` lines (Anthropic, Responses) from the JSON `type` field. */
  eventLines?: boolean
  /** Append `data: [DONE]` (OpenAI-style servers). */
  done?: boolean
  /** Line terminator; real servers use \n, some proxies \r\n. */
  newline?: '\n' | '\r\n'
}

/** Frames recorded payloads as the server would have sent them. */
export function frameAsSse(payloads: string[], framing: SseFraming = {}): Uint8Array {
  const newline = framing.newline ?? '\n'
  let text = ''
  for (const payload of payloads) {
    if (framing.eventLines) {
      const type = (JSON.parse(payload) as { type?: string }).type
      if (type !== undefined) text += `event: ${type}${newline}`
    }
    text += `data: ${payload}${newline}${newline}`
  }
  if (framing.done) text += `data: [DONE]${newline}${newline}`
  return new TextEncoder().encode(text)
}

/** Decodes bytes delivered in pieces of `pieceSize` bytes (1 = byte by byte, splitting every UTF-8 sequence). */
export function decodeInPieces(bytes: Uint8Array, pieceSize: number, options: SseDecoderOptions = {}): SseEvent[] {
  const decoder = createSseDecoder(options)
  const events: SseEvent[] = []
  for (let offset = 0; offset < bytes.length; offset += pieceSize) {
    events.push(...decoder.push(bytes.subarray(offset, Math.min(bytes.length, offset + pieceSize))))
  }
  events.push(...decoder.flush())
  return events
}

/** Piece sizes every stream test is replayed with: whole, prime-sized odd cuts, and byte by byte. */
export const awkwardPieceSizes = [1 << 30, 7, 3, 1]

export interface ParsedStream {
  chunks: ChatChunk[]
  usage: ReturnType<StreamParser['usage']>
  finishReason: string | null
}

export function runParser(parser: StreamParser, events: SseEvent[]): ParsedStream {
  const chunks: ChatChunk[] = []
  for (const event of events) chunks.push(...parser.push(event))
  chunks.push(...parser.flush())
  return { chunks, usage: parser.usage(), finishReason: parser.finishReason() }
}

/** Concatenated canonical deltas of choice 0: what a client would have assembled. */
export function assembleChunks(chunks: ChatChunk[]): {
  content: string
  reasoning: string
  toolCalls: { id?: string; name?: string; arguments: string }[]
  finishReasons: string[]
} {
  let content = ''
  let reasoning = ''
  const toolCalls: { id?: string; name?: string; arguments: string }[] = []
  const finishReasons: string[] = []
  for (const chunk of chunks) {
    for (const choice of chunk.choices as Record<string, any>[]) {
      if ((choice.index ?? 0) !== 0) continue
      const delta = choice.delta ?? {}
      if (typeof delta.content === 'string') content += delta.content
      if (typeof delta.reasoning_content === 'string') reasoning += delta.reasoning_content
      for (const call of delta.tool_calls ?? []) {
        const slot = (toolCalls[call.index] ??= { arguments: '' })
        if (call.id) slot.id = call.id
        if (call.function?.name) slot.name = call.function.name
        if (typeof call.function?.arguments === 'string') slot.arguments += call.function.arguments
      }
      if (choice.finish_reason) finishReasons.push(choice.finish_reason)
    }
  }
  return { content, reasoning, toolCalls, finishReasons }
}

/** A `*.events.txt` recording (Coze): one `{event, data}` per line, for providers that name events in `event:` lines only. */
export function readFixtureEvents(relativePath: string): { event: string; data: unknown }[] {
  return readFixtureChunks(relativePath).map((line) => JSON.parse(line) as { event: string; data: unknown })
}

/** Frames `{event, data}` records as such a server sends them: `event:<type>` then `data:<JSON>`, no space after the colon. */
export function frameEvents(events: { event: string; data: unknown }[]): Uint8Array {
  let text = ''
  for (const { event, data } of events) text += `event:${event}\ndata:${JSON.stringify(data)}\n\n`
  return new TextEncoder().encode(text)
}
