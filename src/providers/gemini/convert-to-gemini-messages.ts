import { budgetForEffort, guessMediaTypeFromUrl, isRecord, maxOutputTokens, parseDataUrl, parseToolArguments, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'
import { convertToGeminiSchema } from './convert-to-gemini-schema.ts'

/** Image types Gemini reads (it refuses gif and bmp). */
const geminiImageTypes = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'])
const safetyCategories = [
  'HARM_CATEGORY_HARASSMENT', 'HARM_CATEGORY_HATE_SPEECH', 'HARM_CATEGORY_SEXUALLY_EXPLICIT',
  'HARM_CATEGORY_DANGEROUS_CONTENT', 'HARM_CATEGORY_CIVIC_INTEGRITY',
]

/**
 * Google's documented placeholder for a function call whose thought signature is unknown (history written by
 * another model or client). Gemini 3 refuses a function call in the current turn without a signature.
 */
export const placeholderThoughtSignature = 'skip_thought_signature_validator'

/** Gemini 3 and later validate thought signatures; 1.x, 2.x and Gemma do not. */
export function requiresThoughtSignatures(model: string): boolean {
  return /gemini-/.test(model) && !/gemini-(1|2)[.-]/.test(model)
}

/**
 * Canonical (OpenAI Chat) request → Gemini generateContent request.
 *
 * - system/developer messages → systemInstruction; assistant → role "model"; tool results → functionResponse
 *   parts of a user turn (the function name is looked up from the matching earlier tool call);
 * - images: data URLs of png/jpeg/webp/heic/heif → inlineData; http(s) URLs → fileData (Gemini fetches them);
 *   gif/bmp are refused by name; audio (wav/mp3) and PDF data URLs → inlineData;
 * - function calls keep their thought signature (`extra_content.google.thought_signature`); Gemini 3 gets the
 *   documented placeholder when history has none;
 * - reasoning: `thinking_budget` → thinkingBudget; `reasoning_effort` → thinkingLevel (Gemini 3) or
 *   thinkingBudget (2.5); both with includeThoughts so reasoning reaches the client;
 * - safety settings default to BLOCK_NONE for every category (`target.setting.geminiSafetySetting` overrides).
 */
export function convertToGeminiRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  const systemParts: JsonObject[] = []
  const contents: { role: 'user' | 'model'; parts: JsonObject[] }[] = []
  const toolNameById = new Map<string, string>()
  const signatures = requiresThoughtSignatures(target.model)

  function append(role: 'user' | 'model', parts: JsonObject[]): void {
    if (parts.length === 0) return
    const last = contents[contents.length - 1]
    if (last !== undefined && last.role === role) last.parts.push(...parts)
    else contents.push({ role, parts })
  }

  request.messages.forEach((message, messageIndex) => {
    const param = `messages[${messageIndex}]`
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = systemText(message, param)
        if (text.length > 0) systemParts.push({ text })
        break
      }
      case 'user':
        append('user', convertUserParts(message.content, param))
        break
      case 'assistant': {
        const parts: JsonObject[] = []
        const text = textOfContent(message.content)
        if (text === null) throw new ConversionError('unsupported_content', `${param}: assistant content may only hold text`, param)
        if (text.length > 0) parts.push({ text })
        let firstCall = true
        for (const [callIndex, call] of (Array.isArray(message.tool_calls) ? message.tool_calls : []).entries()) {
          const callParam = `${param}.tool_calls[${callIndex}]`
          if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string') {
            throw new ConversionError('invalid_tool_call', `${callParam} needs a function name`, callParam)
          }
          if (typeof call.id === 'string') toolNameById.set(call.id, call.function.name)
          const part: JsonObject = { functionCall: { name: call.function.name, args: parseToolArguments(call.function.arguments, `${callParam}.function.arguments`) } }
          const google = isRecord(call.extra_content) && isRecord(call.extra_content.google) ? call.extra_content.google : {}
          if (typeof google.thought_signature === 'string') part.thoughtSignature = google.thought_signature
          else if (signatures && firstCall) part.thoughtSignature = placeholderThoughtSignature
          firstCall = false
          parts.push(part)
        }
        append('model', parts)
        break
      }
      case 'tool': {
        const callId = message.tool_call_id
        const name = typeof callId === 'string' ? toolNameById.get(callId) : undefined
        if (name === undefined) {
          throw new ConversionError('invalid_tool_result', `${param}: tool_call_id ${JSON.stringify(callId)} matches no earlier tool call, so Gemini cannot name the function`, param)
        }
        append('user', convertToolResult(name, message.content, param))
        break
      }
      default:
        throw new ConversionError('unsupported_role', `${param}: role "${message.role}" cannot be sent to Gemini`, param)
    }
  })

  const native: JsonObject = { contents }
  if (systemParts.length > 0) native.systemInstruction = { parts: systemParts }

  const generationConfig: JsonObject = {}
  if (typeof request.temperature === 'number') generationConfig.temperature = request.temperature
  if (typeof request.top_p === 'number') generationConfig.topP = request.top_p
  if (typeof request.top_k === 'number') generationConfig.topK = request.top_k
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) generationConfig.maxOutputTokens = maxTokens
  const stop = stopSequences(request)
  if (stop !== undefined && stop.length > 0) generationConfig.stopSequences = stop
  if (typeof request.n === 'number' && request.n > 1) generationConfig.candidateCount = request.n
  if (typeof request.presence_penalty === 'number') generationConfig.presencePenalty = request.presence_penalty
  if (typeof request.frequency_penalty === 'number') generationConfig.frequencyPenalty = request.frequency_penalty
  if (typeof request.seed === 'number') generationConfig.seed = request.seed
  Object.assign(generationConfig, convertResponseFormat(request.response_format))
  const thinkingConfig = convertThinking(request, target.model)
  if (thinkingConfig !== undefined) generationConfig.thinkingConfig = thinkingConfig
  if (Object.keys(generationConfig).length > 0) native.generationConfig = generationConfig

  const threshold = typeof target.setting.geminiSafetySetting === 'string' ? target.setting.geminiSafetySetting : 'BLOCK_NONE'
  native.safetySettings = safetyCategories.map((category) => ({ category, threshold }))

  if (Array.isArray(request.tools) && request.tools.length > 0) {
    native.tools = [{ functionDeclarations: request.tools.map(convertTool) }]
  }
  // A function-calling mode without declarations is meaningless to Gemini, so it is only sent with tools.
  const toolConfig = convertToolChoice(request.tool_choice)
  if (toolConfig !== undefined && native.tools !== undefined) native.toolConfig = toolConfig
  return native
}

function convertUserParts(content: unknown, param: string): JsonObject[] {
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : []
  if (content === null || content === undefined) return []
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, param)
  const parts: JsonObject[] = []
  content.forEach((part, partIndex) => {
    const partParam = `${param}.content[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    switch (part.type) {
      case 'text':
        if (typeof part.text === 'string' && part.text.length > 0) parts.push({ text: part.text })
        break
      case 'image_url': {
        const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
        if (typeof url !== 'string') throw new ConversionError('invalid_content', `${partParam}.image_url.url is required`, partParam)
        const data = parseDataUrl(url)
        if (data !== null) {
          if (!geminiImageTypes.has(data.mediaType)) {
            throw new ConversionError('unsupported_image_type', `${partParam}: Gemini accepts png, jpeg, webp, heic and heif images, not ${data.mediaType}`, partParam)
          }
          parts.push({ inlineData: { mimeType: data.mediaType, data: data.data } })
        } else if (url.startsWith('https://') || url.startsWith('http://') || url.startsWith('gs://')) {
          const mimeType = guessMediaTypeFromUrl(url) ?? 'image/jpeg'
          if (mimeType.startsWith('image/') && !geminiImageTypes.has(mimeType)) {
            throw new ConversionError('unsupported_image_type', `${partParam}: Gemini accepts png, jpeg, webp, heic and heif images, not ${mimeType}`, partParam)
          }
          parts.push({ fileData: { mimeType, fileUri: url } })
        } else {
          throw new ConversionError('unsupported_image_type', `${partParam}: an image must be a base64 data URL or an http(s) URL`, partParam)
        }
        break
      }
      case 'input_audio': {
        const audio = isRecord(part.input_audio) ? part.input_audio : {}
        if (typeof audio.data !== 'string') throw new ConversionError('invalid_content', `${partParam}.input_audio.data is required`, partParam)
        const format = typeof audio.format === 'string' ? audio.format : 'wav'
        parts.push({ inlineData: { mimeType: `audio/${format === 'mp3' ? 'mp3' : format}`, data: audio.data } })
        break
      }
      case 'file': {
        const file = isRecord(part.file) ? part.file : {}
        const data = typeof file.file_data === 'string' ? parseDataUrl(file.file_data) : null
        if (data === null) {
          throw new ConversionError('unsupported_content', `${partParam}: Gemini needs the file's data as a base64 data URL; OpenAI file ids cannot be sent there`, partParam)
        }
        parts.push({ inlineData: { mimeType: data.mediaType, data: data.data } })
        break
      }
      default:
        throw new ConversionError('unsupported_content', `${partParam}: content type "${String(part.type)}" cannot be sent to Gemini`, partParam)
    }
  })
  return parts
}

/** A tool result → functionResponse; JSON object results are sent as structure, anything else under `content`. */
function convertToolResult(name: string, content: unknown, param: string): JsonObject[] {
  const text = textOfContent(content)
  if (text === null) {
    // Text plus media: the text is the response, the media follow as parts of the same user turn.
    const parts = convertUserParts(content, param)
    const texts = parts.filter((part) => typeof part.text === 'string').map((part) => part.text).join('')
    return [{ functionResponse: { name, response: { content: texts } } }, ...parts.filter((part) => part.text === undefined)]
  }
  let response: JsonObject = { content: text }
  try {
    const parsed: unknown = JSON.parse(text)
    if (isRecord(parsed)) response = parsed
  } catch {
    // plain text result
  }
  return [{ functionResponse: { name, response } }]
}

function convertTool(tool: unknown, toolIndex: number): JsonObject {
  const param = `tools[${toolIndex}]`
  if (!isRecord(tool) || tool.type !== 'function' || !isRecord(tool.function)) {
    throw new ConversionError('unsupported_tool', `${param}: only function tools can be sent to Gemini`, param)
  }
  const declaration: JsonObject = { name: tool.function.name }
  if (typeof tool.function.description === 'string') declaration.description = tool.function.description
  const parameters = tool.function.parameters
  if (parameters !== undefined && parameters !== null) {
    const schema = convertToGeminiSchema(parameters, `${param}.function.parameters`)
    // Gemini refuses an OBJECT schema without properties, which is how clients describe a tool without arguments.
    const empty = schema.type === 'object' && (!isRecord(schema.properties) || Object.keys(schema.properties).length === 0)
    if (!empty) declaration.parameters = schema
  }
  return declaration
}

function convertToolChoice(choice: unknown): JsonObject | undefined {
  if (choice === undefined || choice === null) return undefined
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } }
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } }
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } }
  if (isRecord(choice) && choice.type === 'function' && isRecord(choice.function)) {
    return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } }
  }
  throw new ConversionError('invalid_tool_choice', 'tool_choice must be "auto", "none", "required" or name a function', 'tool_choice')
}

function convertResponseFormat(format: unknown): JsonObject {
  if (!isRecord(format) || format.type === 'text') return {}
  if (format.type === 'json_object') return { responseMimeType: 'application/json' }
  if (format.type === 'json_schema' && isRecord(format.json_schema)) {
    const schema = format.json_schema.schema
    return isRecord(schema)
      ? { responseMimeType: 'application/json', responseSchema: convertToGeminiSchema(schema, 'response_format.json_schema.schema') }
      : { responseMimeType: 'application/json' }
  }
  throw new ConversionError('unsupported_parameter', `response_format type "${String(format.type)}" is not supported by Gemini`, 'response_format')
}

function convertThinking(request: ChatRequest, model: string): JsonObject | undefined {
  if (typeof request.thinking_budget === 'number') {
    return { thinkingBudget: request.thinking_budget, includeThoughts: request.thinking_budget !== 0 }
  }
  const effort = request.reasoning_effort
  if (typeof effort !== 'string') return undefined
  const gemini3 = requiresThoughtSignatures(model)
  if (effort === 'none') return gemini3 ? { thinkingLevel: 'low' } : { thinkingBudget: 0 }
  if (gemini3) return { thinkingLevel: effort, includeThoughts: true }
  return { thinkingBudget: budgetForEffort(effort), includeThoughts: true }
}
