import { assertSingleChoice, maxOutputTokens, stopSequences, systemText, textOfContent } from '../canonical.ts'
import type { JsonObject } from '../canonical.ts'
import { ConversionError } from '../errors.ts'
import type { ChatRequest } from '../types.ts'

/**
 * A chat request → a Replicate language model's `input`. Every chat model there (meta/meta-llama-3-*, anthropic/claude-*,
 * deepseek-ai/*, openai/gpt-*) takes `prompt` and `system_prompt`, while `messages` is taken by a few only and
 * typed differently from model to model, so the rule is: system and developer messages → `system_prompt`; one
 * user message → `prompt` as it is; a longer conversation → `prompt` as a transcript of `User:` / `Assistant:`
 * turns ending with `Assistant:`, which the models' own chat templates then wrap as one user turn.
 * Sampling: `max_tokens` (from max_tokens or max_completion_tokens), `temperature`, `top_p`, `presence_penalty`,
 * `frequency_penalty`, `seed` and `stop_sequences` (comma-joined) are sent only when the client set them; a model
 * whose schema names them otherwise (`max_new_tokens`) takes them through the channel's parameter override.
 * Content must be text: images and tools have no common input across Replicate models and are refused (400).
 */

const SAMPLING = ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'seed'] as const

function turnText(content: unknown, param: string): string {
  const text = textOfContent(content)
  if (text === null) throw new ConversionError('unsupported_content', `${param}: Replicate chat takes text only`, param)
  return text
}

export function convertToReplicateInput(request: ChatRequest): JsonObject {
  assertSingleChoice(request, 'Replicate')
  if (Array.isArray(request.tools) && request.tools.length > 0) throw new ConversionError('unsupported_parameter', 'Replicate models take no tools', 'tools')
  const system: string[] = []
  const turns: { role: 'User' | 'Assistant'; text: string }[] = []
  request.messages.forEach((message, index) => {
    const param = `messages[${index}].content`
    if (message.role === 'system' || message.role === 'developer') system.push(systemText(message, param))
    else if (message.role === 'user') turns.push({ role: 'User', text: turnText(message.content, param) })
    else if (message.role === 'assistant') turns.push({ role: 'Assistant', text: turnText(message.content, param) })
    else throw new ConversionError('unsupported_role', `messages[${index}].role: Replicate chat takes system, user and assistant messages, not ${message.role}`, `messages[${index}].role`)
  })
  if (turns.length === 0) throw new ConversionError('invalid_request', 'messages: Replicate needs at least one user message', 'messages')
  const prompt = turns.length === 1 && turns[0]!.role === 'User'
    ? turns[0]!.text
    : `${turns.map((turn) => `${turn.role}: ${turn.text}`).join('\n\n')}\n\nAssistant:`
  const input: JsonObject = { prompt }
  if (system.length > 0) input.system_prompt = system.join('\n\n')
  const maxTokens = maxOutputTokens(request)
  if (maxTokens !== undefined) input.max_tokens = maxTokens
  for (const field of SAMPLING) if (typeof request[field] === 'number') input[field] = request[field]
  const stop = stopSequences(request)
  if (stop && stop.length > 0) input.stop_sequences = stop.join(',')
  return input
}
