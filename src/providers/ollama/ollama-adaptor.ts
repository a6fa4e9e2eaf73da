import type { ProviderAdaptor, UpstreamRequest, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertOllamaResponse, convertOllamaUsage } from './convert-ollama-response.ts'
import { convertToOllamaRequest } from './convert-to-ollama-request.ts'
import { mapOllamaError } from './ollama-error.ts'
import { createOllamaStreamParser } from './ollama-stream-parser.ts'

/**
 * Headers for every call to an Ollama server. Ollama itself has no auth; a key is sent as a Bearer token for the
 * reverse proxies that guard one (what new-api does), and left out when the channel's key is blank.
 */
export function ollamaHeaders(target: UpstreamTarget, json = true): Record<string, string> {
  const headers: Record<string, string> = json ? { 'content-type': 'application/json' } : {}
  if (target.key.trim() !== '') headers.authorization = `Bearer ${target.key}`
  return headers
}

/** Ollama's native chat (`POST /api/chat`), streamed as NDJSON rather than SSE. */
export const ollamaAdaptor: ProviderAdaptor = {
  id: 'ollama',
  format: 'ollama',
  streamFraming: 'ndjson',
  toUpstream: convertToOllamaRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    return { url: joinUrl(target.baseUrl, '/api/chat'), headers: ollamaHeaders(target), body: JSON.stringify(native) }
  },
  fromUpstream: (body, target) => convertOllamaResponse(body, target.model),
  createStreamParser: () => createOllamaStreamParser(),
  readUsage: convertOllamaUsage,
  mapError: mapOllamaError,
}
