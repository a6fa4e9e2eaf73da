import { isRecord } from '../canonical.ts'
import type { JsonObject, ThinkingBlock } from '../canonical.ts'

/**
 * OpenRouter's `reasoning_details` (on a message or a stream delta) → the canonical reasoning fields. OpenRouter
 * sends the reasoning text twice, as `reasoning` and as `reasoning.text` / `reasoning.summary` items; only the items
 * carry what a Claude client needs to send a thinking turn back: the `signature` of Anthropic-routed thinking and the
 * `data` of encrypted (redacted) reasoning. So: the items' text becomes `reasoning_content` when `reasoning` was
 * absent, signatures become `thinking_blocks` entries, encrypted items `redacted_thinking` blocks, and the vendor
 * field is removed (nothing downstream reads it).
 */
export function normaliseReasoningDetails(target: JsonObject): void {
  const details = target.reasoning_details
  if (!Array.isArray(details)) return
  delete target.reasoning_details
  let text = ''
  const blocks: ThinkingBlock[] = []
  for (const item of details) {
    if (!isRecord(item)) continue
    if (item.type === 'reasoning.text' && typeof item.text === 'string') text += item.text
    else if (item.type === 'reasoning.summary' && typeof item.summary === 'string') text += item.summary
    if (typeof item.signature === 'string' && item.signature.length > 0) blocks.push({ type: 'thinking', thinking: '', signature: item.signature })
    if (item.type === 'reasoning.encrypted' && typeof item.data === 'string') blocks.push({ type: 'redacted_thinking', data: item.data })
  }
  if (typeof target.reasoning_content !== 'string' && text.length > 0) target.reasoning_content = text
  if (blocks.length > 0) target.thinking_blocks = [...(Array.isArray(target.thinking_blocks) ? target.thinking_blocks : []), ...blocks]
}
