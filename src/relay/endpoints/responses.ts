import { conversationStart, withInstructions } from '../../channels/cache-affinity.ts'
import { openAiRequest, parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createChatEndpoint, readCanonical } from '../exchanges/chat-exchange.ts'
import { isInstruction } from './chat.ts'
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
  // A string input is the first user message of what later turns send as a list. A turn that continues a stored
  // response (previous_response_id) carries no history to recognise its conversation by.
  conversationRoot: (body) => body.previous_response_id ? undefined
    : withInstructions(body.instructions, conversationStart(typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input, isInstruction)),
})

export const responsesRoutes: RelayRoute[] = [
  { path: '/v1/responses', endpoint: responsesEndpoint, detail: relayDoc('OpenAI Responses, streaming or not, to any channel', ResponsesRequest, ResponsesResponse, { stream: true }) },
]
