import { assertSingleChoice, isRecord, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical request → Hunyuan ChatCompletions (https://cloud.tencent.com/document/product/1729/105701): PascalCase
 * fields, `Messages[{Role, Content, ToolCalls, ToolCallId}]`, tools with their JSON-schema `Parameters` as text.
 * Hunyuan's chat takes text; a message with other parts is refused rather than sent without them.
 */

function text(content: unknown, param: string): string {
  const value = textOfContent(content)
  if (value === null) throw new ConversionError('unsupported_content', `${param}: Tencent Hunyuan chat takes text only`, param)
  return value
}

function toTencentMessage(message: ChatRequest['messages'][number], index: number): JsonObject {
  const param = `messages[${index}]`
  switch (message.role) {
    case 'system':
    case 'developer':
      return { Role: 'system', Content: systemText(message, `${param}.content`) }
    case 'user':
      return { Role: 'user', Content: text(message.content, `${param}.content`) }
    case 'assistant': {
      const out: JsonObject = { Role: 'assistant', Content: text(message.content, `${param}.content`) }
      const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []
      if (calls.length > 0) {
        out.ToolCalls = calls.map((call, callIndex) => {
          const fn = isRecord(call.function) ? call.function : {}
          return { Id: String(call.id ?? ''), Type: 'function', Index: callIndex, Function: { Name: String(fn.name ?? ''), Arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) } }
        })
      }
      return out
    }
    case 'tool':
      return { Role: 'tool', Content: text(message.content, `${param}.content`), ToolCallId: String(message.tool_call_id ?? '') }
    default:
      throw new ConversionError('unsupported_role', `${param}.role "${message.role}" has no Tencent Hunyuan equivalent`, `${param}.role`)
  }
}

function toTencentTool(tool: unknown, index: number): JsonObject {
  const fn = isRecord(tool) && isRecord(tool.function) ? tool.function : null
  if (!isRecord(tool) || tool.type !== 'function' || fn === null || typeof fn.name !== 'string') {
    throw new ConversionError('unsupported_tool', `tools[${index}]: Tencent Hunyuan takes function tools only`, `tools[${index}]`)
  }
  const out: JsonObject = { Type: 'function', Function: { Name: fn.name, Parameters: JSON.stringify(fn.parameters ?? { type: 'object', properties: {} }) } }
  if (typeof fn.description === 'string') (out.Function as JsonObject).Description = fn.description
  return out
}

export function convertToTencentRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Tencent Hunyuan')
  const native: JsonObject = { Model: target.model, Messages: request.messages.map(toTencentMessage), Stream: target.stream }
  if (typeof request.temperature === 'number') native.Temperature = request.temperature
  if (typeof request.top_p === 'number') native.TopP = request.top_p
  if (typeof request.seed === 'number') native.Seed = request.seed
  const tools = Array.isArray(request.tools) ? request.tools : []
  if (tools.length > 0) {
    native.Tools = tools.map(toTencentTool)
    const choice = request.tool_choice
    if (choice === 'none' || choice === 'auto') native.ToolChoice = choice
    else if (choice === 'required') throw new ConversionError('unsupported_tool_choice', 'tool_choice "required" has no Tencent Hunyuan equivalent (it takes none, auto or one named function)', 'tool_choice')
    else if (isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string') {
      const name = choice.function.name
      const chosen = (native.Tools as JsonObject[]).find((tool) => (tool.Function as JsonObject).Name === name)
      if (!chosen) throw new ConversionError('invalid_tool_choice', `tool_choice names "${name}", which is not in tools`, 'tool_choice')
      native.ToolChoice = 'custom'
      native.CustomTool = chosen
    }
  }
  return native
}
