import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { CanonicalToolCall, JsonObject } from '../canonical.ts'
import type { ChatResponse, ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertGeminiUsage } from './convert-gemini-usage.ts'
import { convertToGeminiRequest } from './convert-to-gemini-messages.ts'
import { mapGeminiError } from './gemini-error.ts'
import { createGeminiStreamParser, geminiToolCallId, renderNonTextPart } from './gemini-stream-parser.ts'
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts'

/**
 * API version for a model: GEMINI_MODEL_MAP (passed as `target.setting.geminiModelMap`, either an object or
 * new-api's `model:version,model:version` text) or v1beta, where every current feature lives.
 */
export function geminiApiVersion(model: string, setting: Record<string, unknown>): string {
  const map = setting.geminiModelMap ?? setting.GEMINI_MODEL_MAP
  if (isRecord(map)) {
    const version = map[model]
    return typeof version === 'string' && version.length > 0 ? version : 'v1beta'
  }
  if (typeof map === 'string') {
    for (const entry of map.split(',')) {
      const separator = entry.lastIndexOf(':')
      if (separator > 0 && entry.slice(0, separator).trim() === model) return entry.slice(separator + 1).trim()
    }
  }
  return 'v1beta'
}

export function buildGeminiRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
  const version = geminiApiVersion(target.model, target.setting)
  const action = target.stream ? 'streamGenerateContent?alt=sse' : 'generateContent'
  return {
    url: joinUrl(target.baseUrl, `/${version}/models/${encodeURIComponent(target.model)}:${action}`),
    headers: { 'content-type': 'application/json', 'x-goog-api-key': target.key },
    body: JSON.stringify(native),
  }
}

/** A GenerateContentResponse → canonical chat completion, one choice per candidate. */
export function convertGeminiResponse(body: JsonObject): ChatResponse {
  const responseId = typeof body.responseId === 'string' ? body.responseId : ''
  const choices: unknown[] = []
  for (const [position, candidate] of (Array.isArray(body.candidates) ? body.candidates : []).entries()) {
    if (!isRecord(candidate)) continue
    const candidateIndex = typeof candidate.index === 'number' ? candidate.index : position
    let content = ''
    let reasoning = ''
    const toolCalls: CanonicalToolCall[] = []
    const parts = isRecord(candidate.content) && Array.isArray(candidate.content.parts) ? candidate.content.parts : []
    for (const part of parts) {
      if (!isRecord(part)) continue
      if (isRecord(part.functionCall)) {
        const call: CanonicalToolCall = {
          id: geminiToolCallId(part.functionCall, responseId, candidateIndex, toolCalls.length),
          type: 'function',
          function: { name: String(part.functionCall.name), arguments: JSON.stringify(part.functionCall.args ?? {}) },
        }
        if (typeof part.thoughtSignature === 'string') call.extra_content = { google: { thought_signature: part.thoughtSignature } }
        toolCalls.push(call)
      } else if (typeof part.text === 'string') {
        if (part.thought === true) reasoning += part.text
        else content += part.text
      } else {
        content += renderNonTextPart(part) ?? ''
      }
    }
    const message: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
    if (reasoning.length > 0) message.reasoning_content = reasoning
    if (toolCalls.length > 0) message.tool_calls = toolCalls
    choices.push({ index: candidateIndex, message, finish_reason: mapGeminiFinishReason(candidate.finishReason, toolCalls.length > 0) ?? 'stop' })
  }
  if (choices.length === 0) {
    // The prompt itself was blocked (promptFeedback.blockReason): no candidate at all.
    choices.push({ index: 0, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' })
  }
  const usage = convertGeminiUsage(body.usageMetadata)
  const response: ChatResponse = {
    id: responseId,
    object: 'chat.completion',
    created: unixSeconds(),
    model: String(body.modelVersion ?? ''),
    choices,
  }
  if (usage !== null) response.usage = toOpenAiUsage(usage)
  return response
}

export const geminiAdaptor: ProviderAdaptor = {
  id: 'gemini',
  format: 'gemini',
  toUpstream: convertToGeminiRequest,
  buildRequest: buildGeminiRequest,
  fromUpstream(body: Record<string, unknown>) {
    return { response: convertGeminiResponse(body), usage: convertGeminiUsage(body.usageMetadata) }
  },
  createStreamParser: () => createGeminiStreamParser(),
  readUsage: (body: Record<string, unknown>) => convertGeminiUsage(body.usageMetadata),
  mapError: mapGeminiError,
}
