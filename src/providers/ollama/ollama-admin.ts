import type { CapabilityRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { ollamaHeaders } from './ollama-adaptor.ts'

/**
 * Managing the models on an Ollama server (new-api's `/api/channel/ollama/*` routes call these): pull
 * (`POST /api/pull`, progress streamed as NDJSON status lines unless `stream: false`), delete (`DELETE /api/delete`)
 * and the server's version (`GET /api/version`). The list is the model list capability (`GET /api/tags`).
 */
export const ollamaAdmin = {
  pull: (target: UpstreamTarget, model: string, stream: boolean): CapabilityRequest =>
    ({ method: 'POST', url: joinUrl(target.baseUrl, '/api/pull'), headers: ollamaHeaders(target), body: JSON.stringify({ model, stream }) }),
  delete: (target: UpstreamTarget, model: string): CapabilityRequest =>
    ({ method: 'DELETE', url: joinUrl(target.baseUrl, '/api/delete'), headers: ollamaHeaders(target), body: JSON.stringify({ model }) }),
  version: (target: UpstreamTarget): CapabilityRequest =>
    ({ method: 'GET', url: joinUrl(target.baseUrl, '/api/version'), headers: ollamaHeaders(target, false) }),
}
