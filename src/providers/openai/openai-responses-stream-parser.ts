import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createUpstreamError, UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertOpenAiResponsesUsage } from './convert-openai-responses-usage.ts'
import { mapOpenAiResponsesFinishReason } from './map-openai-responses-finish-reason.ts'

/** Status an in-stream Responses error code most likely had as an HTTP error (the stream itself was a 200). */
export function statusForResponsesErrorCode(code: string): number {
  if (code === 'insufficient_quota' || code === 'rate_limit_exceeded') return 429
  if (code === 'invalid_prompt' || code === 'invalid_request_error' || code === 'context_length_exceeded') return 400
  return 500
}

/** A Responses `error` object (from an `error` event or a failed response) → UpstreamStreamError. */
export function responsesStreamError(error: unknown): UpstreamStreamError {
  const record = isRecord(error) ? error : {}
  const code = typeof record.code === 'string' ? record.code : ''
  const type = typeof record.type === 'string' ? record.type : code || 'upstream_error'
  const message = typeof record.message === 'string' ? record.message : 'the upstream response failed'
  return new UpstreamStreamError(createUpstreamError(statusForResponsesErrorCode(code), message, type, code))
}

/**
 * OpenAI Responses stream events → canonical chunks. Event type is the JSON `type` (the `event:` line repeats it).
 * Reasoning summary text becomes `reasoning_content` (summary parts separated by a blank line); function calls
 * become indexed tool-call fragments; `response.completed`/`.incomplete` give the usage and the finish reason;
 * an `error` event or `response.failed` throws UpstreamStreamError.
 */
export function createOpenAiResponsesStreamParser(): StreamParser {
  let id = ''
  let model = ''
  let created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  const toolIndexByItemId = new Map<string, number>()
  const argumentsSeen = new Set<string>()
  let reasoningParts = 0

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: reason }] }
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = event.data === '[DONE]' ? undefined : parseJsonObject(event.data)
      if (!payload) return []
      const type = typeof payload.type === 'string' ? payload.type : event.event
      switch (type) {
        case 'response.created': {
          const response = isRecord(payload.response) ? payload.response : {}
          id = String(response.id ?? id)
          model = String(response.model ?? model)
          if (typeof response.created_at === 'number') created = response.created_at
          return [chunk({ role: 'assistant', content: '' })]
        }
        case 'response.output_text.delta':
          return typeof payload.delta === 'string' && payload.delta.length > 0 ? [chunk({ content: payload.delta })] : []
        case 'response.refusal.delta':
          return typeof payload.delta === 'string' && payload.delta.length > 0 ? [chunk({ refusal: payload.delta })] : []
        case 'response.reasoning_summary_part.added':
          reasoningParts++
          return reasoningParts > 1 ? [chunk({ reasoning_content: '\n\n' })] : []
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          return typeof payload.delta === 'string' && payload.delta.length > 0 ? [chunk({ reasoning_content: payload.delta })] : []
        case 'response.output_item.added': {
          const item = isRecord(payload.item) ? payload.item : {}
          if (item.type !== 'function_call') return []
          const index = toolIndexByItemId.size
          toolIndexByItemId.set(String(item.id), index)
          const initial = typeof item.arguments === 'string' ? item.arguments : ''
          if (initial.length > 0) argumentsSeen.add(String(item.id))
          return [chunk({ tool_calls: [{ index, id: item.call_id, type: 'function', function: { name: item.name, arguments: initial } }] })]
        }
        case 'response.function_call_arguments.delta': {
          const index = toolIndexByItemId.get(String(payload.item_id))
          if (index === undefined || typeof payload.delta !== 'string') return []
          argumentsSeen.add(String(payload.item_id))
          return [chunk({ tool_calls: [{ index, function: { arguments: payload.delta } }] })]
        }
        case 'response.output_item.done': {
          // Some servers send a call's arguments only in the finished item, never as deltas.
          const item = isRecord(payload.item) ? payload.item : {}
          if (item.type !== 'function_call') return []
          const itemId = String(item.id)
          const index = toolIndexByItemId.get(itemId)
          if (index === undefined || argumentsSeen.has(itemId) || typeof item.arguments !== 'string' || item.arguments.length === 0) return []
          argumentsSeen.add(itemId)
          return [chunk({ tool_calls: [{ index, function: { arguments: item.arguments } }] })]
        }
        case 'response.completed':
        case 'response.incomplete': {
          const response = isRecord(payload.response) ? payload.response : {}
          usage = convertOpenAiResponsesUsage(response.usage)
          finishReason = mapOpenAiResponsesFinishReason(response, toolIndexByItemId.size > 0)
          return [chunk({}, finishReason)]
        }
        case 'response.failed': {
          const response = isRecord(payload.response) ? payload.response : {}
          usage = convertOpenAiResponsesUsage(response.usage) ?? usage
          throw responsesStreamError(response.error)
        }
        case 'error':
          throw responsesStreamError(isRecord(payload.error) ? payload.error : payload)
        default:
          return []
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
