import type { ChunkRewrite } from './chunk-rewriter.ts'

/**
 * A channel's `setting.force_format` (new-api's "force the OpenAI format"): an OpenAI-compatible upstream whose
 * answers stray from OpenAI's shape (missing `object` or `created`, choices without `index`, content as a list of
 * parts, extra vendor fields that strict clients reject) is rewritten into exactly the fields OpenAI's Chat
 * Completions API defines, so typed SDKs parse it. Only on OpenAI chat answers of channels that ask for it; other
 * traffic passes byte for byte.
 */

/** What a rewritten answer falls back to where the upstream left a required field out. */
export interface FormatDefaults {
  id: string
  model: string
  created: number
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/** The named fields of `source` that are present (undefined ones are left out, as JSON would). */
function pick(source: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const name of names) if (source[name] !== undefined) out[name] = source[name]
  return out
}

/** Content as OpenAI sends it: a string or null; a vendor's list of text parts becomes their text. */
function contentOf(content: unknown): string | null | undefined {
  if (content === undefined || content === null || typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part) => (typeof part === 'string' ? part : isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('')
  return String(content)
}

const messageFields = ['role', 'content', 'refusal', 'reasoning_content', 'tool_calls', 'function_call', 'audio', 'annotations'] as const
const usageFields = ['prompt_tokens', 'completion_tokens', 'total_tokens', 'prompt_tokens_details', 'completion_tokens_details'] as const

function message(source: unknown, isDelta: boolean): Record<string, unknown> {
  const fields = pick(isRecord(source) ? source : {}, messageFields)
  // A reasoner that names it `reasoning` (OpenRouter, vLLM) keeps it under the name OpenAI-compatible clients read.
  if (fields.reasoning_content === undefined && isRecord(source) && typeof source.reasoning === 'string') fields.reasoning_content = source.reasoning
  if ('content' in fields) fields.content = contentOf(fields.content)
  if (!isDelta) {
    fields.role ??= 'assistant'
    if (!('content' in fields)) fields.content = null
  }
  return fields
}

function usage(source: unknown): Record<string, unknown> | null | undefined {
  if (source === null || source === undefined) return source
  if (!isRecord(source)) return undefined
  const fields = pick(source, usageFields)
  const prompt = Number(fields.prompt_tokens ?? 0)
  const completion = Number(fields.completion_tokens ?? 0)
  return { ...fields, prompt_tokens: prompt, completion_tokens: completion, total_tokens: Number(fields.total_tokens ?? prompt + completion) }
}

function choices(source: unknown, isDelta: boolean): Record<string, unknown>[] {
  if (!Array.isArray(source)) return []
  return source.map((choice: unknown, position) => {
    const fields = isRecord(choice) ? choice : {}
    return {
      index: typeof fields.index === 'number' ? fields.index : position,
      [isDelta ? 'delta' : 'message']: message(isDelta ? fields.delta : fields.message, isDelta),
      logprobs: fields.logprobs ?? null,
      finish_reason: fields.finish_reason ?? null,
    }
  })
}

function envelope(body: Record<string, unknown>, object: string, defaults: FormatDefaults, isDelta: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: typeof body.id === 'string' && body.id ? body.id : defaults.id,
    object,
    created: typeof body.created === 'number' ? body.created : defaults.created,
    model: typeof body.model === 'string' && body.model ? body.model : defaults.model,
    ...pick(body, ['system_fingerprint', 'service_tier']),
    choices: choices(body.choices, isDelta),
  }
  const counted = usage(body.usage)
  if (counted !== undefined) out.usage = counted
  return out
}

/** A whole chat completion in OpenAI's shape. */
export const forceFormatResponse = (body: Record<string, unknown>, defaults: FormatDefaults) => envelope(body, 'chat.completion', defaults, false)

/** The stream's chunks in OpenAI's shape; every chunk of one stream gets the same fallback id. */
export const forceFormatChunks = (defaults: FormatDefaults): ChunkRewrite => (chunk) => envelope(chunk, 'chat.completion.chunk', defaults, true)
