import { asArray, isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertToZhipuRequest, convertZhipuUsage, zhipuContent } from './convert-zhipu.ts'
import { createZhipuStreamParser } from './zhipu-stream-parser.ts'
import { mapZhipuError, zhipuOkBodyFailure } from './zhipu-error.ts'
import { zhipuToken } from './zhipu-token.ts'

/**
 * Zhipu GLM legacy (channel type 16, the v3 model API): `POST /api/paas/v3/model-api/{model}/invoke` for an answer,
 * `/sse-invoke` for a stream, with a self-signed JWT as the Authorization header (zhipu-token.ts). Answers wrap
 * their payload in `{code, msg, success, data}`.
 */

const readUsage = (body: Record<string, unknown>) => convertZhipuUsage(isRecord(body.data) ? body.data.usage : undefined)

export function convertZhipuResponse(body: Record<string, unknown>): ChatResponse {
  const data = isRecord(body.data) ? body.data : {}
  const choice = asArray(data.choices).find(isRecord) ?? {}
  const usage = readUsage(body)
  const response: ChatResponse = {
    id: String(data.task_id ?? data.request_id ?? ''),
    object: 'chat.completion',
    created: unixSeconds(),
    model: '',
    choices: [{ index: 0, message: { role: 'assistant', content: zhipuContent(choice.content) }, finish_reason: 'stop' }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const zhipuAdaptor: ProviderAdaptor = {
  id: 'zhipu-v3',
  format: 'zhipu-v3',
  streamFraming: 'sse-meta',
  toUpstream: convertToZhipuRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: zhipuToken(target.key) }
    if (target.stream) {
      headers.accept = 'text/event-stream'
      native = { ...native, incremental: true }
    }
    return {
      url: joinUrl(target.baseUrl, `/api/paas/v3/model-api/${encodeURIComponent(target.model)}/${target.stream ? 'sse-invoke' : 'invoke'}`),
      headers,
      body: JSON.stringify(native),
      okBodyFailure: zhipuOkBodyFailure,
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertZhipuResponse(body)
    response.model = target.model
    return { response, usage: readUsage(body) }
  },
  createStreamParser: () => createZhipuStreamParser(),
  readUsage,
  mapError: mapZhipuError,
}
