import { isRecord } from '../canonical.ts'
import type { ChatRequestAdapter } from '../types.ts'

/**
 * OpenRouter takes reasoning settings as one `reasoning` object (`{effort}` OpenAI-style or `{max_tokens}`
 * Anthropic-style, plus `exclude`) which it translates for every model it routes to. A client's `reasoning_effort`
 * (OpenAI clients, a `-high` model suffix) becomes `reasoning.effort`; an exact thinking budget from a Claude or
 * Gemini client (`thinking_budget` in the canonical request) becomes `reasoning.max_tokens`. A `reasoning` object the
 * client sent itself wins. Provider routing (`provider`, `models`, `transforms`) needs nothing: it passes as sent.
 */
export const openRouterRequest: ChatRequestAdapter = {
  applies: (body) => body.reasoning_effort !== undefined || body.thinking_budget !== undefined,
  adapt(body) {
    if (!isRecord(body.reasoning)) {
      const budget = body.thinking_budget
      if (typeof budget === 'number' && budget > 0) body.reasoning = { max_tokens: budget }
      else if (typeof body.reasoning_effort === 'string') body.reasoning = { effort: body.reasoning_effort }
    }
    delete body.reasoning_effort
    delete body.thinking_budget
  },
}
