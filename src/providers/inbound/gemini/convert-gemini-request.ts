import { effortForBudget, isRecord, toDataUrl } from '../../canonical.ts'
import type { CanonicalToolCall, JsonObject } from '../../canonical.ts'
import { ConversionError } from '../../errors.ts'
import type { ChatMessage, ChatRequest } from '../../types.ts'

/**
 * Gemini Schema (OpenAPI subset, `type` often upper-case: OBJECT, STRING) → JSON Schema for OpenAI tools.
 * `nullable: true` becomes a `[type, "null"]` union.
 */
export function convertGeminiSchemaToJsonSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(convertGeminiSchemaToJsonSchema)
  if (!isRecord(schema)) return schema
  const result: JsonObject = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword === 'type' && typeof value === 'string') result.type = value.toLowerCase()
    else if (keyword === 'nullable' || keyword === 'propertyOrdering') continue
    else if (keyword === 'properties' && isRecord(value)) {
      result.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, convertGeminiSchemaToJsonSchema(property)]))
    } else if (keyword === 'items' || keyword === 'anyOf') result[keyword] = convertGeminiSchemaToJsonSchema(value)
    else result[keyword] = value
  }
  if (schema.nullable === true && typeof result.type === 'string') result.type = [result.type, 'null']
  return result
}

/** Inline audio formats OpenAI Chat's input_audio accepts. */
const audioFormats: Record<string, string> = { 'audio/wav': 'wav', 'audio/x-wav': 'wav', 'audio/mp3': 'mp3', 'audio/mpeg': 'mp3' }

/**
 * Gemini generateContent request → canonical (OpenAI Chat) request. The model and the stream flag are in the
 * URL, not the body: the relay sets `model` (and `stream`) on the result, or passes `model` in the body.
 *
 * - systemInstruction → system message; role "model" → assistant; functionResponse parts → tool messages
 *   (matched to the earlier call by id, else by name in call order); function calls keep thought signatures;
 * - inlineData images/PDF → image_url/file parts, wav/mp3 → input_audio, http(s) image fileData → image_url;
 * - thinkingConfig.thinkingBudget → thinking_budget + nearest reasoning_effort; thinkingLevel → reasoning_effort;
 * - refused by name: Google-only tools (googleSearch, codeExecution, urlContext...), cachedContent, image
 *   output modalities, non-image fileData. safetySettings are Google policy knobs, not content, and are not sent.
 */
export function convertGeminiRequestToCanonical(body: JsonObject): ChatRequest {
  if (!Array.isArray(body.contents)) {
    throw new ConversionError('invalid_request_body', 'body is not a Gemini generateContent request: "contents" must be an array', 'contents')
  }
  if (body.cachedContent !== undefined) {
    throw new ConversionError('unsupported_parameter', 'cachedContent refers to a cache stored at Google and cannot be sent to this channel', 'cachedContent')
  }
  const messages: ChatMessage[] = []
  if (isRecord(body.systemInstruction)) {
    const parts = Array.isArray(body.systemInstruction.parts) ? body.systemInstruction.parts : []
    const text = parts.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('\n')
    if (text.length > 0) messages.push({ role: 'system', content: text })
  }

  // Calls of the latest model turn not yet answered, for matching functionResponse parts without ids.
  let openCalls: { id: string; name: string }[] = []
  body.contents.forEach((content, contentIndex) => {
    const param = `contents[${contentIndex}]`
    if (!isRecord(content)) throw new ConversionError('invalid_request_body', `${param} must be an object`, param)
    const parts = Array.isArray(content.parts) ? content.parts : []
    if (content.role === 'model') {
      const message = convertModelTurn(parts, contentIndex, param)
      openCalls = ((message.tool_calls ?? []) as CanonicalToolCall[]).map((call) => ({ id: call.id, name: call.function.name }))
      messages.push(message)
      return
    }
    const userParts: JsonObject[] = []
    parts.forEach((part, partIndex) => {
      const partParam = `${param}.parts[${partIndex}]`
      if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
      if (isRecord(part.functionResponse)) {
        const response = part.functionResponse
        let position = typeof response.id === 'string' ? openCalls.findIndex((call) => call.id === response.id) : -1
        if (position === -1) position = openCalls.findIndex((call) => call.name === response.name)
        const id = position === -1 ? (typeof response.id === 'string' ? response.id : undefined) : openCalls[position].id
        if (id === undefined) {
          throw new ConversionError('invalid_tool_result', `${partParam}: functionResponse "${String(response.name)}" answers no function call of the previous model turn`, partParam)
        }
        if (position !== -1) openCalls.splice(position, 1)
        messages.push({ role: 'tool', tool_call_id: id, content: JSON.stringify(response.response ?? {}) })
        return
      }
      const converted = convertUserPart(part, partParam)
      if (converted !== null) userParts.push(converted)
    })
    if (userParts.length > 0) {
      const onlyText = userParts.length === 1 && userParts[0].type === 'text'
      messages.push({ role: 'user', content: onlyText ? userParts[0].text : userParts })
    }
  })

  const request: ChatRequest = { model: typeof body.model === 'string' ? body.model : '', messages }
  const config = isRecord(body.generationConfig) ? body.generationConfig : {}
  if (typeof config.temperature === 'number') request.temperature = config.temperature
  if (typeof config.topP === 'number') request.top_p = config.topP
  if (typeof config.topK === 'number') request.top_k = config.topK
  if (typeof config.maxOutputTokens === 'number') request.max_tokens = config.maxOutputTokens
  if (Array.isArray(config.stopSequences) && config.stopSequences.length > 0) request.stop = config.stopSequences
  if (typeof config.candidateCount === 'number' && config.candidateCount > 1) request.n = config.candidateCount
  if (typeof config.presencePenalty === 'number') request.presence_penalty = config.presencePenalty
  if (typeof config.frequencyPenalty === 'number') request.frequency_penalty = config.frequencyPenalty
  if (typeof config.seed === 'number') request.seed = config.seed
  if (Array.isArray(config.responseModalities) && config.responseModalities.some((modality) => modality !== 'TEXT')) {
    throw new ConversionError('unsupported_parameter', `responseModalities ${JSON.stringify(config.responseModalities)}: this channel answers with text only`, 'generationConfig.responseModalities')
  }
  if (config.responseMimeType === 'application/json') {
    const schema = config.responseJsonSchema ?? config.responseSchema
    request.response_format = isRecord(schema)
      ? { type: 'json_schema', json_schema: { name: 'response', schema: convertGeminiSchemaToJsonSchema(schema) } }
      : { type: 'json_object' }
  }
  if (isRecord(config.thinkingConfig)) {
    const thinking = config.thinkingConfig
    if (typeof thinking.thinkingBudget === 'number' && thinking.thinkingBudget > 0) {
      request.thinking_budget = thinking.thinkingBudget
      request.reasoning_effort = effortForBudget(thinking.thinkingBudget)
    } else if (typeof thinking.thinkingLevel === 'string') {
      request.reasoning_effort = thinking.thinkingLevel.toLowerCase()
    }
  }

  const tools: JsonObject[] = []
  for (const [toolIndex, tool] of (Array.isArray(body.tools) ? body.tools : []).entries()) {
    if (!isRecord(tool)) continue
    for (const key of Object.keys(tool)) {
      if (key !== 'functionDeclarations') {
        throw new ConversionError('unsupported_tool', `tools[${toolIndex}].${key} runs only at Google and cannot be sent to this channel`, `tools[${toolIndex}]`)
      }
    }
    for (const declaration of Array.isArray(tool.functionDeclarations) ? tool.functionDeclarations : []) {
      if (!isRecord(declaration)) continue
      const definition: JsonObject = { name: declaration.name }
      if (typeof declaration.description === 'string') definition.description = declaration.description
      const parameters = declaration.parametersJsonSchema ?? (declaration.parameters === undefined ? undefined : convertGeminiSchemaToJsonSchema(declaration.parameters))
      definition.parameters = parameters ?? { type: 'object', properties: {} }
      tools.push({ type: 'function', function: definition })
    }
  }
  if (tools.length > 0) request.tools = tools
  const callingConfig = isRecord(body.toolConfig) && isRecord(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : null
  if (callingConfig !== null) {
    const allowed = Array.isArray(callingConfig.allowedFunctionNames) ? callingConfig.allowedFunctionNames : []
    if (callingConfig.mode === 'NONE') request.tool_choice = 'none'
    else if (callingConfig.mode === 'ANY') request.tool_choice = allowed.length === 1 ? { type: 'function', function: { name: allowed[0] } } : 'required'
    else if (callingConfig.mode === 'AUTO') request.tool_choice = 'auto'
  }
  return request
}

function convertUserPart(part: JsonObject, param: string): JsonObject | null {
  if (typeof part.text === 'string') return part.text.length > 0 ? { type: 'text', text: part.text } : null
  if (isRecord(part.inlineData)) {
    const mimeType = String(part.inlineData.mimeType ?? '').toLowerCase()
    const data = String(part.inlineData.data ?? '')
    if (mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: toDataUrl(mimeType, data) } }
    if (audioFormats[mimeType] !== undefined) return { type: 'input_audio', input_audio: { data, format: audioFormats[mimeType] } }
    if (mimeType === 'application/pdf' || mimeType.startsWith('text/')) return { type: 'file', file: { file_data: toDataUrl(mimeType, data), filename: mimeType === 'application/pdf' ? 'document.pdf' : 'document.txt' } }
    throw new ConversionError('unsupported_content', `${param}: inline ${mimeType || 'data'} cannot be sent to this channel`, param)
  }
  if (isRecord(part.fileData)) {
    const uri = String(part.fileData.fileUri ?? '')
    const mimeType = String(part.fileData.mimeType ?? '')
    if ((uri.startsWith('https://') || uri.startsWith('http://')) && (mimeType === '' || mimeType.startsWith('image/'))) {
      return { type: 'image_url', image_url: { url: uri } }
    }
    throw new ConversionError('unsupported_content', `${param}: fileData ${uri} (${mimeType || 'unknown type'}) refers to a Google-hosted file and cannot be sent to this channel`, param)
  }
  throw new ConversionError('unsupported_content', `${param}: this part kind cannot be sent to this channel`, param)
}

function convertModelTurn(parts: unknown[], contentIndex: number, param: string): ChatMessage {
  let text = ''
  let reasoning = ''
  const toolCalls: CanonicalToolCall[] = []
  parts.forEach((part, partIndex) => {
    const partParam = `${param}.parts[${partIndex}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    if (isRecord(part.functionCall)) {
      const call: CanonicalToolCall = {
        id: typeof part.functionCall.id === 'string' ? part.functionCall.id : `call_${contentIndex}_${toolCalls.length}`,
        type: 'function',
        function: { name: String(part.functionCall.name), arguments: JSON.stringify(part.functionCall.args ?? {}) },
      }
      if (typeof part.thoughtSignature === 'string') call.extra_content = { google: { thought_signature: part.thoughtSignature } }
      toolCalls.push(call)
    } else if (typeof part.text === 'string') {
      if (part.thought === true) reasoning += part.text
      else text += part.text
    } else {
      throw new ConversionError('unsupported_content', `${partParam}: this model part kind cannot be sent to this channel`, partParam)
    }
  })
  const message: ChatMessage = { role: 'assistant', content: text.length > 0 || toolCalls.length === 0 ? text : null }
  if (reasoning.length > 0) message.reasoning_content = reasoning
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  return message
}
