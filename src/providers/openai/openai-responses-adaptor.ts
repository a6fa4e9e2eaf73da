import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { azureAuthHeaders, azureResponsesUrl } from './azure.ts'
import { convertOpenAiResponsesUsage } from './convert-openai-responses-usage.ts'
import { convertToOpenAiResponsesRequest } from './convert-to-openai-responses-input.ts'
import { mapOpenAiResponsesFinishReason } from './map-openai-responses-finish-reason.ts'
import { mapOpenAiError } from './openai-error.ts'
import { createOpenAiResponsesStreamParser, responsesStreamError } from './openai-responses-stream-parser.ts'

/**
 * A Responses API body → canonical chat completion. Message text is concatenated, reasoning summaries become
 * `reasoning_content`, function calls become tool calls. Server-side tool items (web search, file search, code
 * interpreter) are executed by OpenAI and their results are already woven into the message text.
 */
export function convertOpenAiResponsesResponse(body: JsonObject): ChatResponse {
  if (body.status === 'failed') throw responsesStreamError(body.error)
  let content = ''
  let reasoning = ''
  let refusal = ''
  const toolCalls: CanonicalToolCall[] = []
  for (const item of Array.isArray(body.output) ? body.output : []) {
    if (!isRecord(item)) continue
    if (item.type === 'message') {
      for (const part of Array.isArray(item.content) ? item.content : []) {
        if (!isRecord(part)) continue
        if (part.type === 'output_text' && typeof part.text === 'string') content += part.text
        else if (part.type === 'refusal' && typeof part.refusal === 'string') refusal += part.refusal
      }
    } else if (item.type === 'reasoning') {
      const pieces = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])]
      for (const piece of pieces) {
        if (isRecord(piece) && typeof piece.text === 'string') reasoning += (reasoning.length > 0 ? '\n\n' : '') + piece.text
      }
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: String(item.call_id),
        type: 'function',
        function: { name: String(item.name), arguments: typeof item.arguments === 'string' ? item.arguments : '{}' },
      })
    }
  }
  const message: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (reasoning.length > 0) message.reasoning_content = reasoning
  if (refusal.length > 0) message.refusal = refusal
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  const usage = convertOpenAiResponsesUsage(body.usage)
  const response: ChatResponse = {
    id: String(body.id ?? ''),
    object: 'chat.completion',
    created: typeof body.created_at === 'number' ? body.created_at : unixSeconds(),
    model: String(body.model ?? ''),
    choices: [{ index: 0, message, finish_reason: mapOpenAiResponsesFinishReason(body, toolCalls.length > 0) }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

function createOpenAiResponsesAdaptor(id: string, azure: boolean): ProviderAdaptor {
  return {
    id,
    format: 'openai-responses',
    toUpstream: convertToOpenAiResponsesRequest,
    buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
      const url = azure ? azureResponsesUrl(target) : joinUrl(target.baseUrl, '/v1/responses')
      const auth = azure ? azureAuthHeaders(target) : { authorization: `Bearer ${target.key}` }
      return { url, headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(native) }
    },
    fromUpstream(body: Record<string, unknown>) {
      return { response: convertOpenAiResponsesResponse(body), usage: convertOpenAiResponsesUsage(body.usage) }
    },
    createStreamParser: () => createOpenAiResponsesStreamParser(),
    readUsage: (body: Record<string, unknown>) => convertOpenAiResponsesUsage(body.usage),
    mapError: mapOpenAiError,
  }
}

export const openAiResponsesAdaptor = createOpenAiResponsesAdaptor('openai-responses', false)
export const azureResponsesAdaptor = createOpenAiResponsesAdaptor('azure-responses', true)
