import { isRecord, unixSeconds } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'
import { mapFinishReasonToResponsesStatus } from '../../openai/map-openai-responses-finish-reason.ts'
import type {
  ChatChunk, ChatResponse, ClientError, InboundFormat, InboundStreamWriter, SseEvent, StreamWriterContext, Usage,
} from '../../types.ts'
import { openAiErrorBody } from '../openai-chat.ts'
import { convertResponsesRequestToCanonical } from './convert-responses-request.ts'

/** The one Usage record → Responses usage. */
export function toResponsesUsage(usage: Usage | null): JsonObject | null {
  if (usage === null) return null
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  }
}

function responseId(id: string): string {
  return id.startsWith('resp_') ? id : `resp_${id}`
}

/** The Response envelope; fields a client may read are present with neutral values. */
function responseEnvelope(id: string, model: string, created: number, status: string): JsonObject {
  return {
    id: responseId(id), object: 'response', created_at: created, status, background: false, error: null, incomplete_details: null,
    instructions: null, max_output_tokens: null, model, output: [], parallel_tool_calls: true, previous_response_id: null,
    reasoning: { effort: null, summary: null }, store: false, temperature: null, text: { format: { type: 'text' } },
    tool_choice: 'auto', tools: [], top_p: null, truncation: 'disabled', usage: null, metadata: {},
  }
}

function messageItem(id: string, text: string, status: string): JsonObject {
  return { id, type: 'message', status, role: 'assistant', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] }
}

function reasoningItem(id: string, text: string): JsonObject {
  return { id, type: 'reasoning', summary: text.length > 0 ? [{ type: 'summary_text', text }] : [] }
}

function functionCallItem(id: string, callId: string, name: string, argumentsText: string, status: string): JsonObject {
  return { id, type: 'function_call', status, arguments: argumentsText, call_id: callId, name }
}

/** Canonical chat completion → Responses Response object (reasoning item, message item, function_call items). */
export function convertCanonicalToResponse(response: ChatResponse, usage: Usage | null): JsonObject {
  const choice = isRecord(response.choices[0]) ? response.choices[0] : {}
  const message = isRecord(choice.message) ? choice.message : {}
  const finish = mapFinishReasonToResponsesStatus(typeof choice.finish_reason === 'string' ? choice.finish_reason : null)
  const created = typeof response.created === 'number' ? response.created : unixSeconds()
  const body = responseEnvelope(response.id, response.model, created, finish.status)
  body.incomplete_details = finish.incompleteDetails
  const output: JsonObject[] = []
  const reasoning = message.reasoning_content ?? message.reasoning
  if (typeof reasoning === 'string' && reasoning.length > 0) output.push(reasoningItem(`rs_${response.id}`, reasoning))
  let text = typeof message.content === 'string' ? message.content : ''
  if (Array.isArray(message.content)) for (const part of message.content) if (isRecord(part) && typeof part.text === 'string') text += part.text
  if (text.length > 0) output.push(messageItem(`msg_${response.id}`, text, 'completed'))
  if (typeof message.refusal === 'string' && message.refusal.length > 0) {
    output.push({ id: `msg_${response.id}_refusal`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: message.refusal }] })
  }
  for (const [callIndex, call] of (Array.isArray(message.tool_calls) ? message.tool_calls : []).entries()) {
    if (!isRecord(call) || !isRecord(call.function)) continue
    output.push(functionCallItem(`fc_${response.id}_${callIndex}`, String(call.id), String(call.function.name), String(call.function.arguments ?? ''), 'completed'))
  }
  body.output = output
  body.usage = toResponsesUsage(usage)
  return body
}

/**
 * Canonical chunks → Responses stream: response.created / in_progress, then one output item at a time
 * (reasoning summary, message text, function calls) each with its added → delta → done events, and finally
 * response.completed (or response.incomplete) holding every item and the usage. Every event has an
 * `event:` line and a sequence_number, as OpenAI's server sends them.
 */
export function createResponsesStreamWriter(context: StreamWriterContext): InboundStreamWriter {
  const created = context.created ?? unixSeconds()
  let sequence = 0
  let started = false
  let ended = false
  const output: JsonObject[] = []
  let open: { kind: 'reasoning' | 'message'; index: number; id: string; text: string } | null = null
  const calls = new Map<number, { index: number; id: string; callId: string; name: string; arguments: string }>()
  let callsOpen = false
  let finishReason: string | null = null

  function event(type: string, payload: JsonObject): SseEvent {
    return { event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...payload }) }
  }

  function start(out: SseEvent[]): void {
    if (started) return
    started = true
    const envelope = responseEnvelope(context.id, context.model, created, 'in_progress')
    out.push(event('response.created', { response: envelope }))
    out.push(event('response.in_progress', { response: envelope }))
  }

  function closeOpen(out: SseEvent[]): void {
    if (open === null) return
    const { kind, index, id, text } = open
    if (kind === 'message') {
      out.push(event('response.output_text.done', { item_id: id, output_index: index, content_index: 0, text, logprobs: [] }))
      out.push(event('response.content_part.done', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text, annotations: [], logprobs: [] } }))
      output[index] = messageItem(id, text, 'completed')
    } else {
      out.push(event('response.reasoning_summary_text.done', { item_id: id, output_index: index, summary_index: 0, text }))
      out.push(event('response.reasoning_summary_part.done', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text } }))
      output[index] = reasoningItem(id, text)
    }
    out.push(event('response.output_item.done', { output_index: index, item: output[index] }))
    open = null
  }

  function closeCalls(out: SseEvent[]): void {
    if (!callsOpen) return
    callsOpen = false
    for (const call of calls.values()) {
      if (output[call.index]?.status === 'completed') continue
      out.push(event('response.function_call_arguments.done', { item_id: call.id, output_index: call.index, arguments: call.arguments }))
      output[call.index] = functionCallItem(call.id, call.callId, call.name, call.arguments, 'completed')
      out.push(event('response.output_item.done', { output_index: call.index, item: output[call.index] }))
    }
  }

  function appendText(kind: 'reasoning' | 'message', text: string, out: SseEvent[]): void {
    if (open === null || open.kind !== kind) {
      closeOpen(out)
      closeCalls(out)
      const index = output.length
      const id = `${kind === 'message' ? 'msg' : 'rs'}_${context.id}_${index}`
      open = { kind, index, id, text: '' }
      if (kind === 'message') {
        output.push(messageItem(id, '', 'in_progress'))
        out.push(event('response.output_item.added', { output_index: index, item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } }))
        out.push(event('response.content_part.added', { item_id: id, output_index: index, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } }))
      } else {
        output.push(reasoningItem(id, ''))
        out.push(event('response.output_item.added', { output_index: index, item: { id, type: 'reasoning', summary: [] } }))
        out.push(event('response.reasoning_summary_part.added', { item_id: id, output_index: index, summary_index: 0, part: { type: 'summary_text', text: '' } }))
      }
    }
    open.text += text
    if (kind === 'message') {
      out.push(event('response.output_text.delta', { item_id: open.id, output_index: open.index, content_index: 0, delta: text, logprobs: [] }))
    } else {
      out.push(event('response.reasoning_summary_text.delta', { item_id: open.id, output_index: open.index, summary_index: 0, delta: text }))
    }
  }

  return {
    push(chunk: ChatChunk): SseEvent[] {
      if (ended) return []
      const out: SseEvent[] = []
      start(out)
      for (const choice of chunk.choices) {
        if (!isRecord(choice) || (choice.index ?? 0) !== 0) continue
        const delta = isRecord(choice.delta) ? choice.delta : {}
        const reasoning = delta.reasoning_content ?? delta.reasoning
        if (typeof reasoning === 'string' && reasoning.length > 0) appendText('reasoning', reasoning, out)
        for (const text of [delta.content, delta.refusal]) if (typeof text === 'string' && text.length > 0) appendText('message', text, out)
        for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
          if (!isRecord(call)) continue
          const toolIndex = typeof call.index === 'number' ? call.index : 0
          const fn = isRecord(call.function) ? call.function : {}
          let state = calls.get(toolIndex)
          if (state === undefined) {
            closeOpen(out)
            const index = output.length
            const callId = typeof call.id === 'string' && call.id.length > 0 ? call.id : `call_${context.id}_${toolIndex}`
            state = { index, id: `fc_${context.id}_${index}`, callId, name: String(fn.name ?? ''), arguments: '' }
            calls.set(toolIndex, state)
            callsOpen = true
            output.push(functionCallItem(state.id, callId, state.name, '', 'in_progress'))
            out.push(event('response.output_item.added', { output_index: index, item: output[index] }))
          }
          if (typeof fn.arguments === 'string' && fn.arguments.length > 0) {
            state.arguments += fn.arguments
            out.push(event('response.function_call_arguments.delta', { item_id: state.id, output_index: state.index, delta: fn.arguments }))
          }
        }
        if (typeof choice.finish_reason === 'string') finishReason = choice.finish_reason
      }
      return out
    },
    flush: () => [],
    finish(usage: Usage | null): SseEvent[] {
      if (ended) return []
      ended = true
      const out: SseEvent[] = []
      start(out)
      closeOpen(out)
      closeCalls(out)
      const finish = mapFinishReasonToResponsesStatus(finishReason)
      const response = responseEnvelope(context.id, context.model, created, finish.status)
      response.incomplete_details = finish.incompleteDetails
      response.output = output
      response.usage = toResponsesUsage(usage)
      out.push(event(finish.status === 'completed' ? 'response.completed' : 'response.incomplete', { response }))
      return out
    },
    fail(error: ClientError): SseEvent[] {
      if (ended) return []
      ended = true
      const out: SseEvent[] = []
      start(out)
      out.push(event('error', { code: error.code || error.type, message: error.message, param: null }))
      const response = responseEnvelope(context.id, context.model, created, 'failed')
      response.error = { code: error.code || error.type, message: error.message }
      response.output = output
      out.push(event('response.failed', { response }))
      return out
    },
  }
}

export const openAiResponsesInbound: InboundFormat = {
  id: 'openai-responses',
  toCanonical: convertResponsesRequestToCanonical,
  fromCanonical: convertCanonicalToResponse,
  createStreamWriter: createResponsesStreamWriter,
  errorBody: openAiErrorBody,
}
