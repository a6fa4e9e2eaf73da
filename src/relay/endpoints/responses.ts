import { openAiRequest, parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createChatEndpoint, readCanonical } from '../exchanges/chat-exchange.ts'
import { relayDoc, ResponsesRequest, ResponsesResponse } from '../schemas.ts'

/** OpenAI Responses clients: native to OpenAI and Azure Responses endpoints, converted through Chat for the rest. */
export const responsesEndpoint = createChatEndpoint({
  name: 'responses',
  format: 'openai-responses',
  async read(request) {
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    return { ...openAiRequest(body, bodyText), canonical: readCanonical('openai-responses', body) }
  },
})

export const responsesRoutes: RelayRoute[] = [
  { path: '/v1/responses', endpoint: responsesEndpoint, detail: relayDoc('OpenAI Responses, streaming or not, to any channel', ResponsesRequest, ResponsesResponse, { stream: true }) },
]
