import { assertSingleChoice, maxOutputTokens, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical request → ERNIE chat (https://cloud.baidu.com/doc/WENXINWORKSHOP/s/jlil56u11): `messages` of user and
 * assistant turns that alternate and start with the user, the system prompt in its own `system` field. Consecutive
 * turns of one role are joined (ERNIE refuses them, error 336006). ERNIE's legacy chat takes text; tools are not
 * sent to it, so a request with tools is refused rather than answered without them.
 */

function text(content: unknown, param: string): string {
  const value = textOfContent(content)
  if (value === null) throw new ConversionError('unsupported_content', `${param}: Baidu ERNIE chat takes text only`, param)
  return value
}

export function convertToBaiduRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Baidu ERNIE')
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    throw new ConversionError('unsupported_parameter', 'tools: Baidu ERNIE (legacy, type 15) channels do not take tools; use a Baidu V2 (type 46) channel', 'tools')
  }
  const system: string[] = []
  const messages: { role: string; content: string }[] = []
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (message.role === 'system' || message.role === 'developer') {
      system.push(systemText(message, `${param}.content`))
      return
    }
    if (message.role !== 'user' && message.role !== 'assistant') {
      throw new ConversionError('unsupported_role', `${param}.role "${message.role}" has no Baidu ERNIE equivalent (user and assistant turns only)`, `${param}.role`)
    }
    const content = text(message.content, `${param}.content`)
    const last = messages[messages.length - 1]
    if (last && last.role === message.role) last.content += `\n\n${content}`
    else messages.push({ role: message.role, content })
  })
  if (messages[0]?.role !== 'user') throw new ConversionError('invalid_messages', 'messages: Baidu ERNIE needs the conversation to start with a user turn', 'messages')
  const native: JsonObject = { messages }
  if (system.length > 0) native.system = system.join('\n\n')
  if (target.stream) native.stream = true
  if (typeof request.temperature === 'number') native.temperature = request.temperature
  if (typeof request.top_p === 'number') native.top_p = request.top_p
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) native.max_output_tokens = maxTokens
  const stop = stopSequences(request)
  if (stop !== undefined) native.stop = stop
  if (typeof request.user === 'string') native.user_id = request.user
  return native
}
