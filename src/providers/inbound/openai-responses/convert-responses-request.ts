import { isRecord } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'
import { ConversionError } from '../../errors.ts'
import type { ChatMessage, ChatRequest } from '../../types.ts'

/** Responses fields that need OpenAI-side state and so only work on a channel that speaks Responses. */
const statefulFields = ['previous_response_id', 'conversation', 'background', 'prompt'] as const

/**
 * OpenAI Responses request → canonical (OpenAI Chat) request, for a Responses client sent to a channel that
 * does not speak Responses.
 *
 * - `instructions` → leading system message; `input` text → user message; message items keep their role;
 * - function_call items join the preceding assistant message's tool_calls; function_call_output → tool message;
 *   custom tool calls map to Chat's custom tool calls;
 * - reasoning items are not sent: they are OpenAI-encrypted state no other model can read;
 * - refused by name: previous_response_id / conversation / background / prompt (server state), built-in tools
 *   (web_search, file_search, code_interpreter, image_generation, mcp, computer use, shell), item references.
 * `truncation`, `include` and `stream_options` only steer OpenAI's own server behaviour and are not sent.
 */
export function convertResponsesRequestToCanonical(body: JsonObject): ChatRequest {
  if (typeof body.model !== 'string' || body.model.length === 0) {
    throw new ConversionError('invalid_request_body', 'body is not an OpenAI Responses request: "model" must be a non-empty string', 'model')
  }
  if (typeof body.input !== 'string' && !Array.isArray(body.input)) {
    throw new ConversionError('invalid_request_body', 'body is not an OpenAI Responses request: "input" must be a string or an array of items', 'input')
  }
  for (const field of statefulFields) {
    if (body[field] !== undefined && body[field] !== null && body[field] !== false) {
      throw new ConversionError('unsupported_parameter', `${field} needs state kept at OpenAI and works only on a channel that speaks the Responses API`, field)
    }
  }
  const messages: ChatMessage[] = []
  if (typeof body.instructions === 'string' && body.instructions.length > 0) messages.push({ role: 'system', content: body.instructions })
  if (typeof body.input === 'string') {
    messages.push({ role: 'user', content: body.input })
  } else {
    body.input.forEach((item, itemIndex) => convertItem(item, `input[${itemIndex}]`, messages))
  }

  const request: ChatRequest = { model: body.model, messages }
  if (body.stream === true) request.stream = true
  if (typeof body.max_output_tokens === 'number') request.max_tokens = body.max_output_tokens
  for (const field of ['temperature', 'top_p', 'parallel_tool_calls', 'metadata', 'user', 'safety_identifier', 'prompt_cache_key', 'service_tier', 'store', 'top_logprobs']) {
    if (body[field] !== undefined && body[field] !== null) request[field] = body[field]
  }
  if (isRecord(body.reasoning) && typeof body.reasoning.effort === 'string') request.reasoning_effort = body.reasoning.effort
  if (isRecord(body.text) && isRecord(body.text.format)) {
    const format = body.text.format
    if (format.type === 'json_schema') {
      const schema: JsonObject = { name: format.name ?? 'response', schema: format.schema }
      if (format.strict !== undefined) schema.strict = format.strict
      if (format.description !== undefined) schema.description = format.description
      request.response_format = { type: 'json_schema', json_schema: schema }
    } else if (format.type === 'json_object') {
      request.response_format = { type: 'json_object' }
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) request.tools = body.tools.map(convertTool)
  if (body.tool_choice !== undefined) request.tool_choice = convertToolChoice(body.tool_choice)
  return request
}

function convertItem(item: unknown, param: string, messages: ChatMessage[]): void {
  if (!isRecord(item)) throw new ConversionError('invalid_request_body', `${param} must be an object`, param)
  const type = item.type ?? (item.role !== undefined ? 'message' : undefined)
  switch (type) {
    case 'message': {
      const role = String(item.role)
      if (role === 'assistant') {
        const text = typeof item.content === 'string' ? item.content : assistantText(item.content, param)
        const last = messages[messages.length - 1]
        // A refusal item following the text of the same turn stays in that turn.
        if (last !== undefined && last.role === 'assistant' && last.tool_calls === undefined && typeof last.content === 'string') last.content += text
        else messages.push({ role: 'assistant', content: text })
      } else if (role === 'user' || role === 'system' || role === 'developer') {
        messages.push({ role, content: typeof item.content === 'string' ? item.content : convertParts(item.content, param) })
      } else {
        throw new ConversionError('invalid_request_body', `${param}.role "${role}" is not a Responses message role`, param)
      }
      return
    }
    case 'function_call':
    case 'custom_tool_call': {
      const call: JsonObject = type === 'function_call'
        ? { id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments ?? '{}' } }
        : { id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input ?? '' } }
      const last = messages[messages.length - 1]
      if (last !== undefined && last.role === 'assistant') {
        last.tool_calls = [...(Array.isArray(last.tool_calls) ? last.tool_calls : []), call]
        if (last.content === '') last.content = null
      } else {
        messages.push({ role: 'assistant', content: null, tool_calls: [call] })
      }
      return
    }
    case 'function_call_output':
    case 'custom_tool_call_output':
      messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: typeof item.output === 'string' ? item.output : convertParts(item.output, param) })
      return
    case 'reasoning':
      return
    default:
      throw new ConversionError('unsupported_content', `${param}: item type "${String(type)}" exists only in the Responses API and cannot be sent to this channel`, param)
  }
}

function assistantText(content: unknown, param: string): string {
  let text = ''
  for (const [partIndex, part] of (Array.isArray(content) ? content : []).entries()) {
    if (isRecord(part) && (part.type === 'output_text' || part.type === 'input_text') && typeof part.text === 'string') text += part.text
    else if (isRecord(part) && part.type === 'refusal' && typeof part.refusal === 'string') text += part.refusal
    else throw new ConversionError('unsupported_content', `${param}.content[${partIndex}]: assistant content may only hold text`, param)
  }
  return text
}

function convertParts(content: unknown, param: string): JsonObject[] {
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  return content.map((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    switch (part.type) {
      case 'input_text':
      case 'output_text':
        return { type: 'text', text: part.text }
      case 'input_image': {
        if (typeof part.image_url !== 'string') {
          throw new ConversionError('unsupported_content', `${partParam}: an image given by file_id exists only at OpenAI; send image_url`, partParam)
        }
        const image: JsonObject = { url: part.image_url }
        if (typeof part.detail === 'string') image.detail = part.detail
        return { type: 'image_url', image_url: image }
      }
      case 'input_file': {
        const file: JsonObject = {}
        if (typeof part.file_id === 'string') file.file_id = part.file_id
        if (typeof part.file_data === 'string') file.file_data = part.file_data
        if (typeof part.filename === 'string') file.filename = part.filename
        if (file.file_id === undefined && file.file_data === undefined) {
          throw new ConversionError('unsupported_content', `${partParam}: input_file needs file_id or file_data (file_url is fetched only by OpenAI)`, partParam)
        }
        return { type: 'file', file }
      }
      case 'input_audio':
        return { type: 'input_audio', input_audio: part.input_audio }
      default:
        throw new ConversionError('unsupported_content', `${partParam}: content type "${String(part.type)}" cannot be sent to this channel`, partParam)
    }
  })
}

function convertTool(tool: unknown, toolIndex: number): JsonObject {
  const param = `tools[${toolIndex}]`
  if (!isRecord(tool)) throw new ConversionError('invalid_tool', `${param} must be an object`, param)
  if (tool.type === 'function') {
    const definition: JsonObject = { name: tool.name, parameters: tool.parameters ?? { type: 'object', properties: {} } }
    if (typeof tool.description === 'string') definition.description = tool.description
    if (typeof tool.strict === 'boolean') definition.strict = tool.strict
    return { type: 'function', function: definition }
  }
  if (tool.type === 'custom') {
    const { type: _type, ...custom } = tool
    return { type: 'custom', custom }
  }
  throw new ConversionError('unsupported_tool', `${param}: built-in tool "${String(tool.type)}" runs only at OpenAI and cannot be sent to this channel`, param)
}

function convertToolChoice(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice
  if (isRecord(choice) && choice.type === 'function') return { type: 'function', function: { name: choice.name } }
  if (isRecord(choice) && choice.type === 'custom') return { type: 'custom', custom: { name: choice.name } }
  throw new ConversionError('unsupported_parameter', 'tool_choice must be "auto", "none", "required" or name a function tool', 'tool_choice')
}
