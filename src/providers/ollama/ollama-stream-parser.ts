import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertOllamaUsage, mapOllamaFinishReason, ollamaToolCalls } from './convert-ollama-response.ts'
import { mapOllamaError } from './ollama-error.ts'

/**
 * Ollama's `/api/chat` stream (one JSON object per NDJSON line, decoded by ndjson-decoder.ts) → canonical chunks.
 * Every line carries a `message` piece (content, thinking, or whole tool calls: Ollama does not stream a call's
 * arguments); the last has `done: true`, `done_reason` and the token counts. A line `{"error": "..."}` after the
 * stream started is the upstream failing mid-answer (a model that ran out of memory): it ends the stream as an error.
 */
export function createOllamaStreamParser(): StreamParser {
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false
  let toolCallCount = 0

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk =>
    ({ id: '', object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })

  return {
    push(event: SseEvent): ChatChunk[] {
      const line = parseJsonObject(event.data)
      if (!line) return []
      if (typeof line.error === 'string') throw new UpstreamStreamError(mapOllamaError(500, event.data))
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk({ role: 'assistant', content: '' }))
      }
      const message = isRecord(line.message) ? line.message : {}
      if (typeof message.thinking === 'string' && message.thinking.length > 0) out.push(chunk({ reasoning_content: message.thinking }))
      if (typeof message.content === 'string' && message.content.length > 0) out.push(chunk({ content: message.content }))
      const calls = ollamaToolCalls(message, toolCallCount)
      if (calls.length > 0) {
        toolCallCount += calls.length
        out.push(chunk({ tool_calls: calls }))
      }
      if (line.done === true) {
        usage = convertOllamaUsage(line)
        finishReason = mapOllamaFinishReason(line.done_reason, toolCallCount > 0)
        out.push(chunk({}, finishReason))
      }
      return out
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
