import { isRecord, parseJsonObject, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, UpstreamTarget, Usage } from '../types.ts'
import { convertDifyUsage } from './convert-dify-usage.ts'
import { mapDifyError } from './dify-error.ts'

/** DIFY_DEBUG (default on) travels in the target's setting, so a conversion rebuilt in a worker reads it too. */
export const difyDebug = (target: Pick<UpstreamTarget, 'setting'>) => target.setting.difyDebug !== false

/**
 * What a workflow or agent step says as reasoning text with DIFY_DEBUG on (one line each), as new-api relays them;
 * null for events that carry no progress worth a line.
 */
function progressLine(event: string, payload: JsonObject): string | null {
  const data = isRecord(payload.data) ? payload.data : {}
  const name = typeof data.title === 'string' && data.title.length > 0 ? data.title : String(data.node_type ?? 'node')
  switch (event) {
    case 'workflow_started':
      return 'Workflow started'
    case 'workflow_finished':
      return `Workflow finished: ${String(data.status ?? 'unknown')}${typeof data.error === 'string' && data.error ? ` (${data.error})` : ''}`
    case 'node_started':
      return `Node started: ${name}`
    case 'node_finished': {
      const seconds = typeof data.elapsed_time === 'number' ? `, ${data.elapsed_time.toFixed(2)} s` : ''
      return `Node finished: ${name} (${String(data.status ?? 'unknown')}${seconds})`
    }
    case 'agent_thought':
      // An agent's tool call; its plain thoughts arrive as agent_message text already.
      return typeof payload.tool === 'string' && payload.tool.length > 0 ? `Tool: ${payload.tool} ${String(payload.tool_input ?? '')}`.trimEnd() : null
    default:
      return null
  }
}

/**
 * Dify chat-messages stream (`event` is a JSON field) → canonical chunks: `message` / `agent_message` answers →
 * content, `message_file` (an image the app made) → a Markdown image in the content, workflow, node and agent-tool
 * events → reasoning_content lines when DIFY_DEBUG is on (dropped when off: answer text only), `message_end` →
 * usage and the stop, `error` → the stream's error. `ping`, `tts_message*` and `message_replace` (a moderation
 * rewrite of text the client already has) carry nothing to relay.
 */
export function createDifyStreamParser(target: Pick<UpstreamTarget, 'setting'>): StreamParser {
  const debug = difyDebug(target)
  let id = ''
  const created = unixSeconds()
  let usage: Usage | null = null
  let finishReason: string | null = null
  let started = false

  function chunk(delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model: '', choices: [{ index: 0, delta, finish_reason: reason }] }
  }
  /** The first chunk carries the role. */
  function emit(delta: JsonObject): ChatChunk[] {
    if (started) return [chunk(delta)]
    started = true
    return [chunk({ role: 'assistant', ...delta })]
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      const payload = parseJsonObject(event.data)
      if (!payload) return []
      const type = String(payload.event ?? event.event ?? '')
      if (id === '' && typeof payload.message_id === 'string') id = payload.message_id
      switch (type) {
        case 'message':
        case 'agent_message':
          return typeof payload.answer === 'string' && payload.answer.length > 0 ? emit({ content: payload.answer }) : []
        case 'message_file':
          return payload.type === 'image' && typeof payload.url === 'string' ? emit({ content: `\n![image](${payload.url})\n` }) : []
        case 'message_end': {
          usage = convertDifyUsage(isRecord(payload.metadata) ? payload.metadata.usage : undefined)
          finishReason = 'stop'
          return [...(started ? [] : emit({ content: '' })), chunk({}, finishReason)]
        }
        case 'error':
          throw new UpstreamStreamError(mapDifyError(typeof payload.status === 'number' ? payload.status : 500, event.data))
        default: {
          if (!debug) return []
          const line = progressLine(type, payload)
          return line === null ? [] : emit({ reasoning_content: `${line}\n` })
        }
      }
    },
    flush: () => [],
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
