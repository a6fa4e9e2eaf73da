import { toOpenAiUsage, unixSeconds } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type {
  ChatChunk, ChatRequest, ChatResponse, ClientError, InboundFormat, InboundStreamWriter, SseEvent, StreamWriterContext, Usage,
} from '../types.ts'

/**
 * Inbound OpenAI Chat Completions. The canonical shape is this format, so requests and responses are identity
 * (no copy, no re-serialisation); the writer only restamps id/model for the client and ends with the usage
 * chunk (when the client wants it) and `[DONE]`.
 */
export const openAiChatInbound: InboundFormat = {
  id: 'openai-chat',

  toCanonical(body: Record<string, unknown>): ChatRequest {
    if (!Array.isArray(body.messages)) {
      throw new ConversionError('invalid_request_body', 'body is not an OpenAI Chat Completions request: "messages" must be an array', 'messages')
    }
    if (typeof body.model !== 'string' || body.model.length === 0) {
      throw new ConversionError('invalid_request_body', 'body is not an OpenAI Chat Completions request: "model" must be a non-empty string', 'model')
    }
    return body as ChatRequest
  },

  fromCanonical(response: ChatResponse, usage: Usage | null): Record<string, unknown> {
    if (usage !== null && response.usage === undefined) response.usage = toOpenAiUsage(usage)
    return response
  },

  createStreamWriter(context: StreamWriterContext): InboundStreamWriter {
    const created = context.created ?? unixSeconds()
    return {
      push(chunk: ChatChunk): SseEvent[] {
        // One id, model and created for the whole stream, as OpenAI sends them (the usage chunk included).
        chunk.id = context.id
        chunk.model = context.model
        chunk.created = created
        return [{ data: JSON.stringify(chunk) }]
      },
      flush: () => [],
      finish(usage: Usage | null): SseEvent[] {
        const events: SseEvent[] = []
        if (usage !== null && context.includeUsage !== false) {
          events.push({ data: JSON.stringify({ id: context.id, object: 'chat.completion.chunk', created, model: context.model, choices: [], usage: toOpenAiUsage(usage) }) })
        }
        events.push({ data: '[DONE]' })
        return events
      },
      fail(error: ClientError): SseEvent[] {
        return [{ data: JSON.stringify(openAiErrorBody(error)) }]
      },
    }
  },

  errorBody: openAiErrorBody,
}

export function openAiErrorBody(error: ClientError): Record<string, unknown> {
  return { error: { message: error.message, type: error.type, param: null, code: error.code.length > 0 ? error.code : null } }
}

