import { assertSingleChoice, budgetForEffort, isRecord, maxOutputTokens, parseDataUrl, parseToolArguments, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest } from '../types.ts'

const imageFormats: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' }
const documentFormats: Record<string, string> = {
  'application/pdf': 'pdf', 'text/plain': 'txt', 'text/csv': 'csv', 'text/html': 'html', 'text/markdown': 'md',
  'application/msword': 'doc', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
}

/**
 * Canonical (OpenAI Chat) request → Bedrock Converse request.
 * Content travels as bytes: images must be data URLs (Converse cannot fetch http URLs; they are refused by name),
 * files become `document` blocks. Tool results become `toolResult` blocks of a user turn (status "error" when the
 * tool failed); reasoning budget goes to `additionalModelRequestFields.thinking` (Claude on Bedrock), and earlier
 * signed thinking is replayed as `reasoningContent`. tool_choice "none" has no Converse equivalent (Converse wants
 * the tool list whenever history holds tool calls), so it is sent as auto.
 */
export function convertToBedrockRequest(request: ChatRequest): JsonObject {
  assertSingleChoice(request, 'Bedrock Converse')
  const system: JsonObject[] = []
  const messages: { role: 'user' | 'assistant'; content: JsonObject[] }[] = []
  const append = (role: 'user' | 'assistant', blocks: JsonObject[]) => {
    if (blocks.length === 0) return
    const last = messages[messages.length - 1]
    if (last !== undefined && last.role === role) last.content.push(...blocks)
    else messages.push({ role, content: blocks })
  }

  request.messages.forEach((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message, param)
        if (text.length > 0) system.push({ text })
        break
      }
      case 'user':
        append('user', convertUserContent(message.content, param))
        break
      case 'assistant': {
        const blocks: JsonObject[] = []
        for (const thinking of Array.isArray(message.thinking_blocks) ? message.thinking_blocks : []) {
          if (isRecord(thinking) && thinking.type === 'thinking' && typeof thinking.signature === 'string' && thinking.signature.length > 0) {
            blocks.push({ reasoningContent: { reasoningText: { text: thinking.thinking ?? '', signature: thinking.signature } } })
          } else if (isRecord(thinking) && thinking.type === 'redacted_thinking' && typeof thinking.data === 'string') {
            blocks.push({ reasoningContent: { redactedContent: thinking.data } })
          }
        }
        const text = textOfContent(message.content)
        if (text === null) throw new ConversionError('unsupported_content', `${param}: assistant content may only hold text`, param)
        if (text.length > 0) blocks.push({ text })
        for (const [callIndex, call] of (Array.isArray(message.tool_calls) ? message.tool_calls : []).entries()) {
          const callParam = `${param}.tool_calls[${callIndex}]`
          if (!isRecord(call) || !isRecord(call.function) || typeof call.id !== 'string') {
            throw new ConversionError('invalid_tool_call', `${callParam} needs an id and a function`, callParam)
          }
          blocks.push({ toolUse: { toolUseId: call.id, name: call.function.name, input: parseToolArguments(call.function.arguments, `${callParam}.function.arguments`) } })
        }
        append('assistant', blocks)
        break
      }
      case 'tool': {
        const text = textOfContent(message.content)
        const content = text !== null ? [{ text }] : convertUserContent(message.content, param)
        const result: JsonObject = { toolUseId: String(message.tool_call_id), content }
        if (message.is_error === true) result.status = 'error'
        append('user', [{ toolResult: result }])
        break
      }
      default:
        throw new ConversionError('unsupported_role', `${param}: role "${message.role}" cannot be sent to Bedrock`, param)
    }
  })

  const native: JsonObject = { messages }
  if (system.length > 0) native.system = system
  const inferenceConfig: JsonObject = {}
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) inferenceConfig.maxTokens = maxTokens
  if (typeof request.temperature === 'number') inferenceConfig.temperature = request.temperature
  if (typeof request.top_p === 'number') inferenceConfig.topP = request.top_p
  const stop = stopSequences(request)
  if (stop !== undefined && stop.length > 0) inferenceConfig.stopSequences = stop
  const additional: JsonObject = {}
  if (typeof request.top_k === 'number') additional.top_k = request.top_k
  const budget = typeof request.thinking_budget === 'number'
    ? request.thinking_budget
    : typeof request.reasoning_effort === 'string' && request.reasoning_effort !== 'none' ? budgetForEffort(request.reasoning_effort) : 0
  if (budget > 0) {
    additional.thinking = { type: 'enabled', budget_tokens: Math.max(1024, budget) }
    // As at Anthropic: the output limit must leave room above the thinking budget, and sampling overrides are refused.
    const floor = Math.max(1024, budget)
    if (typeof inferenceConfig.maxTokens !== 'number' || inferenceConfig.maxTokens <= floor) inferenceConfig.maxTokens = floor + (typeof inferenceConfig.maxTokens === 'number' ? inferenceConfig.maxTokens : 4096)
    delete inferenceConfig.temperature
    delete inferenceConfig.topP
    delete additional.top_k
  }
  if (Object.keys(inferenceConfig).length > 0) native.inferenceConfig = inferenceConfig
  if (Object.keys(additional).length > 0) native.additionalModelRequestFields = additional

  if (Array.isArray(request.tools) && request.tools.length > 0) {
    const toolConfig: JsonObject = {
      tools: request.tools.map((tool, toolIndex) => {
        if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
          throw new ConversionError('unsupported_tool', `tools[${toolIndex}]: only function tools can be sent to Bedrock`, `tools[${toolIndex}]`)
        }
        const spec: JsonObject = { name: tool.function.name, inputSchema: { json: tool.function.parameters ?? { type: 'object', properties: {} } } }
        if (typeof tool.function.description === 'string') spec.description = tool.function.description
        return { toolSpec: spec }
      }),
    }
    const choice = request.tool_choice
    if (choice === 'required') toolConfig.toolChoice = { any: {} }
    else if (choice === 'auto') toolConfig.toolChoice = { auto: {} }
    else if (isRecord(choice) && isRecord(choice.function)) toolConfig.toolChoice = { tool: { name: choice.function.name } }
    native.toolConfig = toolConfig
  }
  return native
}

function convertUserContent(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : []
  if (content === null || content === undefined) return []
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  const blocks: JsonObject[] = []
  content.forEach((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    if (part.type === 'text') {
      if (typeof part.text === 'string' && part.text.length > 0) blocks.push({ text: part.text })
    } else if (part.type === 'image_url') {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
      const data = typeof url === 'string' ? parseDataUrl(url) : null
      if (data === null) throw new ConversionError('unsupported_image_type', `${partParam}: Bedrock needs image bytes (a base64 data URL); it cannot fetch image URLs`, partParam)
      const format = imageFormats[data.mediaType]
      if (format === undefined) throw new ConversionError('unsupported_image_type', `${partParam}: Bedrock accepts png, jpeg, gif and webp images, not ${data.mediaType}`, partParam)
      blocks.push({ image: { format, source: { bytes: data.data } } })
    } else if (part.type === 'file') {
      const file = isRecord(part.file) ? part.file : {}
      const data = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : null
      if (data === null) throw new ConversionError('unsupported_content', `${partParam}: Bedrock needs the file's data as a base64 data URL`, partParam)
      const format = documentFormats[data.mediaType]
      if (format === undefined) throw new ConversionError('unsupported_content', `${partParam}: Bedrock documents cannot be ${data.mediaType}`, partParam)
      // Converse document names allow letters, digits, spaces, hyphens, parentheses and brackets only.
      const name = (typeof file.filename === 'string' ? file.filename.replace(/\.[^.]+$/, '') : 'document').replace(/[^a-zA-Z0-9 \-()[\]]/g, ' ').trim() || 'document'
      blocks.push({ document: { format, name, source: { bytes: data.data } } })
    } else {
      throw new ConversionError('unsupported_content', `${partParam}: content type "${String(part.type)}" cannot be sent to Bedrock`, partParam)
    }
  })
  return blocks
}

/** Signing material from a channel key: `accessKeyId|secretAccessKey|region[|sessionToken]` or `apiKey|region`. */
export function parseBedrockKey(key: string): { region: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; apiKey?: string } {
  const parts = key.split('|').map((part) => part.trim())
  if (parts.length >= 3 && parts.every((part) => part.length > 0)) {
    return { region: parts[2], credentials: { accessKeyId: parts[0], secretAccessKey: parts[1], sessionToken: parts[3] } }
  }
  if (parts.length === 2 && parts[0].length > 0 && parts[1].length > 0) return { region: parts[1], apiKey: parts[0] }
  throw new Error('Bedrock channel key must be "accessKeyId|secretAccessKey|region" (optionally "|sessionToken") or "apiKey|region"')
}
