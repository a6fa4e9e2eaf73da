import { isRecord } from '../canonical.ts'
import type { ChatMessage, ChatRequestAdapter } from '../types.ts'

/** OpenRouter's name for the format of Anthropic's signed thinking (what it sends back in `reasoning_details`). */
const anthropicFormat = 'anthropic-claude-v1'

const hasThinkingBlocks = (messages: unknown): boolean =>
  Array.isArray(messages) && messages.some((message) => isRecord(message) && message.role === 'assistant' && Array.isArray(message.thinking_blocks))

/** A Claude client's signed thinking of an earlier turn, as the `reasoning_details` OpenRouter wants back on that turn. */
function withReasoningDetails(message: ChatMessage): ChatMessage {
  if (message.role !== 'assistant' || !Array.isArray(message.thinking_blocks)) return message
  const details = message.thinking_blocks.filter(isRecord).flatMap((block, index): Record<string, unknown>[] => {
    if (block.type === 'redacted_thinking' && typeof block.data === 'string') return [{ type: 'reasoning.encrypted', data: block.data, format: anthropicFormat, index }]
    if (block.type === 'thinking' && typeof block.signature === 'string' && block.signature.length > 0) {
      return [{ type: 'reasoning.text', text: typeof block.thinking === 'string' ? block.thinking : '', signature: block.signature, format: anthropicFormat, index }]
    }
    return []
  })
  const { thinking_blocks: _blocks, ...rest } = message
  return details.length > 0 ? { ...rest, reasoning_details: details } : rest
}

/**
 * OpenRouter takes reasoning settings as one `reasoning` object (`{effort}` OpenAI-style or `{max_tokens}`
 * Anthropic-style, plus `exclude`) which it translates for every model it routes to. A client's `reasoning_effort`
 * (OpenAI clients, a `-high` model suffix) becomes `reasoning.effort`; an exact thinking budget from a Claude or
 * Gemini client (`thinking_budget` in the canonical request) becomes `reasoning.max_tokens`. A `reasoning` object the
 * client sent itself wins. Earlier assistant turns' signed thinking (a Claude client replaying a tool-use turn, which
 * Anthropic requires with thinking on) goes back as those turns' `reasoning_details`. Provider routing (`provider`,
 * `models`, `transforms`) needs nothing: it passes as sent.
 */
export const openRouterRequest: ChatRequestAdapter = {
  applies: (body) => body.reasoning_effort !== undefined || body.thinking_budget !== undefined || hasThinkingBlocks(body.messages),
  adapt(body) {
    if (!isRecord(body.reasoning)) {
      const budget = body.thinking_budget
      if (typeof budget === 'number' && budget > 0) body.reasoning = { max_tokens: budget }
      else if (typeof body.reasoning_effort === 'string') body.reasoning = { effort: body.reasoning_effort }
    }
    delete body.reasoning_effort
    delete body.thinking_budget
    if (hasThinkingBlocks(body.messages)) body.messages = (body.messages as ChatMessage[]).map(withReasoningDetails)
  },
}
