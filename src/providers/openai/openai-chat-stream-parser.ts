import { isRecord } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { createUpstreamError, typeForStatus, UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertOpenAiUsage } from './convert-openai-usage.ts'
import { mapOpenAiFinishReason } from './map-openai-finish-reason.ts'
import { normaliseReasoningDetails } from './reasoning-details.ts'

/**
 * OpenAI Chat stream (and compatible vendors) → normalised canonical chunks, for conversions to another inbound
 * format. (When the client speaks OpenAI Chat too, the relay uses the pass-through tap in `stream-tap.ts`
 * instead, which forwards the upstream bytes untouched.)
 *
 * Normalisation, because the writers downstream must not learn every vendor's dialect:
 * - usage is taken from `usage` on the last chunk (OpenAI with include_usage), on the finish chunk (Mistral,
 *   DeepSeek, Groq) or from `x_groq.usage`, and removed from the chunks: writers emit it at finish;
 * - tool-call fragments without `index` (Mistral) get one; empty continuation ids (DashScope) are removed;
 * - `delta.reasoning` (OpenRouter, vLLM) becomes `delta.reasoning_content`; OpenRouter's `reasoning_details` give
 *   signatures and encrypted reasoning as `thinking_blocks` (reasoning-details.ts);
 * - a repeated finish_reason for the same choice (DashScope sends it twice) is emitted once;
 * - chunks left with nothing to say (usage-only, Azure's prompt-filter preamble) are dropped.
 * An `error` object inside the stream throws UpstreamStreamError.
 */
export function createOpenAiChatStreamParser(): StreamParser {
  let usage: Usage | null = null
  let finishReason: string | null = null
  const finishedChoices = new Set<number>()
  // Per choice: tool index by call id and the last index seen, for fragments that carry no index.
  const toolState = new Map<number, { byId: Map<string, number>; count: number; last: number }>()

  function normaliseToolCalls(choiceIndex: number, toolCalls: unknown[]): void {
    let state = toolState.get(choiceIndex)
    if (state === undefined) {
      state = { byId: new Map(), count: 0, last: 0 }
      toolState.set(choiceIndex, state)
    }
    for (const call of toolCalls) {
      if (!isRecord(call)) continue
      const id = typeof call.id === 'string' && call.id.length > 0 ? call.id : undefined
      if (call.id !== undefined && id === undefined) delete call.id
      let index: number
      if (typeof call.index === 'number') {
        index = call.index
        if (id !== undefined) state.byId.set(id, index)
        state.count = Math.max(state.count, index + 1)
      } else if (id !== undefined) {
        const known = state.byId.get(id)
        index = known ?? state.count++
        state.byId.set(id, index)
        call.index = index
      } else {
        index = state.last
        call.index = index
      }
      if (id !== undefined && call.type === undefined) call.type = 'function'
      // A continuation fragment repeating type without id would look like a new call to some writers.
      if (id === undefined && call.type !== undefined) delete call.type
      state.last = index
    }
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const data = event.data
      if (data === '[DONE]' || data.length === 0) return []
      let chunk: JsonObject
      try {
        const parsed: unknown = JSON.parse(data)
        if (!isRecord(parsed)) return []
        chunk = parsed
      } catch {
        return []
      }
      if (isRecord(chunk.error)) {
        const error = chunk.error
        const status = typeof error.code === 'number' ? error.code : 500
        throw new UpstreamStreamError(createUpstreamError(
          status,
          typeof error.message === 'string' ? error.message : 'upstream stream error',
          typeof error.type === 'string' ? error.type : typeForStatus(status),
          error.code === undefined || error.code === null ? '' : String(error.code),
        ))
      }
      const chunkUsage = isRecord(chunk.usage) ? chunk.usage : isRecord(chunk.x_groq) && isRecord(chunk.x_groq.usage) ? chunk.x_groq.usage : null
      if (chunkUsage !== null) usage = convertOpenAiUsage(chunkUsage)
      if ('usage' in chunk) delete chunk.usage
      const choices = Array.isArray(chunk.choices) ? chunk.choices : []
      const kept: unknown[] = []
      for (const choice of choices) {
        if (!isRecord(choice)) continue
        const choiceIndex = typeof choice.index === 'number' ? choice.index : 0
        if (choice.index === undefined) choice.index = choiceIndex
        const delta = isRecord(choice.delta) ? choice.delta : (choice.delta = {})
        if (typeof delta.reasoning === 'string' && delta.reasoning_content === undefined) {
          delta.reasoning_content = delta.reasoning
          delete delta.reasoning
        }
        if (delta.reasoning_details !== undefined) normaliseReasoningDetails(delta)
        if (Array.isArray(delta.tool_calls)) normaliseToolCalls(choiceIndex, delta.tool_calls)
        let reason = mapOpenAiFinishReason(choice.finish_reason)
        if (reason !== null) {
          if (finishedChoices.has(choiceIndex)) reason = null
          else finishedChoices.add(choiceIndex)
          if (choiceIndex === 0 && reason !== null) finishReason = reason
        }
        choice.finish_reason = reason
        if (reason === null && !deltaHasContent(delta)) continue
        kept.push(choice)
      }
      if (kept.length === 0) return []
      chunk.choices = kept
      chunk.object = 'chat.completion.chunk'
      return [chunk as ChatChunk]
    },
    flush(): ChatChunk[] {
      return []
    },
    usage: () => usage,
    finishReason: () => finishReason,
  }
}

function deltaHasContent(delta: JsonObject): boolean {
  for (const key in delta) {
    const value = delta[key]
    if (value === null || value === undefined) continue
    if (key === 'role') return true
    if (typeof value === 'string' && value.length === 0) continue
    if (Array.isArray(value) && value.length === 0) continue
    return true
  }
  return false
}
