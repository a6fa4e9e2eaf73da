/**
 * What the relay needs from the worker pool (workers/pool.ts implements it). Counting never delays the upstream
 * call: the relay starts it in parallel or after the fact, and uses it only when the upstream reports no usage.
 */
export interface TokenCounter {
  countChatPromptTokens(model: string, body: Record<string, unknown>, options?: { stream?: boolean; signal?: AbortSignal }): Promise<{ tokens: number; estimated: boolean }>
  countTextTokens(model: string, text: string | string[]): Promise<{ tokens: number; estimated: boolean }>
}

/** Rough count without a tokenizer (≈4 characters per token); used for reservations, which must not wait. */
export const estimateTokens = (characters: number) => Math.ceil(characters / 4)

/** A counter that only estimates; used where no worker pool runs (and as the pool's own last resort). */
export const estimatingCounter: TokenCounter = {
  countChatPromptTokens: async (_model, body) => ({ tokens: estimateTokens(JSON.stringify(body.messages ?? '').length), estimated: true }),
  countTextTokens: async (_model, text) => ({ tokens: estimateTokens((Array.isArray(text) ? text.join('') : text).length), estimated: true }),
}
