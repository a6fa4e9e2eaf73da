import { ConversionError } from './errors.ts'
import type { ChatMessage, ChatRequest, Usage } from './types.ts'

/**
 * Helpers over the canonical shape (OpenAI Chat Completions) shared by every adaptor and inbound format.
 *
 * Canonical extension fields: a few things other formats carry that OpenAI Chat has no field for. Inbound
 * converters may set them, outbound adaptors that understand them use them, and the OpenAI adaptor strips them
 * before sending (OpenAI refuses unknown request fields):
 *   request.thinking_budget        exact reasoning budget in tokens (Anthropic budget_tokens, Gemini thinkingBudget)
 *   request.top_k                  sampling top-k (Anthropic, Gemini)
 *   message.thinking_blocks        Anthropic thinking blocks with their signatures, so a multi-turn Anthropic
 *                                  conversation keeps verifiable thinking ([{type:'thinking',thinking,signature}|
 *                                  {type:'redacted_thinking',data}]) — the name LiteLLM uses
 *   message.is_error               on a tool message: the tool failed (Anthropic tool_result.is_error)
 *   tool_call.extra_content.google.thought_signature   Gemini thought signature of a function call (the field
 *                                  Google's own OpenAI-compatible endpoint uses)
 * In stream chunks, `delta.reasoning_content` carries reasoning text and `delta.thinking_blocks` a signature.
 */

export type JsonObject = Record<string, unknown>

/** A JSON object from text; undefined when the text is not JSON or not an object (SSE event data, say). */
export function parseJsonObject(text: string): JsonObject | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return isRecord(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

export function isRecord(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export function asNumber(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export interface CanonicalToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
  extra_content?: { google?: { thought_signature?: string } }
}

export interface ThinkingBlock {
  type: 'thinking' | 'redacted_thinking'
  thinking?: string
  signature?: string
  data?: string
}

const requestExtensionFields = ['thinking_budget', 'top_k'] as const
const messageExtensionFields = ['thinking_blocks', 'is_error'] as const

/** Removes canonical extension fields; returns the same object when there is nothing to remove (the usual case). */
export function stripCanonicalExtensions(request: ChatRequest): ChatRequest {
  let result = request
  for (const field of requestExtensionFields) {
    if (field in result) {
      if (result === request) result = { ...request }
      delete result[field]
    }
  }
  let messages: ChatMessage[] | null = null
  for (let index = 0; index < request.messages.length; index++) {
    const message = request.messages[index]
    let cleaned: ChatMessage = message
    for (const field of messageExtensionFields) {
      if (field in cleaned) {
        if (cleaned === message) cleaned = { ...message }
        delete cleaned[field]
      }
    }
    if (Array.isArray(message.tool_calls) && message.tool_calls.some((call) => isRecord(call) && 'extra_content' in call)) {
      if (cleaned === message) cleaned = { ...message }
      cleaned.tool_calls = message.tool_calls.map((call: JsonObject) => {
        if (!('extra_content' in call)) return call
        const { extra_content: _dropped, ...rest } = call
        return rest
      })
    }
    if (cleaned !== message) {
      messages ??= request.messages.slice()
      messages[index] = cleaned
    }
  }
  if (messages !== null) {
    if (result === request) result = { ...request }
    result.messages = messages
  }
  return result
}

/** `data:<media type>;base64,<data>` → its parts; null for anything else (http URLs, file ids). */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  if (!url.startsWith('data:')) return null
  const comma = url.indexOf(',')
  if (comma === -1) return null
  const header = url.slice(5, comma)
  if (!header.endsWith(';base64')) return null
  return { mediaType: header.slice(0, -7).toLowerCase(), data: url.slice(comma + 1) }
}

export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`
}

/** Guesses an image media type from a URL's extension; null when the URL does not say. */
export function guessMediaTypeFromUrl(url: string): string | null {
  const path = url.split(/[?#]/, 1)[0].toLowerCase()
  const extension = path.slice(path.lastIndexOf('.') + 1)
  const byExtension: Record<string, string> = {
    png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
    heic: 'image/heic', heif: 'image/heif', pdf: 'application/pdf', mp3: 'audio/mp3', wav: 'audio/wav',
    mp4: 'video/mp4', txt: 'text/plain',
  }
  return byExtension[extension] ?? null
}

/**
 * Text of a canonical message content when it is text only. Returns null when it holds anything else, so the
 * caller can convert parts instead of losing them.
 */
export function textOfContent(content: unknown): string | null {
  if (content === undefined || content === null) return ''
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return null
  let text = ''
  for (const part of content) {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') return null
    text += part.text
  }
  return text
}

/** Parses tool-call arguments (a JSON text that must hold an object) from conversation history. */
export function parseToolArguments(argumentsText: unknown, param: string): JsonObject {
  if (argumentsText === undefined || argumentsText === null || argumentsText === '') return {}
  if (isRecord(argumentsText)) return argumentsText
  if (typeof argumentsText !== 'string') {
    throw new ConversionError('invalid_tool_arguments', `${param} must be a JSON object encoded as a string`, param)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(argumentsText)
  } catch {
    throw new ConversionError('invalid_tool_arguments', `${param} is not valid JSON, so it cannot be sent as structured tool input`, param)
  }
  if (!isRecord(parsed)) {
    throw new ConversionError('invalid_tool_arguments', `${param} must encode a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`, param)
  }
  return parsed
}

/**
 * Parses arguments produced by a model for a client that needs an object (Anthropic `input`, Gemini `args`).
 * Models occasionally emit broken JSON; the raw text is kept under `_unparsed_arguments` rather than dropped.
 */
export function parseModelArguments(argumentsText: string): JsonObject {
  if (argumentsText.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(argumentsText)
    return isRecord(parsed) ? parsed : { _unparsed_arguments: argumentsText }
  } catch {
    return { _unparsed_arguments: argumentsText }
  }
}

export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high'

/** Budgets used when a format wants tokens and the client gave an effort (LiteLLM's widely used mapping, x4 for high). */
export function budgetForEffort(effort: string): number {
  switch (effort) {
    case 'minimal': return 1024
    case 'low': return 1024
    case 'medium': return 4096
    case 'high': return 16384
    default: return 4096
  }
}

/** The effort closest to a token budget, for formats that only take an effort. */
export function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 1024) return 'low'
  if (budget <= 8192) return 'medium'
  return 'high'
}

/** The usage record in the OpenAI Chat shape: what canonical responses and chunks carry. */
export function toOpenAiUsage(usage: Usage): JsonObject {
  const promptDetails: JsonObject = { cached_tokens: usage.cachedInputTokens }
  if (usage.cacheWriteInputTokens > 0) promptDetails.cached_creation_tokens = usage.cacheWriteInputTokens
  if (usage.audioInputTokens > 0) promptDetails.audio_tokens = usage.audioInputTokens
  if (usage.imageInputTokens > 0) promptDetails.image_tokens = usage.imageInputTokens
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  }
}

/** Collapses the system/developer messages' text; used by formats with one system field. */
export function systemText(message: ChatMessage, param: string): string {
  const text = textOfContent(message.content)
  if (text === null) {
    throw new ConversionError('unsupported_content', `${param}: a ${message.role} message may only hold text`, param)
  }
  return text
}

/** Current unix time in seconds (responses we synthesise need a `created`). */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** Reads `max_completion_tokens` or `max_tokens`, whichever the client used. */
export function maxOutputTokens(request: ChatRequest): number | undefined {
  const value = request.max_completion_tokens ?? request.max_tokens
  return typeof value === 'number' ? value : undefined
}

/** Stop sequences as an array (OpenAI allows a string or an array). */
export function stopSequences(request: ChatRequest): string[] | undefined {
  const stop = request.stop
  if (typeof stop === 'string') return [stop]
  if (Array.isArray(stop)) return stop.filter((entry): entry is string => typeof entry === 'string')
  return undefined
}

/** Refuses `n > 1` for targets that return one answer per request. */
export function assertSingleChoice(request: ChatRequest, target: string): void {
  if (typeof request.n === 'number' && request.n > 1) {
    throw new ConversionError('unsupported_parameter', `n=${request.n} is not supported by ${target}: it returns one choice per request`, 'n')
  }
}
