import { isRecord, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createUpstreamError, typeForStatus, UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { statusForBedrockException } from './bedrock-error.ts'
import { convertBedrockUsage } from './convert-bedrock-usage.ts'
import { mapBedrockFinishReason } from './map-bedrock-finish-reason.ts'

/**
 * Bedrock ConverseStream events (decoded by createEventStreamDecoder: `event` is the event type, `data` its JSON
 * payload) → canonical chunks. text → content; reasoningContent.text → reasoning_content and its signature →
 * thinking_blocks; toolUse blocks → indexed tool-call fragments (a tool without input yields "{}"); messageStop
 * → finish reason; metadata → usage. Exception messages throw UpstreamStreamError.
 */
export function createBedrockStreamParser(): StreamParser {
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  const toolBlocks = new Map<number, { toolIndex: number; argumentsEmitted: boolean }>()

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id: '', object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] }
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const type = event.event ?? ''
      let payload: JsonObject
      try {
        const parsed: unknown = JSON.parse(event.data)
        payload = isRecord(parsed) ? parsed : {}
      } catch {
        payload = { message: event.data }
      }
      if (type.startsWith('exception:') || type.startsWith('error:')) {
        const exception = type.slice(type.indexOf(':') + 1)
        const status = statusForBedrockException(exception)
        const upstream = createUpstreamError(status, typeof payload.message === 'string' ? payload.message : exception, typeForStatus(status), exception)
        throw new UpstreamStreamError(upstream)
      }
      switch (type) {
        case 'messageStart':
          return [chunk({ role: 'assistant', content: '' })]
        case 'contentBlockStart': {
          const start = isRecord(payload.start) ? payload.start : {}
          if (!isRecord(start.toolUse)) return []
          const toolIndex = toolBlocks.size
          toolBlocks.set(Number(payload.contentBlockIndex ?? 0), { toolIndex, argumentsEmitted: false })
          return [chunk({ tool_calls: [{ index: toolIndex, id: start.toolUse.toolUseId, type: 'function', function: { name: start.toolUse.name, arguments: '' } }] })]
        }
        case 'contentBlockDelta': {
          const delta = isRecord(payload.delta) ? payload.delta : {}
          if (typeof delta.text === 'string') return delta.text.length > 0 ? [chunk({ content: delta.text })] : []
          if (isRecord(delta.reasoningContent)) {
            const reasoning = delta.reasoningContent
            if (typeof reasoning.text === 'string' && reasoning.text.length > 0) return [chunk({ reasoning_content: reasoning.text })]
            if (typeof reasoning.signature === 'string') return [chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: reasoning.signature }] })]
            if (typeof reasoning.redactedContent === 'string') return [chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: reasoning.redactedContent }] })]
            return []
          }
          if (isRecord(delta.toolUse)) {
            const tool = toolBlocks.get(Number(payload.contentBlockIndex ?? 0))
            const input = delta.toolUse.input
            if (tool === undefined || typeof input !== 'string' || input.length === 0) return []
            tool.argumentsEmitted = true
            return [chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: input } }] })]
          }
          return []
        }
        case 'contentBlockStop': {
          const tool = toolBlocks.get(Number(payload.contentBlockIndex ?? 0))
          if (tool === undefined || tool.argumentsEmitted) return []
          tool.argumentsEmitted = true
          return [chunk({ tool_calls: [{ index: tool.toolIndex, function: { arguments: '{}' } }] })]
        }
        case 'messageStop': {
          finishReason = mapBedrockFinishReason(payload.stopReason) ?? 'stop'
          return [chunk({}, finishReason)]
        }
        case 'metadata':
          usage = convertBedrockUsage(payload.usage) ?? usage
          return []
        default:
          return []
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
