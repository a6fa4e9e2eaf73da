import type { RealtimeCapability, UpstreamTarget } from '../types.ts'
import { joinUrl } from '../url.ts'

/** The WebSocket form of an HTTP(S) URL: `https://` → `wss://`, `http://` → `ws://` (a local or private upstream). */
export function toWebSocketUrl(url: string): string {
  if (url.startsWith('https://')) return `wss://${url.slice(8)}`
  if (url.startsWith('http://')) return `ws://${url.slice(7)}`
  return url
}

/**
 * OpenAI's Realtime API: `wss://api.openai.com/v1/realtime?model=…` with a bearer key, and the ephemeral-session
 * routes under the same base URL. Every vendor that copies OpenAI's realtime API (a new-api upstream) uses it too.
 */
export const openAiRealtime: RealtimeCapability = {
  url: (target: UpstreamTarget) => `${toWebSocketUrl(joinUrl(target.baseUrl, '/v1/realtime'))}?model=${encodeURIComponent(target.model)}`,
  headers: (target: UpstreamTarget) => ({ authorization: `Bearer ${target.key}` }),
  sessionsUrl: (path, target) => joinUrl(target.baseUrl, path),
}
