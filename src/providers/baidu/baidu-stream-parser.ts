import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertBaiduUsage, mapBaiduFinishReason } from './convert-baidu-usage.ts'
import { ernieToolCall } from './convert-baidu-function-call.ts'
import { mapBaiduError } from './baidu-error.ts'

/**
 * ERNIE stream → canonical chunks. Each event is `data: {id, sentence_id, is_end, result, finish_reason, usage}`:
 * `result` is the next piece of text; the event with `is_end: true` ends the answer and carries the whole usage.
 * A function call arrives whole in one event's `function_call`. An event with `error_code` ends the stream with
 * that error.
 */
export function createBaiduStreamParser(): StreamParser {
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false
  let called = false

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk => ({ id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      if (typeof payload.error_code === 'number' && payload.error_code !== 0) throw new UpstreamStreamError(mapBaiduError(200, event.data))
      if (typeof payload.id === 'string') id = payload.id
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk({ role: 'assistant', content: '' }))
      }
      if (typeof payload.result === 'string' && payload.result.length > 0) out.push(chunk({ content: payload.result }))
      const call = ernieToolCall(payload.function_call, id)
      if (call) {
        called = true
        const thoughts = (payload.function_call as JsonObject).thoughts
        if (typeof thoughts === 'string' && thoughts.length > 0) out.push(chunk({ reasoning_content: thoughts }))
        out.push(chunk({ tool_calls: [{ index: 0, ...call }] }))
      }
      if (isRecord(payload.usage)) usage = convertBaiduUsage(payload.usage)
      if (payload.is_end === true && finishReason === null) {
        finishReason = called ? 'tool_calls' : mapBaiduFinishReason(payload.finish_reason)
        out.push(chunk({}, finishReason))
      }
      return out
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
