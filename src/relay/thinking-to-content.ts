import { createSseDecoder, encodeSse } from '../providers/sse.ts'

/**
 * A channel's `setting.thinking_to_content` (new-api's): an OpenAI-format answer's reasoning (`reasoning_content`,
 * or `reasoning`) is moved into the content between `<think>` and `</think>`, for clients that show only content.
 * Applied only on channels that ask for it; everything else passes untouched.
 */

const OPEN = '<think>\n'
const CLOSE = '\n</think>\n'

const reasoningOf = (part: Record<string, unknown>) => {
  const text = part.reasoning_content ?? part.reasoning
  return typeof text === 'string' ? text : ''
}

/** A whole (non-stream) chat completion, rewritten. */
export function thinkingToContent(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.choices)) return body
  const choices = (body.choices as { message?: Record<string, unknown> }[]).map((choice) => {
    const message = choice.message
    const reasoning = message ? reasoningOf(message) : ''
    if (!message || !reasoning) return choice
    const { reasoning_content: _content, reasoning: _reasoning, ...rest } = message
    return { ...choice, message: { ...rest, content: `${OPEN}${reasoning}${CLOSE}${typeof message.content === 'string' ? message.content : ''}` } }
  })
  return { ...body, choices }
}

/**
 * The same for a stream, event by event: the first reasoning delta of a choice opens the tag, the first delta after
 * it that carries anything else (content, tool calls, the finish) closes it. Returns what to send for each chunk.
 */
export function createThinkingRewriter(): { push(chunk: Uint8Array): string; finish(): string } {
  const decoder = createSseDecoder()
  const open = new Set<number>()
  const rewrite = (events: { event?: string; data: string }[]) => {
    let out = ''
    for (const event of events) {
      let chunk: { choices?: { index?: number; delta?: Record<string, unknown>; finish_reason?: unknown }[] } | undefined
      if (event.data.startsWith('{')) {
        try { chunk = JSON.parse(event.data) } catch { /* passed on as it came */ }
      }
      if (!chunk?.choices?.length) {
        out += encodeSse(event)
        continue
      }
      for (const choice of chunk.choices) {
        const index = choice.index ?? 0
        const delta = choice.delta ?? {}
        const reasoning = reasoningOf(delta)
        if (reasoning) {
          const { reasoning_content: _content, reasoning: _reasoning, ...rest } = delta
          choice.delta = { ...rest, content: `${open.has(index) ? '' : OPEN}${reasoning}${typeof rest.content === 'string' ? rest.content : ''}` }
          open.add(index)
        } else if (open.has(index) && (typeof delta.content === 'string' && delta.content !== '' || delta.tool_calls || choice.finish_reason)) {
          choice.delta = { ...delta, content: `${CLOSE}${typeof delta.content === 'string' ? delta.content : ''}` }
          open.delete(index)
        }
      }
      out += encodeSse({ ...event, data: JSON.stringify(chunk) })
    }
    return out
  }
  return {
    push: (bytes) => rewrite(decoder.push(bytes)),
    finish: () => rewrite(decoder.flush()),
  }
}
