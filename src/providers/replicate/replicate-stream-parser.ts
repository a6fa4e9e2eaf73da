import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertReplicateUsage } from './convert-replicate-usage.ts'
import { mapReplicateError } from './replicate-error.ts'

/**
 * A prediction's stream (`urls.stream`) → canonical chunks: each `output` event's data is a piece of text as it
 * is (not JSON); `error` ends the stream with the prediction's error; `done` is the stop (its `reason` says when
 * the prediction was canceled or failed instead). `prediction` is the finished prediction replicate-prediction.ts
 * adds before `done`: its metrics are the usage.
 */
export function createReplicateStreamParser(): StreamParser {
  const created = unixSeconds()
  let id = ''
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  const chunk = (delta: JsonObject, reason: string | null = null): ChatChunk =>
    ({ id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] })
  function emit(delta: JsonObject): ChatChunk {
    if (started) return chunk(delta)
    started = true
    return chunk({ role: 'assistant', ...delta })
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      switch (event.event) {
        case 'output':
          return event.data.length > 0 ? [emit({ content: event.data })] : []
        case 'prediction': {
          const prediction = parseJsonObject(event.data)
          if (!prediction) return []
          if (typeof prediction.id === 'string') id = prediction.id
          usage = convertReplicateUsage(prediction.metrics)
          return []
        }
        case 'error': {
          const payload = parseJsonObject(event.data)
          const detail = payload && typeof payload.detail === 'string' ? payload.detail : event.data
          throw new UpstreamStreamError(mapReplicateError(502, JSON.stringify({ id, status: 'failed', error: detail })))
        }
        case 'done': {
          const payload = parseJsonObject(event.data)
          const reason = payload && typeof payload.reason === 'string' ? payload.reason : ''
          if (reason === 'canceled' || reason === 'error') {
            throw new UpstreamStreamError(mapReplicateError(502, JSON.stringify({ id, status: reason === 'error' ? 'failed' : 'canceled', error: isRecord(payload) ? payload.detail : undefined })))
          }
          finishReason = 'stop'
          return [...(started ? [] : [emit({ content: '' })]), chunk({}, finishReason)]
        }
        default:
          return []
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
