import { assertSingleChoice, isRecord, maxOutputTokens, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical request → ERNIE chat (https://cloud.baidu.com/doc/WENXINWORKSHOP/s/jlil56u11): `messages` of user and
 * assistant turns that alternate and start with the user, the system prompt in its own `system` field. Consecutive
 * turns of one role are joined (ERNIE refuses them, error 336006). Text only. Tools become ERNIE `functions`: an
 * assistant turn carries at most one `function_call`, and a tool result is a `function` turn naming its function.
 */

function text(content: unknown, param: string): string {
  const value = textOfContent(content)
  if (value === null) throw new ConversionError('unsupported_content', `${param}: Baidu ERNIE chat takes text only`, param)
  return value
}

interface ErnieMessage {
  role: string
  content: string
  name?: string
  function_call?: { name: string; arguments: string }
}

function toFunction(tool: unknown, index: number): JsonObject {
  const fn = isRecord(tool) && isRecord(tool.function) ? tool.function : null
  if (!isRecord(tool) || tool.type !== 'function' || fn === null || typeof fn.name !== 'string') {
    throw new ConversionError('unsupported_tool', `tools[${index}]: Baidu ERNIE takes function tools only`, `tools[${index}]`)
  }
  const out: JsonObject = { name: fn.name, parameters: isRecord(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } }
  if (typeof fn.description === 'string') out.description = fn.description
  return out
}

export function convertToBaiduRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Baidu ERNIE')
  const system: string[] = []
  const messages: ErnieMessage[] = []
  /** Tool-call ids of the history → their function names: ERNIE's `function` turn names the function, not the call. */
  const functionNames = new Map<string, string>()
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (message.role === 'system' || message.role === 'developer') {
      system.push(systemText(message, `${param}.content`))
      return
    }
    let turn: ErnieMessage
    if (message.role === 'user') turn = { role: 'user', content: text(message.content, `${param}.content`) }
    else if (message.role === 'assistant') {
      turn = { role: 'assistant', content: text(message.content, `${param}.content`) }
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []
      if (calls.length > 1) throw new ConversionError('unsupported_tool_calls', `${param}.tool_calls: Baidu ERNIE takes one function call per assistant turn`, `${param}.tool_calls`)
      if (calls.length === 1) {
        const fn = isRecord(calls[0]!.function) ? calls[0]!.function : {}
        const name = String(fn.name ?? '')
        functionNames.set(String(calls[0]!.id ?? ''), name)
        turn.function_call = { name, arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) }
      }
    } else if (message.role === 'tool') {
      const name = functionNames.get(String(message.tool_call_id ?? ''))
      if (name === undefined) throw new ConversionError('invalid_tool_result', `${param}.tool_call_id does not name a tool call of an earlier assistant turn`, `${param}.tool_call_id`)
      turn = { role: 'function', name, content: text(message.content, `${param}.content`) }
    } else {
      throw new ConversionError('unsupported_role', `${param}.role "${message.role}" has no Baidu ERNIE equivalent`, `${param}.role`)
    }
    const last = messages[messages.length - 1]
    if (last && last.role === turn.role && turn.role !== 'function' && !last.function_call && !turn.function_call) last.content += `\n\n${turn.content}`
    else messages.push(turn)
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
  const tools = Array.isArray(request.tools) ? request.tools : []
  // tool_choice "none": the functions are not offered at all (ERNIE has no way to offer them and forbid a call).
  if (tools.length > 0 && request.tool_choice !== 'none') {
    native.functions = tools.map(toFunction)
    const choice = request.tool_choice
    if (choice === 'required') throw new ConversionError('unsupported_tool_choice', 'tool_choice "required" has no Baidu ERNIE equivalent (it takes auto or one named function)', 'tool_choice')
    if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') native.tool_choice = { type: 'function', function: { name: choice.function.name } }
  }
  return native
}
