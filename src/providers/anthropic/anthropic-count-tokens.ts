import type { CountTokensCapability } from '../types.ts'
import { buildAnthropicRequest } from './anthropic-adaptor.ts'

/** `POST /v1/messages/count_tokens`: the Messages body (model mapped), answered with `input_tokens`. */
export const anthropicCountTokens: CountTokensCapability = {
  format: 'anthropic',
  request(body, target) {
    const { stream: _stream, max_tokens: _maxTokens, ...rest } = body
    const built = buildAnthropicRequest({ ...rest, model: target.model }, target)
    return { method: 'POST', url: `${built.url}/count_tokens`, headers: built.headers, body: built.body }
  },
  parse: (body) => (typeof body.input_tokens === 'number' ? body.input_tokens : undefined),
}
