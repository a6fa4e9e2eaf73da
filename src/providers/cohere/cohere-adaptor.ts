import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { mapCohereError } from './cohere-error.ts'
import { createCohereStreamParser } from './cohere-stream-parser.ts'
import { convertCohereUsage } from './convert-cohere-usage.ts'
import { convertToCohereRequest } from './convert-to-cohere-messages.ts'
import { mapCohereFinishReason } from './map-cohere-finish-reason.ts'

/** Cohere v2 chat response → canonical chat completion (tool_plan and thinking → reasoning_content). */
export function convertCohereResponse(body: JsonObject): ChatResponse {
  const message = isRecord(body.message) ? body.message : {}
  let content = ''
  let reasoning = typeof message.tool_plan === 'string' ? message.tool_plan : ''
  for (const part of Array.isArray(message.content) ? message.content : []) {
    if (!isRecord(part)) continue
    if (part.type === 'text' && typeof part.text === 'string') content += part.text
    else if (part.type === 'thinking' && typeof part.thinking === 'string') reasoning += part.thinking
  }
  const toolCalls: CanonicalToolCall[] = (Array.isArray(message.tool_calls) ? message.tool_calls : []).filter(isRecord).map((call) => ({
    id: String(call.id),
    type: 'function',
    function: { name: String(isRecord(call.function) ? call.function.name : ''), arguments: String(isRecord(call.function) ? call.function.arguments ?? '{}' : '{}') },
  }))
  const canonicalMessage: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (reasoning.length > 0) canonicalMessage.reasoning_content = reasoning
  if (toolCalls.length > 0) canonicalMessage.tool_calls = toolCalls
  const usage = convertCohereUsage(body.usage)
  const response: ChatResponse = {
    id: String(body.id ?? ''),
    object: 'chat.completion',
    created: unixSeconds(),
    model: '',
    choices: [{ index: 0, message: canonicalMessage, finish_reason: mapCohereFinishReason(body.finish_reason) ?? 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const cohereAdaptor: ProviderAdaptor = {
  id: 'cohere',
  format: 'cohere',
  toUpstream: convertToCohereRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    return {
      url: joinUrl(target.baseUrl, '/v2/chat'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
      body: JSON.stringify(native),
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertCohereResponse(body)
    response.model = target.model
    return { response, usage: convertCohereUsage(body.usage) }
  },
  createStreamParser: () => createCohereStreamParser(),
  readUsage: (body: Record<string, unknown>) => convertCohereUsage(body.usage),
  mapError: mapCohereError,
}
