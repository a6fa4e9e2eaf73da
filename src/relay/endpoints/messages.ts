import { conversationStart, withInstructions } from '../../channels/cache-affinity.ts'
import { openAiRequest, parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createChatEndpoint, readCanonical } from '../exchanges/chat-exchange.ts'
import { AnthropicMessage, AnthropicMessagesRequest, relayDoc } from '../schemas.ts'

/** Anthropic Messages clients (Claude SDKs, Claude Code): native to Anthropic channels, converted for the rest. */
export const messagesEndpoint = createChatEndpoint({
  name: 'messages',
  format: 'anthropic',
  async read(request) {
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    const canonical = readCanonical('anthropic', body)
    return { ...openAiRequest(body, bodyText), canonical, anthropicBeta: request.headers.get('anthropic-beta') ?? undefined }
  },
  conversationRoot: (body) => withInstructions(body.system, conversationStart(body.messages)),
})

export const messagesRoutes: RelayRoute[] = [
  { path: '/v1/messages', endpoint: messagesEndpoint, detail: relayDoc('Anthropic Messages (key in x-api-key), streaming or not, to any channel', AnthropicMessagesRequest, AnthropicMessage, { stream: true }) },
]
