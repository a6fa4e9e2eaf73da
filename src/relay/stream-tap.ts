import { createSseDecoder, encodeSse } from '../providers/sse.ts'
import { convertOpenAiUsage } from '../providers/openai/convert-openai-usage.ts'
import type { SseEvent, Usage } from '../providers/types.ts'

/**
 * Pass-through tap for OpenAI-format streams (client and channel both speak OpenAI Chat or Completions).
 * Upstream bytes go to the client untouched; on the side the tap decodes events to find the usage chunk, keep
 * the delivered text (to count it if usage never comes) and the time of the first token. When the gateway asked
 * for usage that the client did not, the usage-only chunk is withheld and the stream is re-encoded.
 */
export interface StreamTap {
  /** Feed upstream bytes; returns what to send to the client (the same bytes unless re-encoding). */
  push(chunk: Uint8Array): Uint8Array | string | null
  finish(): string | null
  usage(): Usage | null
  /** Text delivered so far (content + reasoning + tool arguments), bounded. */
  deliveredText(): string
  firstTokenAt(): number | undefined
  sawDone(): boolean
}

const MAX_KEPT_CHARACTERS = 4 * 1024 * 1024

export function createStreamTap(options: { withholdUsageChunk: boolean }): StreamTap {
  const decoder = createSseDecoder()
  let usage: Usage | null = null
  let firstToken: number | undefined
  let done = false
  const text: string[] = []
  let keptCharacters = 0

  const observe = (event: SseEvent): boolean => {
    const data = event.data
    if (data === '[DONE]') {
      done = true
      return true
    }
    const hasUsage = data.includes('"usage":{') || data.includes('"usage": {')
    let chunk: { choices?: { delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: { function?: { arguments?: unknown } }[] }; text?: unknown }[]; usage?: unknown }
    try { chunk = JSON.parse(data) } catch { return true }
    if (hasUsage) {
      usage = convertOpenAiUsage(chunk.usage) ?? usage
      if (options.withholdUsageChunk && Array.isArray(chunk.choices) && chunk.choices.length === 0) return false
    }
    const choice = chunk.choices?.[0]
    if (choice) {
      const piece = typeof choice.delta?.content === 'string' ? choice.delta.content
        : typeof choice.text === 'string' ? choice.text
          : typeof choice.delta?.reasoning_content === 'string' ? choice.delta.reasoning_content
            : typeof choice.delta?.tool_calls?.[0]?.function?.arguments === 'string' ? choice.delta.tool_calls[0].function.arguments as string : ''
      if (piece) {
        firstToken ??= performance.now()
        if (keptCharacters < MAX_KEPT_CHARACTERS) {
          text.push(piece)
          keptCharacters += piece.length
        }
      }
    }
    return true
  }

  return {
    push(chunk) {
      const events = decoder.push(chunk)
      if (!options.withholdUsageChunk) {
        for (const event of events) observe(event)
        return chunk
      }
      let out = ''
      for (const event of events) if (observe(event)) out += encodeSse(event)
      return out || null
    },
    finish() {
      const events = decoder.flush()
      let out = ''
      for (const event of events) if (observe(event) && options.withholdUsageChunk) out += encodeSse(event)
      return out || null
    },
    usage: () => usage,
    deliveredText: () => text.join(''),
    firstTokenAt: () => firstToken,
    sawDone: () => done,
  }
}
