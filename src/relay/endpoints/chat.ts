import { conversationStart } from '../../channels/cache-affinity.ts'
import { GatewayError } from '../../errors.ts'
import { openAiRequest, parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createChatEndpoint } from '../exchanges/chat-exchange.ts'
import { ChatCompletionRequest, ChatCompletionResponse, relayDoc } from '../schemas.ts'

/** System and developer messages lead an OpenAI conversation. */
export const isInstruction = (message: Record<string, unknown>) => message.role === 'system' || message.role === 'developer'

/** OpenAI Chat Completions, the canonical shape: passes natively to OpenAI-format channels, converts for the rest. */
export const chatEndpoint = createChatEndpoint({
  name: 'chat',
  format: 'openai-chat',
  async read(request) {
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    if (!Array.isArray(body.messages)) throw new GatewayError(400, 'body is not a chat completion request: "messages" must be an array', 'invalid_request')
    return openAiRequest(body, bodyText)
  },
  conversationRoot: (body) => conversationStart(body.messages, isInstruction),
})

export const chatRoutes: RelayRoute[] = [
  { path: '/v1/chat/completions', endpoint: chatEndpoint, detail: relayDoc('Chat completion (OpenAI Chat Completions), streaming or not', ChatCompletionRequest, ChatCompletionResponse, { stream: true }) },
]
