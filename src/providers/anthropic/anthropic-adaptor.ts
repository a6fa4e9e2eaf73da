import { toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { convertAnthropicAssistantContent } from './convert-anthropic-assistant-content.ts'
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
  // server_tool_use / web_search_tool_result run at Anthropic; the answer text already cites them.
  const message = convertAnthropicAssistantContent(Array.isArray(body.content) ? body.content : [], () => {})
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
