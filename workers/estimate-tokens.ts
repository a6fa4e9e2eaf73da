/**
 * Instant token estimates on the main thread, for when the pool cannot count (queue full, worker died twice,
 * pool closed). Cost is O(number of strings), not O(characters): string lengths are free, and the share of
 * non-ASCII text is sampled from each string's first characters.
 *
 * Rate: ASCII ~4 characters per token (English prose and code under cl100k/o200k), anything else ~1 per character
 * (CJK is 1-1.5 tokens per character), rounded up so a reservation built on it errs high.
 */
import { fixedImageEstimate, selectImageRates } from './count-image-tokens.ts'
import { selectEncoding } from './count-text-tokens.ts'
import {
  AUDIO_PART_TOKENS,
  FILE_PART_TOKENS,
  NON_OPENAI_IMAGE_TOKENS,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  VIDEO_PART_TOKENS,
} from './fixed-token-costs.ts'

const sampleLength = 1024

export function estimateStringTokens(text: string): number {
  if (text.length === 0) return 0
  const sample = text.length <= sampleLength ? text : text.slice(0, sampleLength)
  let nonAscii = 0
  for (let index = 0; index < sample.length; index++) if (sample.charCodeAt(index) > 0x7f) nonAscii++
  const nonAsciiShare = nonAscii / sample.length
  return Math.ceil((text.length * (1 - nonAsciiShare)) / 4 + text.length * nonAsciiShare)
}

export function estimateTextTokens(text: string | string[]): number {
  return (Array.isArray(text) ? text : [text]).reduce((sum, piece) => sum + (typeof piece === 'string' ? estimateStringTokens(piece) : 0), 0)
}

function estimateUnknown(value: unknown): number {
  if (typeof value === 'string') return estimateStringTokens(value)
  if (value === undefined || value === null) return 0
  try {
    return estimateStringTokens(JSON.stringify(value))
  } catch {
    return 0
  }
}

/** Same structure as the worker's count (see count-chat-tokens.ts), with estimated text and unread images. */
export function estimateChatPromptTokens(model: string, body: Record<string, unknown>): number {
  const openAiModel = selectEncoding(model).exact
  const imageTokens = openAiModel ? fixedImageEstimate(selectImageRates(model)) : NON_OPENAI_IMAGE_TOKENS
  let tokens = REPLY_PRIMING_TOKENS
  const messages = Array.isArray(body.messages) ? body.messages : []
  for (const entry of messages) {
    if (!entry || typeof entry !== 'object') continue
    const message = entry as Record<string, unknown>
    tokens += TOKENS_PER_MESSAGE + 1
    if (typeof message.name === 'string') tokens += TOKENS_PER_NAME + estimateStringTokens(message.name)
    const content = message.content
    if (typeof content === 'string') tokens += estimateStringTokens(content)
    else if (Array.isArray(content)) {
      for (const rawPart of content) {
        if (!rawPart || typeof rawPart !== 'object') continue
        const part = rawPart as Record<string, unknown>
        if (part.type === 'image_url') tokens += imageTokens
        else if (part.type === 'input_audio') tokens += AUDIO_PART_TOKENS
        else if (part.type === 'video_url') tokens += VIDEO_PART_TOKENS
        else if (part.type === 'file') tokens += FILE_PART_TOKENS
        else tokens += estimateUnknown(part.text ?? part.refusal)
      }
    }
    if (message.tool_calls !== undefined) tokens += estimateUnknown(message.tool_calls)
    if (message.function_call !== undefined) tokens += estimateUnknown(message.function_call)
  }
  if (body.tools !== undefined) tokens += estimateUnknown(body.tools)
  if (body.functions !== undefined) tokens += estimateUnknown(body.functions)
  return tokens
}
