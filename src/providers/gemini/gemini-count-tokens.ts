import type { CountTokensCapability } from '../types.ts'
import { joinUrl } from '../url.ts'

/** `POST /v1beta/models/{model}:countTokens` with the client's Gemini body, answered with `totalTokens`. */
export const geminiCountTokens: CountTokensCapability = {
  format: 'gemini',
  request(body, target) {
    const { model: _model, stream: _stream, ...contents } = body
    return {
      method: 'POST', url: joinUrl(target.baseUrl, `/v1beta/models/${encodeURIComponent(target.model)}:countTokens`),
      headers: { 'content-type': 'application/json', 'x-goog-api-key': target.key }, body: JSON.stringify(contents),
    }
  },
  parse: (body) => (typeof body.totalTokens === 'number' ? body.totalTokens : undefined),
}
