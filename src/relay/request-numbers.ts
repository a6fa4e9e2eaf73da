import { GatewayError } from '../errors.ts'

/**
 * The counts a client body sets that the reservation multiplies (output tokens, choices, documents), checked before
 * anything is reserved, in every inbound format: a negative, fractional, non-numeric or absurd `max_tokens` would
 * otherwise make the reservation zero or negative and let concurrent requests spend past a token's quota.
 * Missing and `null` mean "not set" (the SDKs send null).
 */

/** Largest output a request may ask for: above every model's limit, small enough that reservations stay exact. */
export const MAX_OUTPUT_TOKENS = 16_777_216

interface Bound { field: string; min: number; max: number }

const TOP_LEVEL: Bound[] = [
  { field: 'max_tokens', min: 0, max: MAX_OUTPUT_TOKENS }, // OpenAI chat and completions, Anthropic
  { field: 'max_completion_tokens', min: 0, max: MAX_OUTPUT_TOKENS }, // OpenAI chat
  { field: 'max_output_tokens', min: 0, max: MAX_OUTPUT_TOKENS }, // OpenAI Responses
  { field: 'n', min: 1, max: 128 }, // OpenAI chat, completions, images
  { field: 'best_of', min: 1, max: 128 }, // OpenAI completions
  { field: 'top_logprobs', min: 0, max: 20 },
  { field: 'max_tool_calls', min: 0, max: 10_000 }, // OpenAI Responses
  { field: 'top_n', min: 0, max: 100_000 }, // rerank
  { field: 'top_k', min: 0, max: 100_000 }, // Anthropic, Gemini-style samplers
  { field: 'dimensions', min: 1, max: 65_536 }, // embeddings
]
const GEMINI_CONFIG: Bound[] = [
  { field: 'maxOutputTokens', min: 0, max: MAX_OUTPUT_TOKENS },
  { field: 'max_output_tokens', min: 0, max: MAX_OUTPUT_TOKENS },
  { field: 'candidateCount', min: 1, max: 8 },
  { field: 'candidate_count', min: 1, max: 8 },
  { field: 'topK', min: 0, max: 100_000 },
]
const THINKING: Bound[] = [{ field: 'budget_tokens', min: 0, max: MAX_OUTPUT_TOKENS }] // Anthropic

function check(object: unknown, bounds: Bound[], prefix: string): void {
  if (object === null || typeof object !== 'object') return
  const record = object as Record<string, unknown>
  for (const { field, min, max } of bounds) {
    const value = record[field]
    if (value === undefined || value === null) continue
    // Multipart forms (image edits, variations) carry every field as text: a string of digits counts as its number.
    const number = typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      throw new GatewayError(400, `Invalid ${prefix}${field}: must be an integer from ${min} to ${max}, got ${JSON.stringify(value)?.slice(0, 40)}`, 'invalid_request', 'invalid_request_error')
    }
  }
}

/** Throws a 400 naming the first count in `body` that is not an integer within its bounds. */
export function checkRequestNumbers(body: Record<string, unknown>): void {
  check(body, TOP_LEVEL, '')
  check(body.generationConfig, GEMINI_CONFIG, 'generationConfig.')
  check(body.generation_config, GEMINI_CONFIG, 'generation_config.')
  check(body.thinking, THINKING, 'thinking.')
}

/**
 * The reservation as the ledger must take it: a whole, positive amount. Zero would let any number of concurrent
 * requests through a token with one quota left; NaN would compare false against every limit.
 */
export const reservationAmount = (amount: number) => (Number.isNaN(amount) ? 1 : Math.max(1, Math.ceil(amount)))
