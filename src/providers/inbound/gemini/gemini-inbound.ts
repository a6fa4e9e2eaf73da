import { isRecord, parseModelArguments } from '../../canonical.ts'
import type { JsonObject } from '../../canonical.ts'
import { toGeminiUsage } from '../../gemini/convert-gemini-usage.ts'
import { mapFinishReasonToGemini } from '../../gemini/map-gemini-finish-reason.ts'
import type {
  ChatChunk, ChatResponse, ClientError, InboundFormat, InboundStreamWriter, SseEvent, StreamWriterContext, Usage,
} from '../../types.ts'
import { convertGeminiRequestToCanonical } from './convert-gemini-request.ts'
import { groundingFromCitations } from './grounding-from-citations.ts'

function functionCallPart(call: JsonObject): JsonObject {
  const fn = isRecord(call.function) ? call.function : {}
  const part: JsonObject = { functionCall: { id: call.id, name: fn.name, args: parseModelArguments(String(fn.arguments ?? '')) } }
  const google = isRecord(call.extra_content) && isRecord(call.extra_content.google) ? call.extra_content.google : {}
  if (typeof google.thought_signature === 'string') part.thoughtSignature = google.thought_signature
  return part
}

/** Canonical chat completion → Gemini GenerateContentResponse, one candidate per choice. */
export function convertCanonicalToGeminiResponse(response: ChatResponse, usage: Usage | null): JsonObject {
  const grounding = groundingFromCitations(response)
  const candidates = response.choices.filter(isRecord).map((choice, position) => {
    const message = isRecord(choice.message) ? choice.message : {}
    const parts: JsonObject[] = []
    const reasoning = message.reasoning_content ?? message.reasoning
    if (typeof reasoning === 'string' && reasoning.length > 0) parts.push({ text: reasoning, thought: true })
    if (typeof message.content === 'string' && message.content.length > 0) parts.push({ text: message.content })
    if (typeof message.refusal === 'string' && message.refusal.length > 0) parts.push({ text: message.refusal })
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) if (isRecord(call)) parts.push(functionCallPart(call))
    if (parts.length === 0) parts.push({ text: '' })
    const candidate: JsonObject = {
      content: { role: 'model', parts },
      finishReason: mapFinishReasonToGemini(typeof choice.finish_reason === 'string' ? choice.finish_reason : null),
      index: typeof choice.index === 'number' ? choice.index : position,
    }
    if (grounding !== undefined) candidate.groundingMetadata = grounding
    return candidate
  })
  const body: JsonObject = { candidates, modelVersion: response.model, responseId: response.id }
  const usageMetadata = toGeminiUsage(usage)
  if (usageMetadata !== undefined) body.usageMetadata = usageMetadata
  return body
}

/**
 * Canonical chunks → Gemini `alt=sse` stream: one GenerateContentResponse per chunk with text (thought parts
 * for reasoning). Function calls are sent whole, as Gemini does: their argument fragments are assembled and
 * sent in the final event together with finishReason and usageMetadata, and so are the answer's web sources
 * (Perplexity's and xAI's citations, which they repeat or complete on later chunks) as groundingMetadata.
 */
export function createGeminiStreamWriter(context: StreamWriterContext): InboundStreamWriter {
  const calls = new Map<number, Map<number, JsonObject>>()
  const finishReasons = new Map<number, string>()
  let grounding: JsonObject | undefined
  let ended = false

  function event(candidates: JsonObject[], usageMetadata?: JsonObject): SseEvent {
    const body: JsonObject = { candidates, modelVersion: context.model, responseId: context.id }
    if (usageMetadata !== undefined) body.usageMetadata = usageMetadata
    return { data: JSON.stringify(body) }
  }

  return {
    push(chunk: ChatChunk): SseEvent[] {
      if (ended) return []
      const out: SseEvent[] = []
      if (chunk.citations !== undefined || chunk.search_results !== undefined) grounding = groundingFromCitations(chunk) ?? grounding
      for (const choice of chunk.choices) {
        if (!isRecord(choice)) continue
        const candidateIndex = typeof choice.index === 'number' ? choice.index : 0
        const delta = isRecord(choice.delta) ? choice.delta : {}
        const parts: JsonObject[] = []
        const reasoning = delta.reasoning_content ?? delta.reasoning
        if (typeof reasoning === 'string' && reasoning.length > 0) parts.push({ text: reasoning, thought: true })
        if (typeof delta.content === 'string' && delta.content.length > 0) parts.push({ text: delta.content })
        if (typeof delta.refusal === 'string' && delta.refusal.length > 0) parts.push({ text: delta.refusal })
        if (parts.length > 0) out.push(event([{ content: { role: 'model', parts }, index: candidateIndex }]))
        for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
          if (!isRecord(call)) continue
          let byIndex = calls.get(candidateIndex)
          if (byIndex === undefined) calls.set(candidateIndex, (byIndex = new Map()))
          const toolIndex = typeof call.index === 'number' ? call.index : 0
          const fn = isRecord(call.function) ? call.function : {}
          const slot = byIndex.get(toolIndex) ?? { id: undefined, type: 'function', function: { name: '', arguments: '' } }
          if (typeof call.id === 'string' && call.id.length > 0) slot.id = call.id
          const slotFunction = slot.function as JsonObject
          if (typeof fn.name === 'string' && fn.name.length > 0) slotFunction.name = fn.name
          if (typeof fn.arguments === 'string') slotFunction.arguments = String(slotFunction.arguments) + fn.arguments
          if (call.extra_content !== undefined) slot.extra_content = call.extra_content
          byIndex.set(toolIndex, slot)
        }
        if (typeof choice.finish_reason === 'string') finishReasons.set(candidateIndex, choice.finish_reason)
      }
      return out
    },
    flush: () => [],
    finish(usage: Usage | null): SseEvent[] {
      if (ended) return []
      ended = true
      const indexes = new Set<number>([0, ...calls.keys(), ...finishReasons.keys()])
      const candidates = [...indexes].sort((left, right) => left - right).map((candidateIndex) => {
        const parts = [...(calls.get(candidateIndex)?.values() ?? [])].map(functionCallPart)
        const candidate: JsonObject = {
          content: { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] },
          finishReason: mapFinishReasonToGemini(finishReasons.get(candidateIndex) ?? null),
          index: candidateIndex,
        }
        if (grounding !== undefined) candidate.groundingMetadata = grounding
        return candidate
      })
      return [event(candidates, toGeminiUsage(usage))]
    },
    fail(error: ClientError): SseEvent[] {
      if (ended) return []
      ended = true
      return [{ data: JSON.stringify(geminiErrorBody(error)) }]
    },
  }
}

/** Google RPC status names for HTTP statuses, as Google's own error bodies carry them. */
function rpcStatus(status: number): string {
  switch (status) {
    case 400: return 'INVALID_ARGUMENT'
    case 401: return 'UNAUTHENTICATED'
    case 403: return 'PERMISSION_DENIED'
    case 404: return 'NOT_FOUND'
    case 409: return 'ABORTED'
    case 429: return 'RESOURCE_EXHAUSTED'
    case 499: return 'CANCELLED'
    case 501: return 'UNIMPLEMENTED'
    case 503: return 'UNAVAILABLE'
    case 504: return 'DEADLINE_EXCEEDED'
    default: return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'
  }
}

export function geminiErrorBody(error: ClientError): Record<string, unknown> {
  return { error: { code: error.status, message: error.message, status: rpcStatus(error.status) } }
}

export const geminiInbound: InboundFormat = {
  id: 'gemini',
  toCanonical: convertGeminiRequestToCanonical,
  fromCanonical: convertCanonicalToGeminiResponse,
  createStreamWriter: createGeminiStreamWriter,
  errorBody: geminiErrorBody,
}
