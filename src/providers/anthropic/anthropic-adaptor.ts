import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject, ThinkingBlock } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { mapAnthropicError } from './anthropic-error.ts'
import { anthropicStreamError, createAnthropicStreamParser } from './anthropic-stream-parser.ts'
import { convertAnthropicUsage } from './convert-anthropic-usage.ts'
import { convertToAnthropicRequest } from './convert-to-anthropic-messages.ts'
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.ts'

export const anthropicVersion = '2023-06-01'

/**
 * Anthropic Message → canonical chat completion: text blocks concatenate into `content`, thinking blocks into
 * `reasoning_content` (and `thinking_blocks` with signatures), tool_use blocks into tool calls with their input
 * serialised as the arguments string.
 */
export function convertAnthropicResponse(body: JsonObject): ChatResponse {
  if (body.type === 'error') throw anthropicStreamError(body)
  let content = ''
  let reasoning = ''
  const thinkingBlocks: ThinkingBlock[] = []
  const toolCalls: CanonicalToolCall[] = []
  for (const block of Array.isArray(body.content) ? body.content : []) {
    if (!isRecord(block)) continue
    switch (block.type) {
      case 'text':
        content += String(block.text ?? '')
        break
      case 'thinking':
        reasoning += String(block.thinking ?? '')
        thinkingBlocks.push({ type: 'thinking', thinking: String(block.thinking ?? ''), signature: String(block.signature ?? '') })
        break
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: String(block.data ?? '') })
        break
      case 'tool_use':
        toolCalls.push({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } })
        break
      default:
        // server_tool_use / web_search_tool_result: executed by Anthropic; the answer text already cites them.
        break
    }
  }
  const message: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (reasoning.length > 0) message.reasoning_content = reasoning
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  const usage = convertAnthropicUsage(body.usage)
  const response: ChatResponse = {
    id: String(body.id ?? ''),
    object: 'chat.completion',
    created: unixSeconds(),
    model: String(body.model ?? ''),
    choices: [{ index: 0, message, finish_reason: mapAnthropicFinishReason(body.stop_reason) ?? 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export function buildAnthropicRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-api-key': target.key,
    'anthropic-version': anthropicVersion,
  }
  const beta = target.setting.anthropicBeta
  if (typeof beta === 'string' && beta.length > 0) headers['anthropic-beta'] = beta
  return { url: joinUrl(target.baseUrl, '/v1/messages'), headers, body: JSON.stringify(native) }
}

export const anthropicAdaptor: ProviderAdaptor = {
  id: 'anthropic',
  format: 'anthropic',
  toUpstream: convertToAnthropicRequest,
  buildRequest: buildAnthropicRequest,
  fromUpstream(body: Record<string, unknown>) {
    return { response: convertAnthropicResponse(body), usage: convertAnthropicUsage(body.usage) }
  },
  createStreamParser: () => createAnthropicStreamParser(),
  readUsage: (body: Record<string, unknown>) => convertAnthropicUsage(body.usage),
  mapError: mapAnthropicError,
}
