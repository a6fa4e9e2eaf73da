import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createUpstreamError, UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { statusForAnthropicErrorType } from './anthropic-error.ts'
import { mergeAnthropicUsage } from './convert-anthropic-usage.ts'
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.ts'

/** An Anthropic `error` payload (in a stream or a 2xx body) → UpstreamStreamError. */
export function anthropicStreamError(payload: JsonObject): UpstreamStreamError {
  const error = isRecord(payload.error) ? payload.error : {}
  const type = typeof error.type === 'string' ? error.type : 'api_error'
  const message = typeof error.message === 'string' ? error.message : 'Anthropic stream error'
  const upstream = createUpstreamError(statusForAnthropicErrorType(type), message, type, type)
  if (type === 'overloaded_error' || type === 'api_error') upstream.retryable = true
  return new UpstreamStreamError(upstream)
}

/**
 * Anthropic Messages stream → canonical chunks.
 * text_delta → content, thinking_delta → reasoning_content, signature_delta and redacted thinking →
 * `thinking_blocks` (signature kept for the next turn), tool_use blocks → indexed tool-call fragments whose
 * arguments are the input_json_delta pieces (a tool with no arguments yields "{}", never an empty string that
 * clients would fail to parse). message_delta gives the finish reason; usage merges message_start and
 * message_delta. An `error` event throws UpstreamStreamError.
 */
export function createAnthropicStreamParser(): StreamParser {
  let id = ''
  let model = ''
  const created = unixSeconds()
  let startUsage: JsonObject | null = null
  let deltaUsage: JsonObject | null = null
  let finishReason: string | null = null
  // Anthropic block index → tool-call index and whether any argument text was emitted for it.
  const toolBlocks = new Map<number, { toolIndex: number; argumentsEmitted: boolean }>()

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: reason }] }
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      const type = typeof payload.type === 'string' ? payload.type : event.event
      switch (type) {
        case 'message_start': {
          const message = isRecord(payload.message) ? payload.message : {}
          id = String(message.id ?? '')
          model = String(message.model ?? '')
          startUsage = isRecord(message.usage) ? message.usage : null
          return [chunk({ role: 'assistant', content: '' })]
        }
        case 'content_block_start': {
          const block = isRecord(payload.content_block) ? payload.content_block : {}
          const blockIndex = Number(payload.index)
          // server_tool_use blocks (web search, code execution) run at Anthropic; they are not calls for the client.
          if (block.type === 'tool_use') {
            const toolIndex = toolBlocks.size
            const initialInput = isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : ''
            toolBlocks.set(blockIndex, { toolIndex, argumentsEmitted: initialInput.length > 0 })
            return [chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name: block.name, arguments: initialInput } }] })]
          }
          if (block.type === 'redacted_thinking') return [chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] })]
          if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0) return [chunk({ content: block.text })]
          if (block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking.length > 0) return [chunk({ reasoning_content: block.thinking })]
          return []
        }
        case 'content_block_delta': {
          const delta = isRecord(payload.delta) ? payload.delta : {}
          switch (delta.type) {
            case 'text_delta':
              return typeof delta.text === 'string' && delta.text.length > 0 ? [chunk({ content: delta.text })] : []
            case 'thinking_delta':
              return typeof delta.thinking === 'string' && delta.thinking.length > 0 ? [chunk({ reasoning_content: delta.thinking })] : []
            case 'signature_delta':
              return [chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: delta.signature }] })]
            case 'input_json_delta': {
              const tool = toolBlocks.get(Number(payload.index))
              if (tool === undefined || typeof delta.partial_json !== 'string' || delta.partial_json.length === 0) return []
              tool.argumentsEmitted = true
              return [chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: delta.partial_json } }] })]
            }
            default:
              return []
          }
        }
        case 'content_block_stop': {
          const tool = toolBlocks.get(Number(payload.index))
          if (tool === undefined || tool.argumentsEmitted) return []
          tool.argumentsEmitted = true
          return [chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: '{}' } }] })]
        }
        case 'message_delta': {
          if (isRecord(payload.usage)) deltaUsage = payload.usage
          const delta = isRecord(payload.delta) ? payload.delta : {}
          const reason = mapAnthropicFinishReason(delta.stop_reason)
          if (reason === null) return []
          finishReason = reason
          return [chunk({}, reason)]
        }
        case 'error':
          throw anthropicStreamError(payload)
        default:
          // ping, message_stop and future event types carry nothing to convert.
          return []
      }
    },
    flush: () => [],
    usage: (): Usage | null => mergeAnthropicUsage(startUsage, deltaUsage),
    finishReason: () => finishReason,
  }
}
