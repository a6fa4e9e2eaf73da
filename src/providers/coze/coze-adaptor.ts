import { asArray, isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertCozeUsage } from './convert-coze-usage.ts'
import { convertToCozeRequest } from './convert-to-coze-request.ts'
import { readCozeAnswer } from './coze-answer.ts'
import { mapCozeError } from './coze-error.ts'
import { createCozeStreamParser } from './coze-stream-parser.ts'

/**
 * Coze (channel type 49): a bot's chat v3 API, `POST {base}/v3/chat` with a personal access token (`pat_…`) as a
 * bearer token, the bot id in the channel's `other` field. https://api.coze.com by default; https://api.coze.cn for
 * Coze China. Always a stream upstream; non-stream clients get it aggregated (coze-answer.ts).
 */

const usageOf = (body: JsonObject) => convertCozeUsage(isRecord(body.chat) ? body.chat.usage : undefined)

/** The aggregated answer `{chat, messages}` → canonical: the bot's `answer` messages are the content. */
export function convertCozeResponse(body: JsonObject): ChatResponse {
  const chat = isRecord(body.chat) ? body.chat : {}
  let content = ''
  let reasoning = ''
  for (const message of asArray(body.messages)) {
    if (!isRecord(message) || message.role !== 'assistant' || message.type !== 'answer') continue
    if (typeof message.content === 'string') content += message.content
    if (typeof message.reasoning_content === 'string') reasoning += message.reasoning_content
  }
  const canonicalMessage: JsonObject = { role: 'assistant', content }
  if (reasoning.length > 0) canonicalMessage.reasoning_content = reasoning
  const usage = usageOf(body)
  const response: ChatResponse = {
    id: String(chat.id ?? ''),
    object: 'chat.completion',
    created: typeof chat.created_at === 'number' ? chat.created_at : unixSeconds(),
    model: '',
    choices: [{ index: 0, message: canonicalMessage, finish_reason: 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const cozeAdaptor: ProviderAdaptor = {
  id: 'coze',
  format: 'coze',
  needsEndUser: true,
  toUpstream: convertToCozeRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const body = JSON.stringify(native)
    const stream = target.stream
    return {
      url: joinUrl(target.baseUrl, '/v3/chat'),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key}` },
      body,
      // Nothing to do before sending; the answer is read first (refusals at HTTP 200, non-stream aggregation).
      prepare: async () => ({ body, read: (answer) => readCozeAnswer(answer, stream) }),
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertCozeResponse(body)
    response.model = target.model
    return { response, usage: usageOf(body) }
  },
  createStreamParser: () => createCozeStreamParser(),
  readUsage: usageOf,
  mapError: mapCozeError,
}
