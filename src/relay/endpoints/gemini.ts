import { GatewayError } from '../../errors.ts'
import { parseJsonObject, type RelayRoute } from '../endpoint.ts'
import { createChatEndpoint, readCanonical } from '../exchanges/chat-exchange.ts'
import { GeminiRequest, GeminiResponse, relayDoc } from '../schemas.ts'

/** Gemini clients: `{model}:generateContent` or `{model}:streamGenerateContent`; model and stream come from the URL. */
export const geminiEndpoint = createChatEndpoint({
  name: 'gemini',
  format: 'gemini',
  async read(request, route) {
    const target = decodeURIComponent(route.params?.['*'] ?? '')
    const separator = target.lastIndexOf(':')
    const action = target.slice(separator + 1)
    if (separator <= 0 || (action !== 'generateContent' && action !== 'streamGenerateContent')) {
      throw new GatewayError(404, `Unsupported Gemini method "${action || target}": use :generateContent or :streamGenerateContent`, 'not_found', 'NOT_FOUND')
    }
    const bodyText = await request.text()
    const body = parseJsonObject(bodyText)
    body.stream = action === 'streamGenerateContent'
    return { body, bodyText, model: target.slice(0, separator).trim(), stream: body.stream === true, clientWantsUsage: false, canonical: readCanonical('gemini', body) }
  },
})

export const geminiRoutes: RelayRoute[] = [
  { path: '/v1beta/models/*', endpoint: geminiEndpoint, detail: relayDoc('Gemini generateContent / streamGenerateContent (key in x-goog-api-key or ?key=; alt=sse)', GeminiRequest, GeminiResponse, { stream: true }) },
  // @google/genai 3.x posts to /v1/models/{model}:generateContent.
  { path: '/v1/models/*', endpoint: geminiEndpoint, detail: relayDoc('Gemini generateContent under /v1 (as @google/genai sends it)', GeminiRequest, GeminiResponse, { stream: true }) },
]
