import { isRecord, toOpenAiUsage, unixSeconds } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { emptyUsage, type ChatResponse, type Usage } from '../types.ts'

/**
 * Ollama chat answers → canonical. Usage is `prompt_eval_count` (prompt tokens; absent when the whole prompt was
 * in the KV cache, so 0) and `eval_count` (generated tokens), on the final object (`done: true`) only. Ollama gives
 * tool calls no ids, so they are numbered here (`call_<n>`), stable within one answer.
 */

/** Usage from a final `/api/chat` object, or an OpenAI-shaped `usage` (Ollama's `/v1/completions` answers); null when neither. */
export function convertOllamaUsage(body: JsonObject): Usage | null {
  if (typeof body.eval_count === 'number' || typeof body.prompt_eval_count === 'number') {
    return { ...emptyUsage(), inputTokens: Number(body.prompt_eval_count ?? 0), outputTokens: Number(body.eval_count ?? 0) }
  }
  const usage = isRecord(body.usage) ? body.usage : undefined
  if (usage && typeof usage.prompt_tokens === 'number') return { ...emptyUsage(), inputTokens: usage.prompt_tokens, outputTokens: Number(usage.completion_tokens ?? 0) }
  return null
}

/** `done_reason` → OpenAI's finish_reason: `length` stays, everything else (stop, load, unload) is a stop. */
export function mapOllamaFinishReason(doneReason: unknown, calledTools: boolean): string {
  if (calledTools) return 'tool_calls'
  return doneReason === 'length' ? 'length' : 'stop'
}

export function ollamaToolCalls(message: JsonObject, firstIndex: number): JsonObject[] {
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls.filter(isRecord) : []
  return calls.map((call, offset) => {
    const fn = isRecord(call.function) ? call.function : {}
    const index = firstIndex + offset
    return {
      index, id: typeof call.id === 'string' ? call.id : `call_${index}`, type: 'function',
      function: { name: String(fn.name ?? ''), arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) },
    }
  })
}

export function convertOllamaResponse(body: JsonObject, model: string): { response: ChatResponse; usage: Usage | null } {
  const message = isRecord(body.message) ? body.message : {}
  const toolCalls = ollamaToolCalls(message, 0).map(({ index: _index, ...call }) => call)
  const content = typeof message.content === 'string' ? message.content : ''
  const canonical: JsonObject = { role: 'assistant', content: content.length > 0 || toolCalls.length === 0 ? content : null }
  if (typeof message.thinking === 'string' && message.thinking.length > 0) canonical.reasoning_content = message.thinking
  if (toolCalls.length > 0) canonical.tool_calls = toolCalls
  const usage = convertOllamaUsage(body)
  const created = typeof body.created_at === 'string' ? Math.floor(Date.parse(body.created_at) / 1000) : NaN
  const response: ChatResponse = {
    id: '', object: 'chat.completion', created: Number.isFinite(created) ? created : unixSeconds(), model,
    choices: [{ index: 0, message: canonical, finish_reason: mapOllamaFinishReason(body.done_reason, toolCalls.length > 0) }],
  }
  if (usage) response.usage = toOpenAiUsage(usage)
  return { response, usage }
}
