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
 * The same for a stream, chunk by chunk (stateful: one per stream): the first reasoning delta of a choice opens the
 * tag, the first delta after it that carries anything else (content, tool calls, the finish) closes it.
 */
export function thinkingChunkRewrite(): (chunk: Record<string, unknown>) => Record<string, unknown> {
  const open = new Set<number>()
  return (chunk) => {
    const choices = chunk.choices as { index?: number; delta?: Record<string, unknown>; finish_reason?: unknown }[] | undefined
    if (!Array.isArray(choices)) return chunk
    for (const choice of choices) {
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
    return chunk
  }
}
