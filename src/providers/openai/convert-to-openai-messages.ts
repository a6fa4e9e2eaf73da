import { stripCanonicalExtensions } from '../canonical.ts'
import type { ChatRequest, UpstreamTarget } from '../types.ts'

export interface OpenAiRequestOptions {
  /** Ask for `stream_options.include_usage` on streams (every vendor that accepts it; billing needs the usage). */
  streamUsageOption: boolean
  /** Official OpenAI semantics: reasoning models take max_completion_tokens and refuse reasoning_effort elsewhere. */
  officialOpenAi: boolean
}

/** OpenAI reasoning model families, which refuse `max_tokens` and accept `reasoning_effort`. */
export function isOpenAiReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5|codex-)/.test(model)
}

/**
 * Canonical request → OpenAI Chat request. The canonical shape IS OpenAI Chat, so this only: sets the upstream
 * model, removes canonical extension fields OpenAI would refuse, keeps `stream_options` consistent with `stream`
 * (OpenAI refuses stream_options on a non-stream call), and renames max_tokens for reasoning models (which refuse
 * it: see fixture openai-chat/reasoning-model-legacy-parameter-error.json).
 */
export function convertToOpenAiChatRequest(request: ChatRequest, target: UpstreamTarget, options: OpenAiRequestOptions): Record<string, unknown> {
  const native: Record<string, unknown> = { ...stripCanonicalExtensions(request), model: target.model }
  if (target.stream) {
    native.stream = true
    if (options.streamUsageOption) {
      const existing = native.stream_options
      native.stream_options = { ...(existing !== null && typeof existing === 'object' ? existing : {}), include_usage: true }
    }
  } else {
    delete native.stream
    delete native.stream_options
  }
  if (options.officialOpenAi) {
    if (isOpenAiReasoningModel(target.model)) {
      if (native.max_tokens !== undefined && native.max_completion_tokens === undefined) {
        native.max_completion_tokens = native.max_tokens
        delete native.max_tokens
      }
    } else if (native.reasoning_effort !== undefined) {
      // Set by a conversion from a thinking-enabled Anthropic/Gemini request; a non-reasoning model would 400 on it.
      delete native.reasoning_effort
    }
  }
  return native
}
