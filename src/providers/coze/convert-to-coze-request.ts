import { assertSingleChoice, isRecord, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical chat request → Coze's `POST /v3/chat` body (`bot_id, user_id, additional_messages, stream`).
 *
 * The bot is the channel's `other` field (as in new-api). The whole history goes as `additional_messages` (user
 * and assistant `answer` messages; Coze answers the last one), so the bot sees the conversation without Coze
 * storing it under a conversation id. A bot's persona is configured in Coze, which has no system role: system
 * text goes in front of the first user message. Images go by URL (`object_string` content); Coze has no tools a
 * request can bring (its plugins run on Coze), so `tools` are refused. The answer always streams: non-stream
 * clients get the stream aggregated (coze-answer.ts).
 */

/** One user message's content in Coze's shape: plain text, or an object_string list of text and image items. */
function userContent(content: unknown, prefix: string, param: string): { content: string; content_type: 'text' | 'object_string' } {
  const text = textOfContent(content)
  if (text !== null) return { content: prefix + text, content_type: 'text' }
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, `${param}.content`)
  const items: JsonObject[] = prefix ? [{ type: 'text', text: prefix.trimEnd() }] : []
  content.forEach((part, index) => {
    const where = `${param}.content[${index}]`
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') items.push({ type: 'text', text: part.text })
    else if (isRecord(part) && part.type === 'image_url') {
      const url = isRecord(part.image_url) && typeof part.image_url.url === 'string' ? part.image_url.url : ''
      if (!/^https?:\/\//.test(url)) throw new ConversionError('unsupported_image_url', `${where}: Coze takes images by http(s) URL, not as data URLs`, `${where}.image_url.url`)
      items.push({ type: 'image', file_url: url })
    } else throw new ConversionError('unsupported_content', `${where}: Coze takes text and images, not ${isRecord(part) ? String(part.type) : typeof part}`, where)
  })
  return { content: JSON.stringify(items), content_type: 'object_string' }
}

/** The Coze `user_id`: the Tollgate user and token, refined by the client's OpenAI `user` (see difyUser). */
function cozeUser(request: ChatRequest, target: UpstreamTarget): string {
  const base = target.endUser ?? 'tollgate'
  return typeof request.user === 'string' && request.user.length > 0 ? `${base}:${request.user}` : base
}

export function convertToCozeRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Coze')
  if (Array.isArray(request.tools) && request.tools.length > 0) throw new ConversionError('unsupported_parameter', 'Coze bots run their own plugins; a request cannot send tools to them', 'tools')
  const botId = target.other.trim()
  if (botId.length === 0) throw new ConversionError('coze_bot_id_missing', 'This Coze channel names no bot: set the bot id in the channel\'s other field', 'other')
  let system = ''
  const messages: JsonObject[] = []
  request.messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (message.role === 'system' || message.role === 'developer') {
      const text = textOfContent(message.content)
      if (text === null) throw new ConversionError('unsupported_content', `${param}: a ${message.role} message may only hold text`, `${param}.content`)
      system += `${text}\n\n`
    } else if (message.role === 'user') {
      messages.push({ role: 'user', ...userContent(message.content, system, param) })
      system = ''
    } else if (message.role === 'assistant') {
      const text = textOfContent(message.content)
      if (text === null || Array.isArray(message.tool_calls)) throw new ConversionError('unsupported_content', `${param}: an assistant message sent to Coze may only hold text`, `${param}.content`)
      messages.push({ role: 'assistant', type: 'answer', content: text, content_type: 'text' })
    } else throw new ConversionError('unsupported_role', `${param}: Coze takes system, user and assistant messages, not ${message.role}`, `${param}.role`)
  })
  if (system) messages.push({ role: 'user', content: system.trimEnd(), content_type: 'text' })
  return { bot_id: botId, user_id: cozeUser(request, target), stream: true, additional_messages: messages }
}
