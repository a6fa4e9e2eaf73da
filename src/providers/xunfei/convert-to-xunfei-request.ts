import { isRecord, maxOutputTokens, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { parseXunfeiKey } from './xunfei-auth.ts'
import { xunfeiVersion } from './xunfei-versions.ts'

/**
 * Canonical request → Spark's request frame (Spark API reference, "请求参数"):
 * `{header: {app_id, uid}, parameter: {chat: {domain, temperature, max_tokens, top_k}}, payload: {message: {text:
 * [{role, content}]}, functions?: {text: [{name, description, parameters}]}}}`.
 * Spark has system, user and assistant turns of text only: images, other parts and tool-result turns have no place
 * in it, nor have function calls in the history: all are refused with a 400 naming the message (nothing is dropped
 * silently). Tools become `functions`;
 * Spark chooses whether to call one, so a forced `tool_choice` is refused too. `uid` is the client's `user` (Spark
 * allows 32 characters), else "tollgate".
 */
export function convertToXunfeiRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  if (typeof request.n === 'number' && request.n > 1) throw new ConversionError('unsupported_parameter', `n=${request.n} is not supported by Xunfei Spark: it returns one choice per request`, 'n')
  const text = request.messages.map((message, index) => {
    const param = `messages[${index}]`
    const role = message.role === 'developer' ? 'system' : message.role
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new ConversionError('unsupported_message', `${param}: Xunfei Spark has no "${message.role}" turns (only system, user and assistant text)`, `${param}.role`)
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      throw new ConversionError('unsupported_message', `${param}.tool_calls: Xunfei Spark takes no function calls in the history (only system, user and assistant text)`, `${param}.tool_calls`)
    }
    const content = textOfContent(message.content)
    if (content === null) throw new ConversionError('unsupported_content', `${param}.content: Xunfei Spark takes text only`, `${param}.content`)
    return { role, content }
  })
  if (request.tool_choice !== undefined && request.tool_choice !== 'auto' && request.tool_choice !== 'none') {
    throw new ConversionError('unsupported_parameter', 'Xunfei Spark decides itself whether to call a function: tool_choice may only be "auto" or "none"', 'tool_choice')
  }
  const chat: JsonObject = { domain: xunfeiVersion(target.other, target.model).domain }
  if (typeof request.temperature === 'number') chat.temperature = request.temperature
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) chat.max_tokens = maxTokens
  if (typeof request.top_k === 'number') chat.top_k = request.top_k
  const payload: JsonObject = { message: { text } }
  const tools = Array.isArray(request.tools) && request.tool_choice !== 'none' ? request.tools.filter(isRecord) : []
  if (tools.length > 0) {
    payload.functions = {
      text: tools.map((tool) => {
        const fn = isRecord(tool.function) ? tool.function : {}
        return { name: fn.name, description: fn.description ?? '', parameters: fn.parameters ?? { type: 'object', properties: {} } }
      }),
    }
  }
  const uid = typeof request.user === 'string' && request.user.length > 0 ? request.user.slice(0, 32) : 'tollgate'
  return { header: { app_id: parseXunfeiKey(target.key).appId, uid }, parameter: { chat }, payload }
}
