import { assertSingleChoice, isRecord, maxOutputTokens, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical (OpenAI Chat) request → Cohere v2 /v2/chat. Cohere v2 copied OpenAI's message and tool shapes, so
 * the work is in the edges: images only as image_url parts, tool_choice only REQUIRED/NONE (a named function
 * cannot be forced and is refused), sampling fields renamed (p, k, stop_sequences), and `safety_mode` from
 * COHERE_SAFETY_SETTING (`target.setting.cohereSafetySetting`). Audio, files and n > 1 are refused.
 */
export function convertToCohereRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Cohere')
  const messages = request.messages.map((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message, param)
        return { role: 'system', content: text }
      }
      case 'user':
        return { role: 'user', content: convertUserContent(message.content, param) }
      case 'assistant': {
        const text = textOfContent(message.content)
        if (text === null) throw new ConversionError('unsupported_content', `${param}: assistant content may only hold text`, param)
        const converted: JsonObject = { role: 'assistant' }
        if (text.length > 0) converted.content = text
        const calls = Array.isArray(message.tool_calls) ? message.tool_calls : []
        if (calls.length > 0) {
          converted.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.function?.name, arguments: call.function?.arguments ?? '{}' } }))
          // Cohere pairs tool calls with the plan that led to them; the reasoning text is that plan.
          if (typeof message.reasoning_content === 'string' && message.reasoning_content.length > 0) converted.tool_plan = message.reasoning_content
        }
        return converted
      }
      case 'tool': {
        const text = textOfContent(message.content)
        if (text === null) throw new ConversionError('unsupported_content', `${param}: a tool result sent to Cohere may only hold text`, param)
        return { role: 'tool', tool_call_id: message.tool_call_id, content: text }
      }
      default:
        throw new ConversionError('unsupported_role', `${param}: role "${message.role}" cannot be sent to Cohere`, param)
    }
  })

  const native: JsonObject = { model: target.model, messages }
  if (target.stream) native.stream = true
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) native.max_tokens = maxTokens
  if (typeof request.temperature === 'number') native.temperature = request.temperature
  if (typeof request.top_p === 'number') native.p = request.top_p
  if (typeof request.top_k === 'number') native.k = request.top_k
  if (typeof request.seed === 'number') native.seed = request.seed
  if (typeof request.frequency_penalty === 'number') native.frequency_penalty = request.frequency_penalty
  if (typeof request.presence_penalty === 'number') native.presence_penalty = request.presence_penalty
  const stop = stopSequences(request)
  if (stop !== undefined && stop.length > 0) native.stop_sequences = stop
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    native.tools = request.tools.map((tool, toolIndex) => {
      if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
        throw new ConversionError('unsupported_tool', `tools[${toolIndex}]: only function tools can be sent to Cohere`, `tools[${toolIndex}]`)
      }
      return { type: 'function', function: { name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters ?? { type: 'object', properties: {} } } }
    })
  }
  if (request.tool_choice === 'required') native.tool_choice = 'REQUIRED'
  else if (request.tool_choice === 'none') native.tool_choice = 'NONE'
  else if (isRecord(request.tool_choice)) {
    throw new ConversionError('unsupported_parameter', 'Cohere cannot force a specific function: tool_choice may be "auto", "none" or "required"', 'tool_choice')
  }
  if (isRecord(request.response_format)) {
    const format = request.response_format
    if (format.type === 'json_object') native.response_format = { type: 'json_object' }
    else if (format.type === 'json_schema' && isRecord(format.json_schema)) native.response_format = { type: 'json_object', json_schema: format.json_schema.schema }
  }
  const safety = target.setting.cohereSafetySetting
  if (typeof safety === 'string' && safety.length > 0) native.safety_mode = safety
  return native
}

function convertUserContent(content: unknown, param: string): unknown {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  return content.map((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (isRecord(part) && part.type === 'text') return { type: 'text', text: part.text }
    if (isRecord(part) && part.type === 'image_url') {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
      return { type: 'image_url', image_url: { url } }
    }
    throw new ConversionError('unsupported_content', `${partParam}: content type "${isRecord(part) ? String(part.type) : typeof part}" cannot be sent to Cohere`, partParam)
  })
}
