import { createHash, type Hash } from 'node:crypto'
import { assertSingleChoice, isRecord, parseDataUrl, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

/**
 * Canonical chat request → Dify's `POST /v1/chat-messages` body (`inputs, query, response_mode, user, files`).
 *
 * A Dify app keeps the conversation itself, so a request carries one `query`. The body built here is the one for a
 * new conversation: the whole history folded into the query (as new-api does), every user image in `files`. The
 * `continuation` beside it is what a turn of a conversation Dify already holds sends instead (the last user message
 * and its images); the request's preparer (dify-conversation.ts) picks one once it knows whether Dify has the
 * conversation.
 */

/** A file of Dify's `files` list; `url` holds a data URL until the preparer has uploaded it. */
export interface DifyFile {
  type: 'image'
  transfer_mode: 'remote_url' | 'local_file'
  url?: string
  upload_file_id?: string
}

/**
 * What a turn of a known conversation sends, and the keys of the conversation: `previous` names the conversation
 * this turn continues (the system and user messages before the last one), `next` the one the next turn continues
 * (the same plus the last user message). Null `previous`: a first turn. Absent continuation: the request does not
 * end with a user message, so it is always sent folded.
 */
export interface DifyContinuation {
  previous: string | null
  next: string
  query: string
  files: DifyFile[]
}

/** Image types Dify's file API takes. */
const difyImageTypes = new Set(['image/png', 'image/jpeg', 'image/jpg', 'image/webp', 'image/gif'])

/** The field toUpstream leaves beside the Dify body for the preparer; buildRequest takes it out. */
export const CONTINUATION_FIELD = 'tollgate_continuation'

function imageFile(part: JsonObject, param: string): DifyFile {
  const image = isRecord(part.image_url) ? part.image_url : {}
  const url = typeof image.url === 'string' ? image.url : ''
  if (url.startsWith('http://') || url.startsWith('https://')) return { type: 'image', transfer_mode: 'remote_url', url }
  const data = parseDataUrl(url)
  if (!data) throw new ConversionError('invalid_image_url', `${param}.image_url.url must be an http(s) URL or a base64 data URL`, `${param}.image_url.url`)
  if (!difyImageTypes.has(data.mediaType)) throw new ConversionError('unsupported_image_type', `${param}: Dify takes png, jpeg, webp and gif images, not ${data.mediaType}`, `${param}.image_url.url`)
  return { type: 'image', transfer_mode: 'local_file', url }
}

/** A message's text and images; anything else (audio, files) is refused, naming the part. */
function readContent(content: unknown, param: string, imagesAllowed: boolean): { text: string; files: DifyFile[] } {
  const text = textOfContent(content)
  if (text !== null) return { text, files: [] }
  if (!Array.isArray(content)) throw new ConversionError('invalid_content', `${param}.content must be a string or an array of parts`, `${param}.content`)
  let joined = ''
  const files: DifyFile[] = []
  content.forEach((part, index) => {
    const where = `${param}.content[${index}]`
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') joined += part.text
    else if (isRecord(part) && part.type === 'image_url' && imagesAllowed) files.push(imageFile(part, where))
    else throw new ConversionError('unsupported_content', `${where}: a Dify app takes text${imagesAllowed ? ' and images' : ''} here, not ${isRecord(part) ? String(part.type) : typeof part}`, where)
  })
  return { text: joined, files }
}

const roleLabel: Record<string, string> = { system: 'System', developer: 'System', user: 'User', assistant: 'Assistant' }

/** Adds one message to a conversation hash: its role and its content as sent. */
function hashMessage(hash: Hash, role: string, content: unknown): void {
  hash.update(role)
  hash.update('\u0000')
  hash.update(typeof content === 'string' ? content : JSON.stringify(content ?? ''))
  hash.update('\u0000')
}

/**
 * The `user` Dify keeps conversations and files under: the Tollgate user and token (`target.endUser`), refined by
 * the client's OpenAI `user` field (an application serving many people with one token) — never the client's
 * field alone, so two Tollgate users can never reach each other's conversations.
 */
export function difyUser(request: ChatRequest, target: UpstreamTarget): string {
  const base = target.endUser ?? 'tollgate'
  return typeof request.user === 'string' && request.user.length > 0 ? `${base}:${request.user}` : base
}

export function convertToDifyRequest(request: ChatRequest, target: UpstreamTarget): JsonObject {
  assertSingleChoice(request, 'Dify')
  if (Array.isArray(request.tools) && request.tools.length > 0) {
    throw new ConversionError('unsupported_parameter', 'Dify apps run their own tools; a request cannot send tools to them', 'tools')
  }
  const messages = request.messages
  const lines: string[] = []
  const allFiles: DifyFile[] = []
  // The conversation is named by its system and user messages only: assistant text comes back from Dify and may be
  // reshaped by the client (trimmed, reasoning dropped), while what the user said is what the user sends again.
  const hash = createHash('sha256')
  let previous: string | null = null
  let last = null as { text: string; files: DifyFile[] } | null
  let userMessages = 0
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]!
    const param = `messages[${index}]`
    const label = roleLabel[message.role]
    if (label === undefined) throw new ConversionError('unsupported_role', `${param}: a Dify app takes system, user and assistant messages, not ${message.role}`, `${param}.role`)
    const isUser = message.role === 'user'
    const content = readContent(message.content, param, isUser)
    lines.push(`${label}: ${content.text}`)
    allFiles.push(...content.files)
    if (message.role === 'assistant') continue
    if (isUser && index === messages.length - 1) {
      if (userMessages > 0) previous = hash.copy().digest('base64url')
      last = content
    }
    if (isUser) userMessages++
    hashMessage(hash, message.role === 'developer' ? 'system' : message.role, message.content)
  }
  const body: JsonObject = {
    inputs: {},
    // One user message and nothing else: its text as it is, not a one-line transcript.
    query: last !== null && messages.length === 1 ? last.text : lines.join('\n\n'),
    response_mode: target.stream ? 'streaming' : 'blocking',
    user: difyUser(request, target),
    files: allFiles,
    auto_generate_name: false,
  }
  if (last !== null) body[CONTINUATION_FIELD] = { previous, next: hash.digest('base64url'), query: last.text, files: last.files } satisfies DifyContinuation
  return body
}
