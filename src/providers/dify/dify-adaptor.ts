import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { CONTINUATION_FIELD, convertToDifyRequest, type DifyContinuation } from './convert-to-dify-request.ts'
import { convertDifyUsage } from './convert-dify-usage.ts'
import { createDifyPreparer } from './dify-conversation.ts'
import { mapDifyError } from './dify-error.ts'
import { createDifyStreamParser } from './dify-stream-parser.ts'

/**
 * Dify (channel type 37): a Dify app's chat API, `POST {base}/v1/chat-messages` with the app's key (`app-…`) as a
 * bearer token. Blocking answers for non-stream clients, streaming for stream clients; conversations continue
 * across turns and images are uploaded first (dify-conversation.ts); DIFY_DEBUG relays workflow progress as
 * reasoning (dify-stream-parser.ts).
 */

/** Dify's blocking answer (`{event: "message", message_id, conversation_id, answer, metadata: {usage}}`) → canonical. */
export function convertDifyResponse(body: Record<string, unknown>): ChatResponse {
  const usage = convertDifyUsage(isRecord(body.metadata) ? body.metadata.usage : undefined)
  const response: ChatResponse = {
    id: String(body.message_id ?? body.id ?? ''),
    object: 'chat.completion',
    created: typeof body.created_at === 'number' ? body.created_at : unixSeconds(),
    model: '',
    choices: [{ index: 0, message: { role: 'assistant', content: typeof body.answer === 'string' ? body.answer : '' }, finish_reason: 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const difyAdaptor: ProviderAdaptor = {
  id: 'dify',
  format: 'dify',
  needsEndUser: true,
  toUpstream: convertToDifyRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const { [CONTINUATION_FIELD]: continuation, ...body } = native
    return {
      url: joinUrl(target.baseUrl, '/v1/chat-messages'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
      body: JSON.stringify(body),
      prepare: createDifyPreparer(body, continuation as DifyContinuation | undefined, target),
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertDifyResponse(body)
    response.model = target.model
    return { response, usage: convertDifyUsage(isRecord(body.metadata) ? body.metadata.usage : undefined) }
  },
  createStreamParser: createDifyStreamParser,
  readUsage: (body: Record<string, unknown>) => convertDifyUsage(isRecord(body.metadata) ? body.metadata.usage : undefined),
  mapError: mapDifyError,
}
