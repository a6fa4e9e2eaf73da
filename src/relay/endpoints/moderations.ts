import type { RelayRoute } from '../endpoint.ts'
import { createOpenAiEndpoint } from '../exchanges/openai-exchange.ts'
import { ChatCompletionResponse, ModerationRequest, relayDoc } from '../schemas.ts'

/** Moderations on OpenAI-format channels; the model may be left out, as OpenAI allows. */
export const moderationsEndpoint = createOpenAiEndpoint({
  name: 'moderations',
  path: '/v1/moderations',
  completes: false,
  defaultModel: 'omni-moderation-latest',
  validate() {},
})

export const moderationsRoutes: RelayRoute[] = [
  { path: '/v1/moderations', endpoint: moderationsEndpoint, detail: relayDoc('Moderation', ModerationRequest, ChatCompletionResponse) },
]
