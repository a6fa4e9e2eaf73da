import { isRecord } from '../canonical.ts'
import type { CanonicalToolCall, ThinkingBlock } from '../canonical.ts'
import type { ChatMessage } from '../types.ts'

/**
 * Anthropic assistant content blocks → one canonical assistant message: text blocks concatenate into `content`,
 * thinking blocks into `reasoning_content` (and `thinking_blocks` with their signatures), tool_use blocks into
 * tool calls with their input serialised as the arguments string. Used for responses and for assistant turns in
 * a request's history; `onOther` decides what a block of any other kind means there (skip it, or refuse it).
 */
export function convertAnthropicAssistantContent(blocks: unknown[], onOther: (block: unknown, index: number) => void): ChatMessage {
  let text = ''
  let reasoning = ''
  const thinkingBlocks: ThinkingBlock[] = []
  const toolCalls: CanonicalToolCall[] = []
  blocks.forEach((block, index) => {
    if (!isRecord(block)) return onOther(block, index)
    switch (block.type) {
      case 'text':
        text += String(block.text ?? '')
        break
      case 'thinking':
        reasoning += String(block.thinking ?? '')
        thinkingBlocks.push({ type: 'thinking', thinking: String(block.thinking ?? ''), signature: String(block.signature ?? '') })
        break
      case 'redacted_thinking':
        thinkingBlocks.push({ type: 'redacted_thinking', data: String(block.data ?? '') })
        break
      case 'tool_use':
        toolCalls.push({ id: String(block.id), type: 'function', function: { name: String(block.name), arguments: JSON.stringify(block.input ?? {}) } })
        break
      default:
        onOther(block, index)
    }
  })
  const message: ChatMessage = { role: 'assistant', content: text.length > 0 || toolCalls.length === 0 ? text : null }
  if (reasoning.length > 0) message.reasoning_content = reasoning
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  return message
}
