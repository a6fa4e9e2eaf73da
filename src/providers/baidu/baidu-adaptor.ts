import { toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, RequestAuthorizer, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { baiduOkBodyFailure, mapBaiduError } from './baidu-error.ts'
import { parseBaiduKey, type BaiduKey } from './baidu-key.ts'
import { createBaiduStreamParser } from './baidu-stream-parser.ts'
import { baiduAccessToken } from './baidu-token.ts'
import { ernieToolCall } from './convert-baidu-function-call.ts'
import { convertBaiduUsage, mapBaiduFinishReason } from './convert-baidu-usage.ts'
import { convertToBaiduRequest } from './convert-to-baidu-request.ts'

/**
 * Baidu ERNIE (channel type 15, Qianfan's v1 "wenxinworkshop" API): each model is served at its own endpoint name
 * under `/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/`, called with `?access_token=` from the key's token exchange
 * (baidu-token.ts); tools go as ERNIE `functions`. Failures come back as HTTP 200 with `error_code`; an expired token is renewed once and the
 * request sent again.
 */

/** Model name → endpoint name, as new-api maps them; any other model is called at its lower-case name. */
const endpoints: Readonly<Record<string, string>> = {
  'ERNIE-4.0-8K': 'completions_pro',
  'ERNIE-3.5-8K': 'completions',
  'ERNIE-3.5-8K-0205': 'ernie-3.5-8k-0205',
  'ERNIE-3.5-8K-1222': 'ernie-3.5-8k-1222',
  'ERNIE-Bot-8K': 'ernie_bot_8k',
  'ERNIE-3.5-4K-0205': 'ernie-3.5-4k-0205',
  'ERNIE-Speed-8K': 'ernie_speed',
  'ERNIE-Speed-128K': 'ernie-speed-128k',
  'ERNIE-Lite-8K-0922': 'eb-instant',
  'ERNIE-Lite-8K-0308': 'ernie-lite-8k',
  'ERNIE-Tiny-8K': 'ernie-tiny-8k',
  'BLOOMZ-7B': 'bloomz_7b1',
  'Llama-2-7B-Chat': 'llama_2_7b',
  'Llama-2-13B-Chat': 'llama_2_13b',
  'Llama-2-70B-Chat': 'llama_2_70b',
}

export const baiduEndpoint = (model: string) => endpoints[model] ?? model.toLowerCase()

/** One authorizer per key and token URL, made once: it asks the token cache, which answers at once while the token is fresh. */
const authorizers = new WeakMap<BaiduKey, Map<string, RequestAuthorizer>>()
function accessTokenQuery(key: BaiduKey, tokenUrl: string): RequestAuthorizer {
  let byUrl = authorizers.get(key)
  if (!byUrl) authorizers.set(key, byUrl = new Map())
  let authorize = byUrl.get(tokenUrl)
  if (!authorize) byUrl.set(tokenUrl, authorize = async (post, options) => ({ query: { access_token: await baiduAccessToken(key, tokenUrl, post, options) } }))
  return authorize
}

/** ERNIE's answer → canonical chat completion (a function call's `thoughts` become reasoning_content). */
export function convertBaiduResponse(body: JsonObject): ChatResponse {
  const usage = convertBaiduUsage(body.usage)
  const id = String(body.id ?? '')
  const message: JsonObject = { role: 'assistant', content: typeof body.result === 'string' ? body.result : '' }
  const call = ernieToolCall(body.function_call, id)
  if (call) {
    message.tool_calls = [call]
    if (message.content === '') message.content = null
    const thoughts = (body.function_call as JsonObject).thoughts
    if (typeof thoughts === 'string' && thoughts.length > 0) message.reasoning_content = thoughts
  }
  const response: ChatResponse = {
    id,
    object: 'chat.completion',
    created: typeof body.created === 'number' ? body.created : unixSeconds(),
    model: '',
    choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : mapBaiduFinishReason(body.finish_reason) }],
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const baiduAdaptor: ProviderAdaptor = {
  id: 'baidu-ernie',
  format: 'baidu-ernie',
  toUpstream: convertToBaiduRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const key = parseBaiduKey(target.key)
    return {
      url: joinUrl(target.baseUrl, `/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/${encodeURIComponent(baiduEndpoint(target.model))}`),
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(native),
      authorize: accessTokenQuery(key, joinUrl(target.baseUrl, '/oauth/2.0/token')),
      okBodyFailure: baiduOkBodyFailure,
    }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertBaiduResponse(body)
    response.model = target.model
    return { response, usage: convertBaiduUsage(body.usage) }
  },
  createStreamParser: () => createBaiduStreamParser(),
  readUsage: (body: Record<string, unknown>) => convertBaiduUsage(body.usage),
  mapError: mapBaiduError,
}
