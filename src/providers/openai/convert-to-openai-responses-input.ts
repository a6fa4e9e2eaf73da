import { assertSingleChoice, isRecord, maxOutputTokens, stripCanonicalExtensions, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical (OpenAI Chat) request → OpenAI Responses request, for channels that speak Responses.
 *
 * Not expressible in Responses and therefore dropped on purpose (they steer sampling, they are not content):
 * stop, seed, frequency_penalty, presence_penalty, logit_bias, logprobs. `n > 1` and audio input are refused.
 * Reasoning from earlier assistant turns is not sent: Responses only accepts its own encrypted reasoning items.
 * `store` defaults to false so a conversion does not start persisting conversations the client never asked to keep.
 */
export function convertToOpenAiResponsesRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'the OpenAI Responses API')
  const canonical = stripCanonicalExtensions(request)
  const input: JsonObject[] = []
  canonical.messages.forEach((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message, param)
        input.push({ role: message.role, content: text })
        break
      }
      case 'user':
        input.push({ role: 'user', content: convertUserContent(message.content, param) })
        break
      case 'assistant': {
        const text = textOfContent(message.content)
        if (text === null) throw new ConversionError('unsupported_content', `${param}: assistant content may only hold text`, param)
        if (text.length > 0) input.push({ role: 'assistant', content: text })
        if (typeof message.refusal === 'string' && message.refusal.length > 0) {
          input.push({ type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: message.refusal }] })
        }
        for (const [callIndex, call] of (Array.isArray(message.tool_calls) ? message.tool_calls : []).entries()) {
          if (!isRecord(call) || !isRecord(call.function)) continue
          const callParam = `${param}.tool_calls[${callIndex}]`
          if (typeof call.id !== 'string') throw new ConversionError('invalid_tool_call', `${callParam}.id is required`, callParam)
          input.push({
            type: 'function_call',
            call_id: call.id,
            name: call.function.name,
            arguments: typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments ?? {}),
          })
        }
        break
      }
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') {
          throw new ConversionError('invalid_tool_result', `${param}.tool_call_id is required`, param)
        }
        const text = textOfContent(message.content)
        input.push({
          type: 'function_call_output',
          call_id: message.tool_call_id,
          output: text ?? convertUserContent(message.content, param),
        })
        break
      }
      default:
        throw new ConversionError('unsupported_role', `${param}: role "${message.role}" cannot be sent to the Responses API`, param)
    }
  })

  const native: JsonObject = { model: target.model, input, store: canonical.store ?? false }
  if (target.stream) native.stream = true
  const maxTokens = maxOutputTokens(canonical)
  if (maxTokens !== undefined) native.max_output_tokens = maxTokens
  for (const field of ['temperature', 'top_p', 'parallel_tool_calls', 'metadata', 'service_tier', 'prompt_cache_key', 'safety_identifier', 'user']) {
    if (canonical[field] !== undefined && canonical[field] !== null) native[field] = canonical[field]
  }
  if (typeof canonical.reasoning_effort === 'string') native.reasoning = { effort: canonical.reasoning_effort }
  if (Array.isArray(canonical.tools) && canonical.tools.length > 0) native.tools = canonical.tools.map(convertTool)
  if (canonical.tool_choice !== undefined) native.tool_choice = convertToolChoice(canonical.tool_choice)
  const format = convertResponseFormat(canonical.response_format)
  if (format !== undefined) native.text = { format }
  return native
}

function convertUserContent(content: unknown, param: string): string | JsonObject[] {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  return content.map((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    switch (part.type) {
      case 'text':
        return { type: 'input_text', text: part.text }
      case 'image_url': {
        const image = isRecord(part.image_url) ? part.image_url : { url: part.image_url }
        if (typeof image.url !== 'string') throw new ConversionError('invalid_content', `${partParam}.image_url.url is required`, partParam)
        return { type: 'input_image', image_url: image.url, detail: typeof image.detail === 'string' ? image.detail : 'auto' }
      }
      case 'file': {
        const file = isRecord(part.file) ? part.file : {}
        if (typeof file.file_id === 'string') return { type: 'input_file', file_id: file.file_id }
        if (typeof file.file_data === 'string') {
          const converted: JsonObject = { type: 'input_file', file_data: file.file_data }
          if (typeof file.filename === 'string') converted.filename = file.filename
          return converted
        }
        throw new ConversionError('invalid_content', `${partParam}.file needs file_id or file_data`, partParam)
      }
      default:
        throw new ConversionError('unsupported_content', `${partParam}: content type "${String(part.type)}" cannot be sent to the Responses API`, partParam)
    }
  })
}

function convertTool(tool: unknown, toolIndex: number): JsonObject {
  const param = `tools[${toolIndex}]`
  if (!isRecord(tool)) throw new ConversionError('invalid_tool', `${param} must be an object`, param)
  if (tool.type === 'function' && isRecord(tool.function)) {
    const converted: JsonObject = { type: 'function', name: tool.function.name }
    if (tool.function.description !== undefined) converted.description = tool.function.description
    converted.parameters = tool.function.parameters ?? { type: 'object', properties: {} }
    // Chat defaults strict to false, Responses to true: keep the Chat meaning unless the client chose.
    converted.strict = tool.function.strict ?? false
    return converted
  }
  if (tool.type === 'custom' && isRecord(tool.custom)) return { type: 'custom', ...tool.custom }
  throw new ConversionError('unsupported_tool', `${param}: tool type "${String(tool.type)}" cannot be sent to the Responses API`, param)
}

function convertToolChoice(choice: unknown): unknown {
  if (typeof choice === 'string') return choice
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function)) return { type: 'function', name: choice.function.name }
  if (isRecord(choice) && choice.type === 'custom' && isRecord(choice.custom)) return { type: 'custom', name: choice.custom.name }
  throw new ConversionError('invalid_tool_choice', 'tool_choice must be "auto", "none", "required" or name a function', 'tool_choice')
}

function convertResponseFormat(format: unknown): JsonObject | undefined {
  if (!isRecord(format)) return undefined
  if (format.type === 'json_schema' && isRecord(format.json_schema)) {
    const schema = format.json_schema
    const converted: JsonObject = { type: 'json_schema', name: schema.name ?? 'response', schema: schema.schema ?? {} }
    if (schema.description !== undefined) converted.description = schema.description
    if (schema.strict !== undefined) converted.strict = schema.strict
    return converted
  }
  if (format.type === 'json_object') return { type: 'json_object' }
  if (format.type === 'text') return { type: 'text' }
  throw new ConversionError('unsupported_parameter', `response_format type "${String(format.type)}" is not supported`, 'response_format')
}
