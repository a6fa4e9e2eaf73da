import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertCohereUsage } from './convert-cohere-usage.ts'
import { mapCohereFinishReason } from './map-cohere-finish-reason.ts'

/**
 * Cohere v2 chat stream → canonical chunks. The event type is the JSON `type`: content-delta → content
 * (thinking content → reasoning_content), tool-plan-delta → reasoning_content (the plan the model states before
 * calling tools), tool-call-start/delta → indexed tool-call fragments, message-end → finish reason and usage.
 */
export function createCohereStreamParser(): StreamParser {
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] }
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      const message = isRecord(payload.delta) && isRecord(payload.delta.message) ? payload.delta.message : {}
      switch (payload.type ?? event.event) {
        case 'message-start':
          if (typeof payload.id === 'string') id = payload.id
          if (started) return []
          started = true
          return [chunk({ role: 'assistant', content: '' })]
        case 'content-delta': {
          const content = isRecord(message.content) ? message.content : {}
          if (typeof content.thinking === 'string' && content.thinking.length > 0) return [chunk({ reasoning_content: content.thinking })]
          return typeof content.text === 'string' && content.text.length > 0 ? [chunk({ content: content.text })] : []
        }
        case 'tool-plan-delta':
          return typeof message.tool_plan === 'string' && message.tool_plan.length > 0 ? [chunk({ reasoning_content: message.tool_plan })] : []
        case 'tool-call-start': {
          const call = isRecord(message.tool_calls) ? message.tool_calls : {}
          const fn = isRecord(call.function) ? call.function : {}
          return [chunk({ tool_calls: [{ index: Number(payload.index ?? 0), id: call.id, type: 'function', function: { name: fn.name, arguments: typeof fn.arguments === 'string' ? fn.arguments : '' } }] })]
        }
        case 'tool-call-delta': {
          const call = isRecord(message.tool_calls) ? message.tool_calls : {}
          const fn = isRecord(call.function) ? call.function : {}
          return typeof fn.arguments === 'string' && fn.arguments.length > 0 ? [chunk({ tool_calls: [{ index: Number(payload.index ?? 0), function: { arguments: fn.arguments } }] })] : []
        }
        case 'message-end': {
          const delta = isRecord(payload.delta) ? payload.delta : {}
          usage = convertCohereUsage(delta.usage)
          finishReason = mapCohereFinishReason(delta.finish_reason) ?? 'stop'
          return [chunk({}, finishReason)]
        }
        default:
          return []
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
