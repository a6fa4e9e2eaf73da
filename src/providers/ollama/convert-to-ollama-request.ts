import { isRecord, maxOutputTokens, parseDataUrl, parseToolArguments, stopSequences } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatMessage, ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical (OpenAI Chat) request → Ollama `POST /api/chat` (github.com/ollama/ollama docs/api.md).
 *
 * - Sampling parameters live in `options`: temperature, top_p, seed, stop, frequency/presence penalties as they are,
 *   max_tokens / max_completion_tokens → num_predict, and top_k / min_p / repeat_penalty / num_ctx when a client sends
 *   them (they are Ollama's own). `keep_alive` passes at the top level; both can also come from the channel's
 *   param_override (operations on `options.num_ctx`, or a plain `{"keep_alive": "30m"}`), applied to this body.
 * - Images travel as base64 in the message's `images`: only data URLs can be sent, since Ollama fetches nothing
 *   and this conversion does no I/O; a remote image URL is refused with a 400 naming the part.
 * - Assistant tool calls carry their arguments as an object; a tool result names its function (`tool_name`), found
 *   from the assistant turn that called it by `tool_call_id`.
 * - `response_format` json_object → `format: "json"`, json_schema → `format: <schema>`.
 * - `reasoning_effort` is not mapped: Ollama's `think` refuses models that cannot think, so it is the operator's to
 *   set per channel (param_override `think`).
 */

const directOptions = ['temperature', 'top_p', 'seed', 'frequency_penalty', 'presence_penalty', 'top_k', 'min_p', 'repeat_penalty', 'num_ctx'] as const

function convertContent(message: ChatMessage, param: string): { content: string; images?: string[] } {
  const content = message.content
  if (content === undefined || content === null) return { content: '' }
  if (typeof content === 'string') return { content }
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param} must be a string or a list of parts`, param)
  let text = ''
  const images: string[] = []
  content.forEach((part, index) => {
    const partParam = `${param}[${index}]`
    if (!isRecord(part)) throw new ConversionError('invalid_content', `${partParam} must be an object`, partParam)
    if (part.type === 'text' && typeof part.text === 'string') text += part.text
    else if (part.type === 'image_url') {
      const url = isRecord(part.image_url) ? part.image_url.url : part.image_url
      const data = typeof url === 'string' ? parseDataUrl(url) : null
      if (!data) throw new ConversionError('unsupported_content', `${partParam}: Ollama takes images as base64 data URLs only`, partParam)
      images.push(data.data)
    } else throw new ConversionError('unsupported_content', `${partParam}: Ollama chat takes text and image parts, not ${String(part.type)}`, partParam)
  })
  return images.length > 0 ? { content: text, images } : { content: text }
}

function convertMessages(messages: ChatMessage[]): JsonObject[] {
  const toolNames = new Map<string, string>()
  return messages.map((message, index) => {
    const param = `messages[${index}]`
    const role = message.role === 'developer' ? 'system' : message.role
    const converted: JsonObject = { role, ...convertContent(message, `${param}.content`) }
    if (role === 'assistant') {
      if (typeof message.reasoning_content === 'string' && message.reasoning_content.length > 0) converted.thinking = message.reasoning_content
      if (Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
        converted.tool_calls = message.tool_calls.map((call, callIndex) => {
          const fn = isRecord(call) && isRecord(call.function) ? call.function : {}
          const name = String(fn.name ?? '')
          if (isRecord(call) && typeof call.id === 'string') toolNames.set(call.id, name)
          return { function: { name, arguments: parseToolArguments(fn.arguments, `${param}.tool_calls[${callIndex}].function.arguments`) } }
        })
      }
    } else if (role === 'tool') {
      const name = typeof message.tool_call_id === 'string' ? toolNames.get(message.tool_call_id) : undefined
      if (name) converted.tool_name = name
    }
    return converted
  })
}

function responseFormat(format: unknown): unknown {
  if (!isRecord(format)) return undefined
  if (format.type === 'json_object') return 'json'
  if (format.type === 'json_schema' && isRecord(format.json_schema) && isRecord(format.json_schema.schema)) return format.json_schema.schema
  return undefined
}

export function convertToOllamaRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  if (typeof request.n === 'number' && request.n > 1) throw new ConversionError('unsupported_parameter', `n=${request.n} is not supported by Ollama: it returns one choice per request`, 'n')
  const options: JsonObject = {}
  for (const name of directOptions) if (request[name] !== undefined && request[name] !== null) options[name] = request[name]
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) options.num_predict = maxTokens
  const stop = stopSequences(request)
  if (stop && stop.length > 0) options.stop = stop
  const body: JsonObject = { model: target.model, messages: convertMessages(request.messages), stream: target.stream }
  if (Object.keys(options).length > 0) body.options = options
  if (Array.isArray(request.tools) && request.tools.length > 0) body.tools = request.tools
  const format = responseFormat(request.response_format)
  if (format !== undefined) body.format = format
  if (request.keep_alive !== undefined) body.keep_alive = request.keep_alive
  return body
}
