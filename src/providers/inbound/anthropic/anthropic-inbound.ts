import { toAnthropicUsage } from '../../anthropic/convert-anthropic-usage.ts'
import { mapFinishReasonToAnthropic } from '../../anthropic/map-anthropic-finish-reason.ts'
import { isRecord, parseModelArguments } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'
import type {
  ChatChunk, ChatResponse, ClientError, InboundFormat, InboundStreamWriter, SseEvent, StreamWriterContext, Usage,
} from '../../types.ts'
import { convertAnthropicRequestToCanonical } from './convert-anthropic-request.ts'

/** Anthropic's message ids start with msg_; clients (Claude Code) treat the id as opaque but log it. */
function messageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`
}

function thinkingBlocksOf(message: JsonObject): JsonObject[] {
  if (Array.isArray(message.thinking_blocks) && message.thinking_blocks.length > 0) {
    return message.thinking_blocks.filter(isRecord).map((block) => block.type === 'redacted_thinking'
      ? { type: 'redacted_thinking', data: block.data }
      : { type: 'thinking', thinking: block.thinking ?? '', signature: block.signature ?? '' })
  }
  const reasoning = message.reasoning_content ?? message.reasoning
  return typeof reasoning === 'string' && reasoning.length > 0 ? [{ type: 'thinking', thinking: reasoning, signature: '' }] : []
}

/** Canonical chat completion → Anthropic Message. */
export function convertCanonicalToAnthropicMessage(response: ChatResponse, usage: Usage | null): JsonObject {
  const choice = isRecord(response.choices[0]) ? response.choices[0] : {}
  const message = isRecord(choice.message) ? choice.message : {}
  const content: JsonObject[] = [...thinkingBlocksOf(message)]
  if (typeof message.content === 'string' && message.content.length > 0) content.push({ type: 'text', text: message.content })
  else if (Array.isArray(message.content)) {
    for (const part of message.content) if (isRecord(part) && typeof part.text === 'string') content.push({ type: 'text', text: part.text })
  }
  if (typeof message.refusal === 'string' && message.refusal.length > 0) content.push({ type: 'text', text: message.refusal })
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
    if (!isRecord(call) || !isRecord(call.function)) continue
    content.push({ type: 'tool_use', id: call.id, name: call.function.name, input: parseModelArguments(String(call.function.arguments ?? '')) })
  }
  return {
    id: messageId(response.id),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: mapFinishReasonToAnthropic(typeof choice.finish_reason === 'string' ? choice.finish_reason : null),
    stop_sequence: null,
    usage: toAnthropicUsage(usage),
  }
}

function event(type: string, payload: JsonObject): SseEvent {
  return { event: type, data: JSON.stringify({ type, ...payload }) }
}

/**
 * Canonical chunks → Anthropic Messages stream (`event:` + `data:` lines): message_start, then one content
 * block at a time (thinking, text, tool_use; a new kind closes the previous block), message_delta with the stop
 * reason and the final usage (input, cache read, cache write, output), message_stop.
 */
export function createAnthropicStreamWriter(context: StreamWriterContext): InboundStreamWriter {
  let started = false
  let blockCount = 0
  let open: { kind: 'text' | 'thinking' | 'tool'; index: number } | null = null
  const toolBlocks = new Map<number, number>()
  let finishReason: string | null = null
  let ended = false

  function start(out: SseEvent[]): void {
    if (started) return
    started = true
    out.push(event('message_start', {
      message: {
        id: messageId(context.id), type: 'message', role: 'assistant', model: context.model, content: [],
        stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 },
      },
    }))
  }

  function close(out: SseEvent[]): void {
    if (open === null) return
    out.push(event('content_block_stop', { index: open.index }))
    open = null
  }

  function openBlock(kind: 'text' | 'thinking' | 'tool', contentBlock: JsonObject, out: SseEvent[]): number {
    close(out)
    const index = blockCount++
    open = { kind, index }
    out.push(event('content_block_start', { index, content_block: contentBlock }))
    return index
  }

  function ensure(kind: 'text' | 'thinking', out: SseEvent[]): number {
    if (open !== null && open.kind === kind) return open.index
    return openBlock(kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' }, out)
  }

  return {
    push(chunk: ChatChunk): SseEvent[] {
      if (ended) return []
      const out: SseEvent[] = []
      start(out)
      for (const choice of chunk.choices) {
        if (!isRecord(choice) || (choice.index ?? 0) !== 0) continue
        const delta = isRecord(choice.delta) ? choice.delta : {}
        const reasoning = delta.reasoning_content ?? delta.reasoning
        if (typeof reasoning === 'string' && reasoning.length > 0) {
          out.push(event('content_block_delta', { index: ensure('thinking', out), delta: { type: 'thinking_delta', thinking: reasoning } }))
        }
        for (const block of Array.isArray(delta.thinking_blocks) ? delta.thinking_blocks : []) {
          if (!isRecord(block)) continue
          if (block.type === 'redacted_thinking') {
            openBlock('thinking', { type: 'redacted_thinking', data: block.data }, out)
            close(out)
          } else if (typeof block.signature === 'string' && block.signature.length > 0) {
            out.push(event('content_block_delta', { index: ensure('thinking', out), delta: { type: 'signature_delta', signature: block.signature } }))
          }
        }
        for (const text of [delta.content, delta.refusal]) {
          if (typeof text === 'string' && text.length > 0) {
            out.push(event('content_block_delta', { index: ensure('text', out), delta: { type: 'text_delta', text } }))
          }
        }
        for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
          if (!isRecord(call)) continue
          const toolIndex = typeof call.index === 'number' ? call.index : 0
          const fn = isRecord(call.function) ? call.function : {}
          let blockIndex = toolBlocks.get(toolIndex)
          if (blockIndex === undefined) {
            const id = typeof call.id === 'string' && call.id.length > 0 ? call.id : `toolu_${context.id}_${toolIndex}`
            blockIndex = openBlock('tool', { type: 'tool_use', id, name: fn.name ?? '', input: {} }, out)
            toolBlocks.set(toolIndex, blockIndex)
          }
          if (typeof fn.arguments === 'string' && fn.arguments.length > 0) {
            out.push(event('content_block_delta', { index: blockIndex, delta: { type: 'input_json_delta', partial_json: fn.arguments } }))
          }
        }
        if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason
      }
      return out
    },
    flush: () => [],
    finish(usage: Usage | null): SseEvent[] {
      if (ended) return []
      ended = true
      const out: SseEvent[] = []
      start(out)
      close(out)
      out.push(event('message_delta', { delta: { stop_reason: mapFinishReasonToAnthropic(finishReason), stop_sequence: null }, usage: toAnthropicUsage(usage) }))
      out.push(event('message_stop', {}))
      return out
    },
    fail(error: ClientError): SseEvent[] {
      if (ended) return []
      ended = true
      return [event('error', { error: { type: anthropicErrorType(error), message: error.message } })]
    },
  }
}

/** Anthropic's error type vocabulary by status, for errors that did not come from Anthropic. */
function anthropicErrorType(error: ClientError): string {
  if (error.type.endsWith('_error') && ['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'api_error', 'overloaded_error', 'request_too_large'].includes(error.type)) {
    return error.type
  }
  switch (error.status) {
    case 400: return 'invalid_request_error'
    case 401: return 'authentication_error'
    case 403: return 'permission_error'
    case 404: return 'not_found_error'
    case 413: return 'request_too_large'
    case 429: return 'rate_limit_error'
    case 529: return 'overloaded_error'
    default: return 'api_error'
  }
}

export const anthropicInbound: InboundFormat = {
  id: 'anthropic',
  toCanonical: convertAnthropicRequestToCanonical,
  fromCanonical: convertCanonicalToAnthropicMessage,
  createStreamWriter: createAnthropicStreamWriter,
  errorBody(error: ClientError): Record<string, unknown> {
    return { type: 'error', error: { type: anthropicErrorType(error), message: error.message } }
  },
}
