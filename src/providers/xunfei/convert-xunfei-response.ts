import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { emptyUsage, type ChatResponse, type Usage } from '../types.ts'

/**
 * Spark answer frames → canonical. A frame: `header {code, message, sid, status}` (status 2 = last) and
 * `payload.choices.text[]` pieces `{role, content, index}` or, for a function call, `{function_call: {name,
 * arguments}}`; the last frame carries `payload.usage.text {prompt_tokens, completion_tokens, total_tokens}`.
 */

export function readXunfeiUsage(frame: JsonObject): Usage | null {
  const payload = isRecord(frame.payload) ? frame.payload : {}
  const usage = isRecord(payload.usage) && isRecord(payload.usage.text) ? payload.usage.text : undefined
  if (!usage) return null
  return { ...emptyUsage(), inputTokens: Number(usage.prompt_tokens ?? 0), outputTokens: Number(usage.completion_tokens ?? 0) }
}

export function framePieces(frame: JsonObject): JsonObject[] {
  const payload = isRecord(frame.payload) ? frame.payload : {}
  const choices = isRecord(payload.choices) ? payload.choices : {}
  return Array.isArray(choices.text) ? choices.text.filter(isRecord) : []
}

export const frameSid = (frame: JsonObject): string => (isRecord(frame.header) && typeof frame.header.sid === 'string' ? frame.header.sid : '')

export const frameIsLast = (frame: JsonObject): boolean => isRecord(frame.header) && frame.header.status === 2

/** A piece's function call as a canonical tool call (Spark gives no id: the session id names it). */
export function pieceToolCall(piece: JsonObject, sid: string, index: number): JsonObject | undefined {
  if (!isRecord(piece.function_call)) return undefined
  const call = piece.function_call
  return { id: `call_${sid || 'spark'}_${index}`, type: 'function', function: { name: String(call.name ?? ''), arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}) } }
}

/** The aggregated non-stream body `{frames: [...]}` (see WebSocketExchange) → one chat completion. */
export function convertXunfeiResponse(body: JsonObject, model: string): { response: ChatResponse; usage: Usage | null } {
  const frames = Array.isArray(body.frames) ? body.frames.filter(isRecord) : []
  let content = ''
  const toolCalls: JsonObject[] = []
  let usage: Usage | null = null
  let sid = ''
  for (const frame of frames) {
    sid ||= frameSid(frame)
    for (const piece of framePieces(frame)) {
      if (typeof piece.content === 'string') content += piece.content
      const call = pieceToolCall(piece, sid, toolCalls.length)
      if (call) toolCalls.push(call)
    }
    usage = readXunfeiUsage(frame) ?? usage
  }
  const message: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (toolCalls.length > 0) message.tool_calls = toolCalls
  const response: ChatResponse = {
    id: sid, object: 'chat.completion', created: unixSeconds(), model,
    choices: [{ index: 0, message, finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop' }],
  }
  if (usage) response.usage = toOpenAiUsage(usage)
  return { response, usage }
}

/** Usage of an aggregated body (the last frame's). */
export function readAggregatedUsage(body: JsonObject): Usage | null {
  const frames = Array.isArray(body.frames) ? body.frames.filter(isRecord) : []
  for (let index = frames.length - 1; index >= 0; index--) {
    const usage = readXunfeiUsage(frames[index]!)
    if (usage) return usage
  }
  return null
}
