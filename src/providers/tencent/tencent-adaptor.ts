import { asArray, isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { convertTencentUsage, mapTencentFinishReason } from './convert-tencent-usage.ts'
import { convertToTencentRequest } from './convert-to-tencent-request.ts'
import { tc3Authorization } from './tc3-sign.ts'
import { mapTencentError, tencentOkBodyFailure } from './tencent-error.ts'
import { parseTencentKey } from './tencent-key.ts'
import { createTencentStreamParser } from './tencent-stream-parser.ts'

/**
 * Tencent Hunyuan (channel type 23) through the Tencent Cloud API 3.0: one POST to `/` of
 * hunyuan.tencentcloudapi.com with the action and version in `X-TC-*` headers, signed with TC3-HMAC-SHA256 over
 * the exact body sent. The channel's `other` is the region (`X-TC-Region`), optional for Hunyuan.
 */

export const tencentAction = 'ChatCompletions'
export const tencentVersion = '2023-09-01'
/** Sent and signed byte for byte; Tencent compares the header with the signed one. */
const contentType = 'application/json'

const origins = new Map<string, { url: string; host: string }>()
/** The request URL and Host of a base URL, parsed once per distinct base URL. */
function originOf(baseUrl: string): { url: string; host: string } {
  let origin = origins.get(baseUrl)
  if (!origin) {
    const parsed = new URL(baseUrl)
    origin = { url: `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}/`, host: parsed.host }
    if (origins.size >= 256) origins.clear()
    origins.set(baseUrl, origin)
  }
  return origin
}

/** The product name TC3 signs with: the first label of Tencent's host; any other host (a proxy, a test) signs as `hunyuan`. */
const serviceOf = (host: string) => (host.endsWith('.tencentcloudapi.com') ? host.split('.')[0]! : 'hunyuan')

/** Hunyuan's answer (inside `Response`) → canonical chat completion. */
export function convertTencentResponse(body: JsonObject): ChatResponse {
  const response = isRecord(body.Response) ? body.Response : body
  const choice = asArray(response.Choices).find(isRecord) ?? {}
  const message = isRecord(choice.Message) ? choice.Message : {}
  const toolCalls: CanonicalToolCall[] = asArray(message.ToolCalls).filter(isRecord).map((call) => {
    const fn = isRecord(call.Function) ? call.Function : {}
    return { id: String(call.Id ?? ''), type: 'function', function: { name: String(fn.Name ?? ''), arguments: typeof fn.Arguments === 'string' ? fn.Arguments : '{}' } }
  })
  const content = typeof message.Content === 'string' ? message.Content : ''
  const canonicalMessage: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (toolCalls.length > 0) canonicalMessage.tool_calls = toolCalls
  const usage = convertTencentUsage(response.Usage)
  const out: ChatResponse = {
    id: String(response.Id ?? response.RequestId ?? ''),
    object: 'chat.completion',
    created: typeof response.Created === 'number' ? response.Created : unixSeconds(),
    model: '',
    choices: [{ index: 0, message: canonicalMessage, finish_reason: mapTencentFinishReason(choice.FinishReason) ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop') }],
  }
  if (usage !== null) out.usage = toOpenAiUsage(usage)
  return out
}

const readUsage = (body: Record<string, unknown>) => convertTencentUsage((isRecord(body.Response) ? body.Response : body).Usage)

export const tencentAdaptor: ProviderAdaptor = {
  id: 'tencent-hunyuan',
  format: 'tencent-hunyuan',
  toUpstream: convertToTencentRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const key = parseTencentKey(target.key)
    const { url, host } = originOf(target.baseUrl)
    const body = JSON.stringify(native)
    const timestamp = Math.floor(Date.now() / 1000)
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-tc-action': tencentAction,
      'x-tc-version': tencentVersion,
      'x-tc-timestamp': String(timestamp),
      authorization: tc3Authorization({ secretId: key.secretId, secretKey: key.secretKey, service: serviceOf(host), host, contentType, body, timestamp }),
    }
    const region = target.other.trim()
    if (region.length > 0) headers['x-tc-region'] = region
    return { url, headers, body, okBodyFailure: tencentOkBodyFailure }
  },
  fromUpstream(body: Record<string, unknown>, target: UpstreamTarget) {
    const response = convertTencentResponse(body)
    response.model = target.model
    return { response, usage: readUsage(body) }
  },
  createStreamParser: () => createTencentStreamParser(),
  readUsage,
  mapError: mapTencentError,
}

