import { asNumber, assertSingleChoice, isRecord, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, Usage } from '../types.ts'

/**
 * Canonical request ↔ Zhipu's v3 model API (https://open.bigmodel.cn/dev/api, ChatGLM v3 "invoke"/"sse-invoke"):
 * `prompt` is a list of user and assistant turns; v3 has no system role, so a system prompt goes in front of the
 * first user turn (a blank line between). Text only; tools belong to the v4 API (channel type 26).
 */

function text(content: unknown, param: string): string {
  const value = textOfContent(content)
  if (value === null) throw new ConversionError('unsupported_content', `${param}: Zhipu v3 chat takes text only`, param)
  return value
}

export function convertToZhipuRequest(request: ChatRequest): JsonObject {
  assertSingleChoice(request, 'Zhipu v3')
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    throw new ConversionError('unsupported_parameter', 'tools: Zhipu v3 (legacy, type 16) channels do not take tools; use a Zhipu V4 (type 26) channel', 'tools')
  }
  const system: string[] = []
  const prompt: { role: string; content: string }[] = []
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (message.role === 'system' || message.role === 'developer') system.push(systemText(message, `${param}.content`))
    else if (message.role === 'user' || message.role === 'assistant') prompt.push({ role: message.role, content: text(message.content, `${param}.content`) })
    else throw new ConversionError('unsupported_role', `${param}.role "${message.role}" has no Zhipu v3 equivalent (user and assistant turns only)`, `${param}.role`)
  })
  if (system.length > 0) {
    const first = prompt.find((turn) => turn.role === 'user')
    if (first) first.content = `${system.join('\n\n')}\n\n${first.content}`
    else prompt.unshift({ role: 'user', content: system.join('\n\n') })
  }
  const native: JsonObject = { prompt }
  if (typeof request.temperature === 'number') native.temperature = request.temperature
  if (typeof request.top_p === 'number') native.top_p = request.top_p
  return native
}

/** v3 `usage {prompt_tokens, completion_tokens, total_tokens}` (in `data`, or in a stream's `meta`) → the one Usage record. */
export function convertZhipuUsage(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null
  return {
    inputTokens: asNumber(usage.prompt_tokens), cachedInputTokens: 0, cacheWriteInputTokens: 0, imageInputTokens: 0, audioInputTokens: 0,
    outputTokens: asNumber(usage.completion_tokens), reasoningTokens: 0,
  }
}

/** v3 answers a choice's content as a JSON string literal (`"\"Hello\\n\""`): the literal is decoded. */
export function zhipuContent(content: unknown): string {
  if (typeof content !== 'string') return ''
  if (content.length >= 2 && content.startsWith('"') && content.endsWith('"')) {
    try {
      const decoded: unknown = JSON.parse(content)
      if (typeof decoded === 'string') return decoded
    } catch { /* not a literal after all: shown as sent */ }
  }
  return content
}
