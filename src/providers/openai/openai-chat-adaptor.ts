import { isRecord } from '../canonical.ts'
import type { ChatRequest, ChatRequestAdapter, ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertOpenAiUsage } from './convert-openai-usage.ts'
import { convertToOpenAiChatRequest } from './convert-to-openai-messages.ts'
import { mapOpenAiFinishReason } from './map-openai-finish-reason.ts'
import { createOpenAiChatStreamParser } from './openai-chat-stream-parser.ts'
import { mapOpenAiError } from './openai-error.ts'
import { normaliseReasoningDetails } from './reasoning-details.ts'

export interface OpenAiChatAdaptorConfig {
  id: string
  /** Endpoint path appended to the channel base URL, e.g. `/v1/chat/completions`. */
  chatPath: string
  /** Whether the vendor accepts `stream_options.include_usage`. */
  streamUsageOption: boolean
  /** Official OpenAI parameter rules (reasoning models). */
  officialOpenAi: boolean
  /** Overrides the URL (Azure deployments, Cloudflare account paths, custom whole-endpoint channels). */
  buildUrl?: (target: UpstreamTarget) => string
  /** Overrides the auth header (Azure `api-key`). */
  authHeaders?: (target: UpstreamTarget) => Record<string, string>
  /** The vendor's spelling of some request fields (see ChatRequestAdapter). */
  chatRequest?: ChatRequestAdapter
}

/** One OpenAI Chat speaking upstream; OpenAI itself and every compatible vendor are instances of this. */
export function createOpenAiChatAdaptor(config: OpenAiChatAdaptorConfig): ProviderAdaptor {
  const requestOptions = { streamUsageOption: config.streamUsageOption, officialOpenAi: config.officialOpenAi }
  return {
    id: config.id,
    format: 'openai-chat',
    chatRequest: config.chatRequest,
    toUpstream(request: ChatRequest, target: UpstreamTarget) {
      const adapter = config.chatRequest
      if (adapter === undefined || !adapter.applies(request)) return convertToOpenAiChatRequest(request, target, requestOptions)
      const adapted = { ...request }
      adapter.adapt(adapted)
      return convertToOpenAiChatRequest(adapted, target, requestOptions)
    },
    buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
      const url = config.buildUrl ? config.buildUrl(target) : joinUrl(target.baseUrl, config.chatPath)
      const auth = config.authHeaders ? config.authHeaders(target) : { authorization: `Bearer ${target.key}` }
      return { url, headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(native) }
    },
    fromUpstream(body: Record<string, unknown>) {
      // Same shape; only the vendor spellings that other formats' writers read are normalised.
      for (const choice of Array.isArray(body.choices) ? body.choices : []) {
        if (!isRecord(choice)) continue
        choice.finish_reason = mapOpenAiFinishReason(choice.finish_reason)
        const message = choice.message
        if (isRecord(message) && typeof message.reasoning === 'string' && message.reasoning_content === undefined) {
          message.reasoning_content = message.reasoning
          delete message.reasoning
        }
        if (isRecord(message) && message.reasoning_details !== undefined) normaliseReasoningDetails(message)
      }
      if (body.object === undefined) body.object = 'chat.completion'
      return { response: body as ChatResponse, usage: convertOpenAiUsage(body.usage) }
    },
    createStreamParser: () => createOpenAiChatStreamParser(),
    readUsage: (body: Record<string, unknown>) => convertOpenAiUsage(body.usage),
    mapError: mapOpenAiError,
  }
}

export const openAiAdaptor: ProviderAdaptor = createOpenAiChatAdaptor({
  id: 'openai',
  chatPath: '/v1/chat/completions',
  streamUsageOption: true,
  officialOpenAi: true,
})
