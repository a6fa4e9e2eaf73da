import { describe, expect, test } from 'bun:test'
import type { CachedChannel } from '../cache/routing.ts'
import { withSystemPrompt } from './system-prompt.ts'

const channel = (setting: Record<string, unknown>) => ({ setting }) as CachedChannel
const add = channel({ system_prompt: 'Policy.' })
const over = channel({ system_prompt: 'Policy.', system_prompt_override: true })

describe('channel system prompt, per wire format', () => {
  test('OpenAI Chat: a system message first; a client system message kept, or prefixed with override', () => {
    expect(withSystemPrompt('openai-chat', { messages: [{ role: 'user', content: 'hi' }] }, add).messages).toEqual([{ role: 'system', content: 'Policy.' }, { role: 'user', content: 'hi' }])
    const own = { messages: [{ role: 'developer', content: 'Mine.' }, { role: 'user', content: 'hi' }] }
    expect(withSystemPrompt('openai-chat', own, add)).toBe(own)
    expect((withSystemPrompt('openai-chat', own, over).messages as { content: string }[])[0]!.content).toBe('Policy.\n\nMine.')
    const parts = { messages: [{ role: 'system', content: [{ type: 'text', text: 'Mine.' }] }] }
    expect((withSystemPrompt('openai-chat', parts, over).messages as { content: unknown }[])[0]!.content).toEqual([{ type: 'text', text: 'Policy.' }, { type: 'text', text: 'Mine.' }])
  })

  test('Anthropic, Gemini and Responses bodies get it in their own field', () => {
    expect(withSystemPrompt('anthropic', { messages: [] }, add).system).toBe('Policy.')
    expect(withSystemPrompt('anthropic', { system: [{ type: 'text', text: 'Mine.' }] }, over).system).toEqual([{ type: 'text', text: 'Policy.' }, { type: 'text', text: 'Mine.' }])
    expect(withSystemPrompt('gemini', { contents: [] }, add).systemInstruction).toEqual({ parts: [{ text: 'Policy.' }] })
    expect(withSystemPrompt('gemini', { system_instruction: { parts: [{ text: 'Mine.' }] } }, over).system_instruction).toEqual({ parts: [{ text: 'Policy.' }, { text: 'Mine.' }] })
    expect(withSystemPrompt('openai-responses', { input: 'hi' }, add).instructions).toBe('Policy.')
    expect(withSystemPrompt('openai-responses', { instructions: 'Mine.' }, over).instructions).toBe('Policy.\n\nMine.')
  })

  test('no prompt, no change', () => {
    const body = { messages: [] }
    expect(withSystemPrompt('openai-chat', body, channel({}))).toBe(body)
  })
})
