import type { AuthPost } from '../types.ts'
import type { BaiduKey } from './baidu-key.ts'

/**
 * Baidu's OAuth2 client-credentials flow (https://ai.baidu.com/ai-doc/REFERENCE/Ck3dwjhhu): the API key and secret
 * are exchanged at `/oauth/2.0/token` for an access token (valid 30 days), which is then reused for every request
 * of the key until shortly before it expires. Concurrent requests needing a token share one exchange. The token URL
 * is on the channel's base URL (https://aip.baidubce.com by default), so a proxy or a test server serves both.
 */

/** A token is renewed this long before Baidu says it expires, so none expires in flight. */
const RENEW_BEFORE_MS = 60_000

interface TokenState {
  current?: { token: string; renewAt: number }
  /** The exchange in flight, shared by every request waiting for this key's token. */
  pending?: Promise<string>
}

/** Per parsed key (parseBaiduKey hands out one object per key text), then per token URL. */
const states = new WeakMap<BaiduKey, Map<string, TokenState>>()

function stateFor(key: BaiduKey, tokenUrl: string): TokenState {
  let byUrl = states.get(key)
  if (!byUrl) states.set(key, byUrl = new Map())
  let state = byUrl.get(tokenUrl)
  if (!state) byUrl.set(tokenUrl, state = {})
  return state
}

async function exchange(key: BaiduKey, tokenUrl: string, state: TokenState, post: AuthPost, now: () => number): Promise<string> {
  const query = new URLSearchParams({ grant_type: 'client_credentials', client_id: key.apiKey, client_secret: key.secretKey })
  let response: Awaited<ReturnType<AuthPost>>
  try {
    response = await post(`${tokenUrl}?${query}`, { 'content-type': 'application/json', accept: 'application/json' }, '')
  } catch (error) {
    // The URL carries the secret: the transport's message is not repeated, only its kind.
    throw new Error(`Baidu access token exchange failed: ${(error as { code?: string }).code ?? (error as Error).name}`)
  }
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try { json = JSON.parse(text) as Record<string, unknown> } catch { /* reported below */ }
  if (response.status !== 200 || typeof json.access_token !== 'string') {
    // Baidu answers {error, error_description} ("invalid_client", "unknown client id").
    const reason = typeof json.error === 'string' ? `${json.error}${typeof json.error_description === 'string' ? `: ${json.error_description}` : ''}` : text.slice(0, 200)
    throw new Error(`Baidu access token exchange failed (HTTP ${response.status}): ${reason}`)
  }
  const lifetimeMs = (typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 2_592_000) * 1000
  state.current = { token: json.access_token, renewAt: now() + lifetimeMs - Math.min(RENEW_BEFORE_MS, lifetimeMs / 2) }
  return json.access_token
}

/**
 * The key's access token: the cached one while it is fresh, else one exchange shared by every caller waiting.
 * `renew`: Baidu refused the cached token (error 110/111), so it is exchanged again even if it looks fresh.
 */
export function baiduAccessToken(key: BaiduKey, tokenUrl: string, post: AuthPost, options: { renew?: boolean; now?: () => number } = {}): Promise<string> {
  const now = options.now ?? Date.now
  const state = stateFor(key, tokenUrl)
  if (options.renew) state.current = undefined
  if (state.current && now() < state.current.renewAt) return Promise.resolve(state.current.token)
  state.pending ??= exchange(key, tokenUrl, state, post, now).finally(() => { state.pending = undefined })
  return state.pending
}
