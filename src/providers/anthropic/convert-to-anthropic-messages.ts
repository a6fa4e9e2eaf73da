import {
  assertSingleChoice, budgetForEffort, isRecord, maxOutputTokens, parseDataUrl, parseToolArguments, stopSequences, textOfContent,
} from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/** Image media types the Messages API accepts. */
const anthropicImageTypes = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp'])
const toolNamePattern = /^[a-zA-Z0-9_-]{1,128}$/

/** Output budget when the client gave none (Messages requires max_tokens); Claude 3.0 models cap at 4096. */
export function defaultAnthropicMaxTokens(model: string, setting: Record<string, unknown>): number {
  const configured = setting.anthropicDefaultMaxTokens
  if (typeof configured === 'number' && configured > 0) return configured
  return /^claude-3-(opus|sonnet|haiku)-2024/.test(model) ? 4096 : 8192
}

/**
 * Canonical (OpenAI Chat) request → Anthropic Messages request.
 *
 * - system and developer messages (wherever they are) become the top-level `system` blocks, in order;
 * - tool messages become `tool_result` blocks of a user turn; consecutive same-role turns are merged, as the
 *   Messages API wants strictly alternating turns;
 * - images: base64 data URLs of jpeg/png/gif/webp, or http(s) URLs; other types are refused by name;
 * - reasoning: `thinking_budget` (exact) or `reasoning_effort` → `thinking.budget_tokens`; earlier assistant turns
 *   keep their signed `thinking_blocks`; reasoning text without a signature is not sent (Anthropic only accepts
 *   signed thinking, and ignores earlier turns' thinking anyway);
 * - not expressible and refused: n > 1, audio input, OpenAI file ids, tool schemas whose root is not an object.
 * `response_format` has no Messages equivalent and is not sent.
 */
export function convertToAnthropicRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Anthropic Messages')
  const system: JsonObject[] = []
  const messages: { role: 'user' | 'assistant'; content: JsonObject[] }[] = []

  function append(role: 'user' | 'assistant', blocks: JsonObject[]): void {
    if (blocks.length === 0) return
    const last = messages[messages.length - 1]
    if (last !== undefined && last.role === role) last.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }

  request.messages.forEach((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...convertSystemContent(message.content, param))
        break
      case 'user':
        append('user', convertUserContent(message.content, param))
        break
      case 'assistant':
        append('assistant', convertAssistantMessage(message, param))
        break
      case 'tool': {
        if (typeof message.tool_call_id !== 'string') throw new ConversionError('invalid_tool_result', `${param}.tool_call_id is required`, param)
        const text = textOfContent(message.content)
        const result: JsonObject = {
          type: 'tool_result',
          tool_use_id: message.tool_call_id,
          content: text ?? convertUserContent(message.content, param),
        }
        if (message.is_error === true) result.is_error = true
        append('user', [result])
        break
      }
      default:
        throw new ConversionError('unsupported_role', `${param}: role "${message.role}" cannot be sent to Anthropic`, param)
    }
  })

  const native: JsonObject = { model: target.model, messages }
  if (system.length > 0) native.system = system
  let maxTokens = maxOutputTokens(request) ?? defaultAnthropicMaxTokens(target.model, target.setting)

  const budget = typeof request.thinking_budget === 'number'
    ? request.thinking_budget
    : typeof request.reasoning_effort === 'string' && request.reasoning_effort !== 'none'
      ? budgetForEffort(request.reasoning_effort)
      : 0
  if (budget > 0) {
    const budgetTokens = Math.max(1024, budget)
    // max_tokens must exceed the budget; the client's limit was meant for the visible answer.
    if (maxTokens <= budgetTokens) maxTokens += budgetTokens
    native.thinking = { type: 'enabled', budget_tokens: budgetTokens }
  } else {
    // Thinking forbids sampling overrides, so these are only sent without it.
    if (typeof request.temperature === 'number') native.temperature = Math.min(1, request.temperature)
    if (typeof request.top_k === 'number') native.top_k = request.top_k
  }
  if (typeof request.top_p === 'number' && budget === 0) native.top_p = request.top_p
  native.max_tokens = maxTokens
  const stop = stopSequences(request)
  if (stop !== undefined && stop.length > 0) native.stop_sequences = stop
  if (typeof request.user === 'string') native.metadata = { user_id: request.user }
  if (target.stream) native.stream = true

  if (Array.isArray(request.tools) && request.tools.length > 0) native.tools = request.tools.map(convertTool)
  const toolChoice = convertToolChoice(request.tool_choice, request.parallel_tool_calls)
  if (toolChoice !== undefined) native.tool_choice = toolChoice
  return native
}

function convertSystemContent(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : []
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  return content.map((part, partIndex) => {
    if (!isRecord(part) || part.type !== 'text') {
      throw new ConversionError('unsupported_content', `${param}.content[${partIndex}]: a system message may only hold text`, param)
    }
    const block: JsonObject = { type: 'text', text: part.text }
    if (part.cache_control !== undefined) block.cache_control = part.cache_control
    return block
  })
}

function convertUserContent(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : []
  if (content === null || content === undefined) return []
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  const blocks: JsonObject[] = []
  content.forEach((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    let block: JsonObject
    switch (part.type) {
      case 'text':
        if (typeof part.text !== 'string') throw new ConversionError('invalid_content', `${partParam}.text must be a string`, partParam)
        if (part.text.length === 0) return
        block = { type: 'text', text: part.text }
        break
      case 'image_url':
        block = convertImage(part, partParam)
        break
      case 'file':
        block = convertFile(part, partParam)
        break
      case 'input_audio':
        throw new ConversionError('unsupported_content', `${partParam}: Anthropic does not accept audio input`, partParam)
      default:
        throw new ConversionError('unsupported_content', `${partParam}: content type "${String(part.type)}" cannot be sent to Anthropic`, partParam)
    }
    if (part.cache_control !== undefined) block.cache_control = part.cache_control
    blocks.push(block)
  })
  return blocks
}

function convertImage(part: JsonObject, param: string): JsonObject {
  const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
  if (typeof url !== 'string') throw new ConversionError('invalid_content', `${param}.image_url.url is required`, param)
  const data = parseDataUrl(url)
  if (data !== null) {
    if (!anthropicImageTypes.has(data.mediaType)) {
      throw new ConversionError('unsupported_image_type', `${param}: Anthropic accepts image/jpeg, image/png, image/gif and image/webp, not ${data.mediaType}`, param)
    }
    return { type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.data } }
  }
  if (url.startsWith('https://') || url.startsWith('http://')) return { type: 'image', source: { type: 'url', url } }
  throw new ConversionError('unsupported_image_type', `${param}: an image must be a base64 data URL or an http(s) URL`, param)
}

function convertFile(part: JsonObject, param: string): JsonObject {
  const file = isRecord(part.file) ? part.file : {}
  if (typeof file.file_data !== 'string') {
    throw new ConversionError('unsupported_content', `${param}: Anthropic needs the file's data; OpenAI file ids cannot be sent there`, param)
  }
  const data = parseDataUrl(file.file_data)
  if (data === null) throw new ConversionError('invalid_content', `${param}.file.file_data must be a base64 data URL`, param)
  const block: JsonObject = data.mediaType === 'application/pdf'
    ? { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data.data } }
    : data.mediaType === 'text/plain'
      ? { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data.data, 'base64').toString('utf8') } }
      : (() => { throw new ConversionError('unsupported_content', `${param}: Anthropic documents must be application/pdf or text/plain, not ${data.mediaType}`, param) })()
  if (typeof file.filename === 'string') block.title = file.filename
  return block
}

function convertAssistantMessage(message: Record<string, unknown>, param: string): JsonObject[] {
  const blocks: JsonObject[] = []
  for (const thinking of Array.isArray(message.thinking_blocks) ? message.thinking_blocks : []) {
    if (!isRecord(thinking)) continue
    if (thinking.type === 'thinking' && typeof thinking.signature === 'string' && thinking.signature.length > 0) {
      blocks.push({ type: 'thinking', thinking: thinking.thinking ?? '', signature: thinking.signature })
    } else if (thinking.type === 'redacted_thinking' && typeof thinking.data === 'string') {
      blocks.push({ type: 'redacted_thinking', data: thinking.data })
    }
  }
  const content = message.content
  if (typeof content === 'string') {
    if (content.length > 0) blocks.push({ type: 'text', text: content })
  } else if (Array.isArray(content)) {
    content.forEach((part, partIndex) => {
      if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') {
        if (part.text.length > 0) blocks.push({ type: 'text', text: part.text })
      } else if (isRecord(part) && part.type === 'refusal' && typeof part.refusal === 'string') {
        blocks.push({ type: 'text', text: part.refusal })
      } else {
        throw new ConversionError('unsupported_content', `${param}.content[${partIndex}]: assistant content may only hold text`, param)
      }
    })
  }
  for (const [callIndex, call] of (Array.isArray(message.tool_calls) ? message.tool_calls : []).entries()) {
    const callParam = `${param}.tool_calls[${callIndex}]`
    if (!isRecord(call) || !isRecord(call.function) || typeof call.id !== 'string') {
      throw new ConversionError('invalid_tool_call', `${callParam} needs an id and a function`, callParam)
    }
    blocks.push({
      type: 'tool_use',
      id: call.id,
      name: call.function.name,
      input: parseToolArguments(call.function.arguments, `${callParam}.function.arguments`),
    })
  }
  return blocks
}

function convertTool(tool: unknown, toolIndex: number): JsonObject {
  const param = `tools[${toolIndex}]`
  if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
    throw new ConversionError('unsupported_tool', `${param}: only function tools can be sent to Anthropic`, param)
  }
  const name = tool.function.name
  if (typeof name !== 'string' || !toolNamePattern.test(name)) {
    throw new ConversionError('unsupported_tool_schema', `${param}: Anthropic tool names must match ^[a-zA-Z0-9_-]{1,128}$, got ${JSON.stringify(name)}`, param)
  }
  const parameters = tool.function.parameters ?? { type: 'object', properties: {} }
  if (!isRecord(parameters) || (parameters.type !== undefined && parameters.type !== 'object')) {
    throw new ConversionError('unsupported_tool_schema', `${param}: Anthropic tool input_schema must be a JSON Schema of type "object"`, param)
  }
  const converted: JsonObject = { name, input_schema: parameters.type === undefined ? { type: 'object', ...parameters } : parameters }
  if (typeof tool.function.description === 'string') converted.description = tool.function.description
  if (tool.cache_control !== undefined) converted.cache_control = tool.cache_control
  return converted
}

function convertToolChoice(choice: unknown, parallelToolCalls: unknown): JsonObject | undefined {
  let converted: JsonObject | undefined
  if (choice === undefined || choice === null) converted = parallelToolCalls === false ? { type: 'auto' } : undefined
  else if (choice === 'auto') converted = { type: 'auto' }
  else if (choice === 'required') converted = { type: 'any' }
  else if (choice === 'none') converted = { type: 'none' }
  else if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function)) converted = { type: 'tool', name: choice.function.name }
  else throw new ConversionError('invalid_tool_choice', 'tool_choice must be "auto", "none", "required" or name a function', 'tool_choice')
  if (converted !== undefined && parallelToolCalls === false && converted.type !== 'none') converted.disable_parallel_tool_use = true
  return converted
}
