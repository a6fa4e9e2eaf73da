import { asArray, isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertTencentUsage, mapTencentFinishReason } from './convert-tencent-usage.ts'
import { tencentStreamError } from './tencent-error.ts'

/**
 * Hunyuan stream → canonical chunks. Every event is `data: {Id, Created, Choices[{Delta{Role, Content, ToolCalls},
 * FinishReason}], Usage}`; Usage is the running total, so the last one is the bill. A tool call arrives whole in a
 * delta (`ToolCalls[{Id, Type, Index, Function{Name, Arguments}}]`). An event carrying `Error` ends the stream.
 */
export function createTencentStreamParser(): StreamParser {
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk => ({ id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      const error = tencentStreamError(payload)
      if (error) throw new UpstreamStreamError(error)
      if (typeof payload.Id === 'string') id = payload.Id
      usage = convertTencentUsage(payload.Usage) ?? usage
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk({ role: 'assistant', content: '' }))
      }
      const choice = asArray(payload.Choices).find(isRecord)
      if (!choice) return out
      const delta = isRecord(choice.Delta) ? choice.Delta : {}
      if (typeof delta.Content === 'string' && delta.Content.length > 0) out.push(chunk({ content: delta.Content }))
      const calls = asArray(delta.ToolCalls).filter(isRecord)
      if (calls.length > 0) {
        out.push(chunk({
          tool_calls: calls.map((call, position) => {
            const fn = isRecord(call.Function) ? call.Function : {}
            return { index: typeof call.Index === 'number' ? call.Index : position, id: call.Id, type: 'function', function: { name: fn.Name, arguments: typeof fn.Arguments === 'string' ? fn.Arguments : '' } }
          }),
        }))
      }
      const reason = mapTencentFinishReason(choice.FinishReason)
      if (reason !== null && finishReason === null) {
        finishReason = reason
        out.push(chunk({}, reason))
      }
      return out
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
