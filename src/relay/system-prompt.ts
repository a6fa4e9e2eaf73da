import type { CachedChannel } from '../cache/routing.ts'
import type { WireFormat } from '../providers/types.ts'

/**
 * A channel's system prompt (`setting.system_prompt`, new-api's): added to every chat request that has none; with
 * `setting.system_prompt_override` it also goes in front of the client's own (separated by a blank line). Applied to
 * the body in the format it is sent in — OpenAI `messages`, Anthropic `system`, Gemini `systemInstruction`, Responses
 * `instructions` — so native pass-through keeps it too. Returns the same body when there is nothing to do.
 */
export function withSystemPrompt(format: WireFormat, body: Record<string, unknown>, channel: CachedChannel): Record<string, unknown> {
  const prompt = channel.setting.system_prompt
  if (typeof prompt !== 'string' || prompt === '') return body
  const override = channel.setting.system_prompt_override === true
  const joined = (existing: string) => `${prompt}\n\n${existing}`
  switch (format) {
    case 'openai-chat': {
      const messages = Array.isArray(body.messages) ? body.messages as Record<string, unknown>[] : []
      const first = messages[0]
      const isSystem = first && (first.role === 'system' || first.role === 'developer')
      if (!isSystem) return { ...body, messages: [{ role: 'system', content: prompt }, ...messages] }
      if (!override) return body
      const content = typeof first.content === 'string' ? joined(first.content) : [{ type: 'text', text: prompt }, ...(Array.isArray(first.content) ? first.content : [])]
      return { ...body, messages: [{ ...first, content }, ...messages.slice(1)] }
    }
    case 'anthropic': {
      const system = body.system
      if (system === undefined || system === '' || (Array.isArray(system) && system.length === 0)) return { ...body, system: prompt }
      if (!override) return body
      return { ...body, system: typeof system === 'string' ? joined(system) : [{ type: 'text', text: prompt }, ...(system as unknown[])] }
    }
    case 'gemini': {
      const field = body.systemInstruction !== undefined ? 'systemInstruction' : body.system_instruction !== undefined ? 'system_instruction' : undefined
      if (!field) return { ...body, systemInstruction: { parts: [{ text: prompt }] } }
      if (!override) return body
      const instruction = body[field] as { parts?: unknown[] }
      return { ...body, [field]: { ...instruction, parts: [{ text: prompt }, ...(instruction.parts ?? [])] } }
    }
    case 'openai-responses': {
      const instructions = body.instructions
      if (typeof instructions !== 'string' || instructions === '') return { ...body, instructions: prompt }
      return override ? { ...body, instructions: joined(instructions) } : body
    }
    default:
      return body
  }
}
