/**
 * What the relay needs from the worker pool (workers/pool.ts implements it). Counting never delays the upstream
 * call: the relay starts it in parallel or after the fact, and uses it only when the upstream reports no usage.
 */
import type { StreamConversionSpec } from '../providers/types.ts'
import type { WorkerStreamConversion } from '../../workers/pool.ts'

/** Stream conversions off the event loop (the worker pool); used when STREAM_CONVERSION=worker. */
export interface ConversionRunner {
  runStreamConversion(spec: StreamConversionSpec): WorkerStreamConversion
}

export interface TokenCounter {
  countChatPromptTokens(model: string, body: Record<string, unknown>, options?: { stream?: boolean; signal?: AbortSignal }): Promise<{ tokens: number; estimated: boolean }>
  countTextTokens(model: string, text: string | string[]): Promise<{ tokens: number; estimated: boolean }>
}

/** Rough count without a tokenizer (≈4 characters per token); used for reservations, which must not wait. */
export const estimateTokens = (characters: number) => Math.ceil(characters / 4)

