import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertCozeUsage } from './convert-coze-usage.ts'
import { cozeStatus, mapCozeError } from './coze-error.ts'

/**
 * Coze v3 chat stream (the type is the `event:` line) → canonical chunks: `conversation.message.delta` of the
 * bot's `answer` → content (its `reasoning_content`, from reasoning models, → reasoning_content),
 * `conversation.chat.completed` → usage and the stop, `conversation.chat.failed` and `error` → the stream's error,
 * `conversation.chat.requires_action` → an error too (the bot waits for a tool output that only Coze's own
 * submit_tool_outputs call could give). `conversation.message.completed` repeats the deltas whole, and the other
 * message types (plugin calls and results, follow-up suggestions, verbose notices) are Coze's own bookkeeping.
 */
export function createCozeStreamParser(): StreamParser {
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] }
  }
  function emit(delta: JsonObject): ChatChunk[] {
    if (started) return [chunk(delta)]
    started = true
    return [chunk({ role: 'assistant', ...delta })]
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      switch (event.event) {
        case 'conversation.chat.created':
          if (typeof payload.id === 'string') id = payload.id
          return []
        case 'conversation.message.delta': {
          if (payload.role !== 'assistant' || (payload.type !== undefined && payload.type !== 'answer')) return []
          const delta: JsonObject = {}
          if (typeof payload.reasoning_content === 'string' && payload.reasoning_content.length > 0) delta.reasoning_content = payload.reasoning_content
          if (typeof payload.content === 'string' && payload.content.length > 0) delta.content = payload.content
          return Object.keys(delta).length > 0 ? emit(delta) : []
        }
        case 'conversation.chat.completed':
          usage = convertCozeUsage(payload.usage)
          finishReason = 'stop'
          return [...(started ? [] : emit({ content: '' })), chunk({}, finishReason)]
        case 'conversation.chat.failed': {
          const error = isRecord(payload.last_error) ? payload.last_error : {}
          throw new UpstreamStreamError(mapCozeError(typeof error.code === 'number' ? cozeStatus(error.code) : 502, event.data))
        }
        case 'conversation.chat.requires_action':
          throw new UpstreamStreamError(mapCozeError(502, JSON.stringify({ code: 'requires_action', msg: 'The Coze bot asked for a tool output (requires_action), which a chat completion cannot give' })))
        case 'error':
          throw new UpstreamStreamError(mapCozeError(typeof payload.code === 'number' ? cozeStatus(payload.code) : 502, event.data))
        default:
          return []
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
