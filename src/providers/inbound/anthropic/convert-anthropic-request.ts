import { effortForBudget, isRecord, toDataUrl } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'
import { convertAnthropicAssistantContent } from '../../anthropic/convert-anthropic-assistant-content.ts'
import { ConversionError } from '../../errors.ts'
import type { ChatMessage, ChatRequest } from '../../types.ts'

/**
 * Anthropic Messages request → canonical (OpenAI Chat) request, for a Claude client sent to a non-Anthropic
 * channel (an Anthropic channel gets the body untouched).
 *
 * - `system` → one system message (text parts, in order);
 * - a user turn's tool_result blocks → tool messages first (OpenAI wants them right after the assistant call),
 *   then the rest of the turn as a user message; images inside a tool result, which OpenAI tool messages cannot
 *   hold, follow in that user message;
 * - thinking blocks → reasoning_content + thinking_blocks (signatures kept); tool_use → tool_calls;
 * - `thinking.budget_tokens` → reasoning_effort (nearest) + thinking_budget (exact, for targets that take one);
 * - server tools (web search, code execution, computer use, ...) and server tool results exist only at
 *   Anthropic and are refused by name, as are file-id and URL documents.
 */
export function convertAnthropicRequestToCanonical(body: JsonObject): ChatRequest {
  if (!Array.isArray(body.messages)) {
    throw new ConversionError('invalid_request_body', 'body is not an Anthropic Messages request: "messages" must be an array', 'messages')
  }
  if (typeof body.model !== 'string' || body.model.length === 0) {
    throw new ConversionError('invalid_request_body', 'body is not an Anthropic Messages request: "model" must be a non-empty string', 'model')
  }
  const messages: ChatMessage[] = []
  if (typeof body.system === 'string') {
    if (body.system.length > 0) messages.push({ role: 'system', content: body.system })
  } else if (Array.isArray(body.system)) {
    const parts = body.system.map((block, blockIndex) => {
      if (!isRecord(block) || block.type !== 'text') throw new ConversionError('invalid_content', `system[${blockIndex}] must be a text block`, 'system')
      return { type: 'text', text: block.text }
    })
    if (parts.length > 0) messages.push({ role: 'system', content: parts })
  }

  body.messages.forEach((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    if (!isRecord(message)) throw new ConversionError('invalid_request_body', `${param} must be an object`, param)
    if (message.role === 'user') messages.push(...convertUserTurn(message.content, param))
    else if (message.role === 'assistant') messages.push(convertAssistantTurn(message.content, param))
    else throw new ConversionError('invalid_request_body', `${param}.role must be "user" or "assistant"`, param)
  })

  const request: ChatRequest = { model: body.model, messages }
  if (typeof body.max_tokens === 'number') request.max_tokens = body.max_tokens
  if (typeof body.temperature === 'number') request.temperature = body.temperature
  if (typeof body.top_p === 'number') request.top_p = body.top_p
  if (typeof body.top_k === 'number') request.top_k = body.top_k
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0) request.stop = body.stop_sequences
  if (body.stream === true) request.stream = true
  if (isRecord(body.metadata) && typeof body.metadata.user_id === 'string') request.user = body.metadata.user_id
  if (isRecord(body.thinking) && body.thinking.type === 'enabled' && typeof body.thinking.budget_tokens === 'number') {
    request.reasoning_effort = effortForBudget(body.thinking.budget_tokens)
    request.thinking_budget = body.thinking.budget_tokens
  } else if (isRecord(body.thinking) && body.thinking.type === 'adaptive') {
    request.reasoning_effort = 'medium'
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) request.tools = body.tools.map(convertTool)
  if (isRecord(body.tool_choice)) {
    const choice = body.tool_choice
    if (choice.type === 'auto') request.tool_choice = 'auto'
    else if (choice.type === 'any') request.tool_choice = 'required'
    else if (choice.type === 'none') request.tool_choice = 'none'
    else if (choice.type === 'tool') request.tool_choice = { type: 'function', function: { name: choice.name } }
    if (choice.disable_parallel_tool_use === true) request.parallel_tool_calls = false
  }
  if (isRecord(body.output_format) && body.output_format.type === 'json_schema') {
    request.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: body.output_format.schema, strict: true } }
  }
  return request
}

function convertUserTurn(content: unknown, param: string): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }]
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of blocks`, param)
  const toolMessages: ChatMessage[] = []
  const parts: JsonObject[] = []
  content.forEach((block, blockIndex) => {
    const blockParam = `${param}.content[${blockIndex}]`
    if (!isRecord(block)) throw new ConversionError('invalid_content', `${blockParam} must be an object`, blockParam)
    if (block.type === 'tool_result') {
      const { text, media } = convertToolResultContent(block.content, blockParam)
      const tool: ChatMessage = { role: 'tool', tool_call_id: String(block.tool_use_id), content: text }
      if (block.is_error === true) tool.is_error = true
      toolMessages.push(tool)
      parts.push(...media)
      return
    }
    parts.push(convertUserBlock(block, blockParam))
  })
  const messages = toolMessages
  if (parts.length > 0) {
    const onlyText = parts.every((part) => part.type === 'text')
    messages.push({ role: 'user', content: onlyText && parts.length === 1 ? parts[0].text : parts })
  }
  return messages
}

function convertUserBlock(block: JsonObject, param: string): JsonObject {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text }
    case 'image': {
      const source = isRecord(block.source) ? block.source : {}
      if (source.type === 'base64') return { type: 'image_url', image_url: { url: toDataUrl(String(source.media_type), String(source.data)) } }
      if (source.type === 'url') return { type: 'image_url', image_url: { url: source.url } }
      throw new ConversionError('unsupported_content', `${param}: image source "${String(source.type)}" exists only at Anthropic`, param)
    }
    case 'document': {
      const source = isRecord(block.source) ? block.source : {}
      if (source.type === 'base64') {
        return { type: 'file', file: { file_data: toDataUrl(String(source.media_type), String(source.data)), filename: typeof block.title === 'string' ? block.title : 'document.pdf' } }
      }
      if (source.type === 'text') return { type: 'text', text: source.data }
      throw new ConversionError('unsupported_content', `${param}: document source "${String(source.type)}" exists only at Anthropic`, param)
    }
    default:
      throw new ConversionError('unsupported_content', `${param}: block type "${String(block.type)}" exists only at Anthropic and cannot be sent to this channel`, param)
  }
}

function convertToolResultContent(content: unknown, param: string): { text: string; media: JsonObject[] } {
  if (content === undefined || content === null) return { text: '', media: [] }
  if (typeof content === 'string') return { text: content, media: [] }
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of blocks`, param)
  let text = ''
  const media: JsonObject[] = []
  content.forEach((block, blockIndex) => {
    const blockParam = `${param}.content[${blockIndex}]`
    if (isRecord(block) && block.type === 'text') text += (text.length > 0 ? '\n' : '') + String(block.text)
    else if (isRecord(block)) media.push(convertUserBlock(block, blockParam))
  })
  return { text, media }
}

function convertAssistantTurn(content: unknown, param: string): ChatMessage {
  if (typeof content === 'string') return { role: 'assistant', content }
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of blocks`, param)
  return convertAnthropicAssistantContent(content, (block, blockIndex) => {
    const blockParam = `${param}.content[${blockIndex}]`
    if (!isRecord(block)) throw new ConversionError('invalid_content', `${blockParam} must be an object`, blockParam)
    throw new ConversionError('unsupported_content', `${blockParam}: block type "${String(block.type)}" exists only at Anthropic and cannot be sent to this channel`, blockParam)
  })
}

function convertTool(tool: unknown, toolIndex: number): JsonObject {
  const param = `tools[${toolIndex}]`
  if (!isRecord(tool)) throw new ConversionError('invalid_tool', `${param} must be an object`, param)
  if ((tool.type === undefined || tool.type === 'custom') && isRecord(tool.input_schema)) {
    const definition: JsonObject = { name: tool.name, parameters: tool.input_schema }
    if (typeof tool.description === 'string') definition.description = tool.description
    return { type: 'function', function: definition }
  }
  throw new ConversionError('unsupported_tool', `${param}: server tool "${String(tool.type ?? tool.name)}" runs only at Anthropic and cannot be sent to this channel`, param)
}
