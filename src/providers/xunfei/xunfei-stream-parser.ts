import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { frameIsLast, framePieces, frameSid, pieceToolCall, readXunfeiUsage } from './convert-xunfei-response.ts'
import { mapXunfeiError } from './xunfei-error.ts'

/**
 * Spark frames (one SSE event each, as the WebSocket transport hands them over) → canonical chunks: text pieces as
 * content, a function call as one whole tool call, the last frame (header.status 2) as the finish with its usage.
 * An error frame after the answer started ends the stream as an upstream error.
 */
export function createXunfeiStreamParser(): StreamParser {
  const created = unixSeconds()
  let id = ''
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false
  let toolCalls = 0

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk =>
    ({ id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })

  return {
    push(event: SseEvent): ChatChunk[] {
      const frame = parseJsonObject(event.data)
      if (!frame) return []
      if (isRecord(frame.header) && Number(frame.header.code ?? 0) !== 0) throw new UpstreamStreamError(mapXunfeiError(500, event.data))
      id ||= frameSid(frame)
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk({ role: 'assistant', content: '' }))
      }
      for (const piece of framePieces(frame)) {
        const call = pieceToolCall(piece, id, toolCalls)
        if (call) out.push(chunk({ tool_calls: [{ index: toolCalls++, ...call }] }))
        else if (typeof piece.content === 'string' && piece.content.length > 0) out.push(chunk({ content: piece.content }))
      }
      if (frameIsLast(frame)) {
        usage = readXunfeiUsage(frame)
        finishReason = toolCalls > 0 ? 'tool_calls' : 'stop'
        out.push(chunk({}, finishReason))
      }
      return out
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
