import { GatewayError } from '../../errors.ts'
import type { RelayRoute } from '../endpoint.ts'
import { createOpenAiEndpoint } from '../exchanges/openai-exchange.ts'
import { ChatCompletionResponse, CompletionRequest, relayDoc } from '../schemas.ts'

/** Legacy text completions (`prompt`), on OpenAI-format channels. */
export const completionsEndpoint = createOpenAiEndpoint({
  name: 'completions',
  path: '/v1/completions',
  completes: true,
  validate(body) {
    if (body.prompt === undefined) throw new GatewayError(400, '"prompt" is required', 'invalid_request')
  },
})

export const completionsRoutes: RelayRoute[] = [
  { path: '/v1/completions', endpoint: completionsEndpoint, detail: relayDoc('Legacy text completion', CompletionRequest, ChatCompletionResponse, { stream: true }) },
]
