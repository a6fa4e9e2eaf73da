import { isRecord, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { UpstreamStreamError } from '../errors.ts'
import type { ChatChunk, SseEvent, StreamParser, Usage } from '../types.ts'
import { convertGeminiUsage } from './convert-gemini-usage.ts'
import { mapGeminiError } from './gemini-error.ts'
import { mapGeminiFinishReason } from './map-gemini-finish-reason.ts'

/** Non-call parts Gemini may return, rendered as text so nothing the model produced is lost. */
export function renderNonTextPart(part: JsonObject): string | null {
  if (isRecord(part.inlineData)) {
    const data = part.inlineData
    return `![image](data:${String(data.mimeType ?? 'application/octet-stream')};base64,${String(data.data ?? '')})`
  }
  if (isRecord(part.executableCode)) {
    const code = part.executableCode
    return `\n\`\`\`${String(code.language ?? '').toLowerCase()}\n${String(code.code ?? '')}\n\`\`\`\n`
  }
  if (isRecord(part.codeExecutionResult)) return `\n\`\`\`\n${String(part.codeExecutionResult.output ?? '')}\n\`\`\`\n`
  return null
}

/** Tool-call id for a Gemini function call, which usually has none: stable per response, call position. */
export function geminiToolCallId(call: JsonObject, responseId: string, candidateIndex: number, callIndex: number): string {
  if (typeof call.id === 'string' && call.id.length > 0) return call.id
  return `call_${responseId || 'gemini'}_${candidateIndex}_${callIndex}`
}

/** Applies one Vertex `partialArgs` entry (`$.a.b[0]` path + value) to the arguments being assembled. */
export function applyPartialArgument(args: JsonObject, partial: JsonObject): void {
  if (typeof partial.jsonPath !== 'string') return
  const segments: (string | number)[] = []
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g
  for (const match of partial.jsonPath.replace(/^\$/, '').matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1])
    else if (match[2] !== undefined) segments.push(Number(match[2]))
    else segments.push(match[3] ?? match[4])
  }
  if (segments.length === 0) return
  let container: any = args
  for (let index = 0; index < segments.length - 1; index++) {
    const segment = segments[index]
    if (container[segment] === undefined || container[segment] === null || typeof container[segment] !== 'object') {
      container[segment] = typeof segments[index + 1] === 'number' ? [] : {}
    }
    container = container[segment]
  }
  const last = segments[segments.length - 1]
  if (typeof partial.stringValue === 'string') {
    // String values arrive in pieces with willContinue; they concatenate.
    container[last] = (typeof container[last] === 'string' ? container[last] : '') + partial.stringValue
  } else if ('numberValue' in partial) {
    container[last] = partial.numberValue
  } else if ('boolValue' in partial) {
    container[last] = partial.boolValue
  } else if ('nullValue' in partial) {
    container[last] = null
  }
}

interface CandidateState {
  toolCount: number
  pending: { name: string; args: JsonObject; signature?: string; id?: string } | null
  finished: boolean
}

/**
 * Gemini `streamGenerateContent?alt=sse` → canonical chunks. Each event is a whole GenerateContentResponse.
 * Parts with `thought: true` → reasoning_content; text → content; a function call delivered whole → one
 * tool-call fragment with its full arguments and thought signature; a call streamed as Vertex `partialArgs`
 * (name with willContinue, argument pieces, then an empty functionCall) is assembled and emitted once complete.
 * Finish: STOP after a function call → tool_calls. Usage is the last usageMetadata (cumulative).
 */
export function createGeminiStreamParser(): StreamParser {
  let id = ''
  let model = ''
  const created = unixSeconds()
  let started = false
  let usage: Usage | null = null
  let finishReason: string | null = null
  const candidates = new Map<number, CandidateState>()

  function chunk(candidateIndex: number, delta: JsonObject, reason: string | null = null): ChatChunk {
    return { id, object: 'chat.completion.chunk', created, model, choices: [{ index: candidateIndex, delta, finish_reason: reason }] }
  }

  function stateFor(candidateIndex: number): CandidateState {
    let state = candidates.get(candidateIndex)
    if (state === undefined) {
      state = { toolCount: 0, pending: null, finished: false }
      candidates.set(candidateIndex, state)
    }
    return state
  }

  function emitCall(candidateIndex: number, state: CandidateState, name: string, args: JsonObject, signature: string | undefined, callId: string | undefined): ChatChunk {
    const call: JsonObject = {
      index: state.toolCount,
      id: geminiToolCallId(callId === undefined ? {} : { id: callId }, id, candidateIndex, state.toolCount),
      type: 'function',
      function: { name, arguments: JSON.stringify(args) },
    }
    if (signature !== undefined) call.extra_content = { google: { thought_signature: signature } }
    state.toolCount++
    return chunk(candidateIndex, { tool_calls: [call] })
  }

  function flushPending(candidateIndex: number, state: CandidateState, out: ChatChunk[]): void {
    if (state.pending === null) return
    const pending = state.pending
    state.pending = null
    out.push(emitCall(candidateIndex, state, pending.name, pending.args, pending.signature, pending.id))
  }

  return {
    push(event: SseEvent): ChatChunk[] {
      if (event.data.length === 0) return []
      let payload: unknown
      try {
        payload = JSON.parse(event.data)
      } catch {
        return []
      }
      if (Array.isArray(payload)) payload = payload[0]
      if (!isRecord(payload)) return []
      if (isRecord(payload.error)) {
        const code = typeof payload.error.code === 'number' ? payload.error.code : 500
        throw new UpstreamStreamError(mapGeminiError(code, event.data))
      }
      if (typeof payload.responseId === 'string') id = payload.responseId
      if (typeof payload.modelVersion === 'string') model = payload.modelVersion
      const out: ChatChunk[] = []
      if (!started) {
        started = true
        out.push(chunk(0, { role: 'assistant', content: '' }))
      }
      if (isRecord(payload.usageMetadata)) usage = convertGeminiUsage(payload.usageMetadata) ?? usage

      const candidateList = Array.isArray(payload.candidates) ? payload.candidates : []
      if (candidateList.length === 0 && isRecord(payload.promptFeedback) && payload.promptFeedback.blockReason !== undefined) {
        finishReason = 'content_filter'
        out.push(chunk(0, {}, 'content_filter'))
        return out
      }
      for (const [position, candidate] of candidateList.entries()) {
        if (!isRecord(candidate)) continue
        const candidateIndex = typeof candidate.index === 'number' ? candidate.index : position
        const state = stateFor(candidateIndex)
        const content = isRecord(candidate.content) ? candidate.content : {}
        for (const part of Array.isArray(content.parts) ? content.parts : []) {
          if (!isRecord(part)) continue
          const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : undefined
          if (isRecord(part.functionCall)) {
            const call = part.functionCall
            if (typeof call.name === 'string' && call.name.length > 0) {
              flushPending(candidateIndex, state, out)
              if (call.willContinue === true) {
                state.pending = { name: call.name, args: isRecord(call.args) ? { ...call.args } : {}, signature, id: typeof call.id === 'string' ? call.id : undefined }
              } else {
                out.push(emitCall(candidateIndex, state, call.name, isRecord(call.args) ? call.args : {}, signature, typeof call.id === 'string' ? call.id : undefined))
              }
            } else if (state.pending !== null) {
              for (const partial of Array.isArray(call.partialArgs) ? call.partialArgs : []) {
                if (isRecord(partial)) applyPartialArgument(state.pending.args, partial)
              }
              if (signature !== undefined) state.pending.signature ??= signature
              if (call.willContinue !== true) flushPending(candidateIndex, state, out)
            }
            continue
          }
          if (typeof part.text === 'string') {
            if (part.text.length === 0) continue
            out.push(chunk(candidateIndex, part.thought === true ? { reasoning_content: part.text } : { content: part.text }))
            continue
          }
          const rendered = renderNonTextPart(part)
          if (rendered !== null) out.push(chunk(candidateIndex, { content: rendered }))
        }
        if (candidate.finishReason !== undefined && !state.finished) {
          flushPending(candidateIndex, state, out)
          const reason = mapGeminiFinishReason(candidate.finishReason, state.toolCount > 0)
          if (reason !== null) {
            state.finished = true
            if (candidateIndex === 0) finishReason = reason
            out.push(chunk(candidateIndex, {}, reason))
          }
        }
      }
      return out
    },
    flush(): ChatChunk[] {
      const out: ChatChunk[] = []
      for (const [candidateIndex, state] of candidates) flushPending(candidateIndex, state, out)
      return out
    },
    usage: () => usage,
    finishReason: () => finishReason,
  }
}
