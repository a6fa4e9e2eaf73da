import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertZhipuUsage } from './convert-zhipu.ts'
import { mapZhipuError } from './zhipu-error.ts'

/**
 * Zhipu v3 `sse-invoke` stream → canonical chunks. The events are named: `add` carries the next piece of text as
 * plain data (several `data:` lines are one piece with newlines); `finish` carries the last piece and, on its
 * non-standard `meta:` line, `{task_id, task_status, usage}`; `error` and `interrupted` end the stream with the
 * failure in their data.
 */
export function createZhipuStreamParser(): StreamParser {
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk => ({ id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })

  return {
    push(event: SseEvent): ChatChunk[] {
      if (event.event === 'error' || event.event === 'interrupted') {
        const body = parseJsonObject(event.data)
        throw new UpstreamStreamError(mapZhipuError(200, body ? event.data : JSON.stringify({ code: 500, msg: event.data || `Zhipu stream ${event.event}` })))
      }
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk({ role: 'assistant', content: '' }))
      }
      if (event.data.length > 0) out.push(chunk({ content: event.data }))
      if (event.event === 'finish' && finishReason === null) {
        const meta = event.meta === undefined ? undefined : parseJsonObject(event.meta)
        if (meta) {
          if (typeof meta.task_id === 'string') id = meta.task_id
          if (isRecord(meta.usage)) usage = convertZhipuUsage(meta.usage)
        }
        finishReason = 'stop'
        out.push(chunk({}, finishReason))
      }
      return out
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
