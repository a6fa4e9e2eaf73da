import { createHmac } from 'node:crypto'
import { ConversionError } from '../errors.ts'

/**
 * Zhipu's v3 API authenticates with a JWT the caller signs itself (https://open.bigmodel.cn/dev/api#nosdk): HS256
 * with the key's secret, header `{alg: "HS256", sign_type: "SIGN"}`, payload `{api_key: <id>, exp, timestamp}` in
 * milliseconds. Signing is local and synchronous; a token is reused until shortly before it expires.
 */

/** How long a token is valid (new-api signs for a day). */
const LIFETIME_MS = 24 * 60 * 60 * 1000
/** A token is replaced this long before it expires, so none expires in flight. */
const RENEW_BEFORE_MS = 5 * 60 * 1000

/** What is wrong with a key as a Zhipu key (`id.secret`), or null when it is usable. */
export function zhipuKeyProblem(text: string): string | null {
  const trimmed = text.trim()
  const dot = trimmed.indexOf('.')
  if (dot === -1) return 'expected id.secret (the API key as Zhipu shows it, id and secret separated by a dot)'
  if (dot === 0) return 'the id (before the dot) is empty'
  if (dot === trimmed.length - 1) return 'the secret (after the dot) is empty'
  return null
}

const base64Url = (text: string | Buffer) => Buffer.from(text).toString('base64url')
const header = base64Url(JSON.stringify({ alg: 'HS256', sign_type: 'SIGN' }))

/** A signed token for the key at `nowMs`. */
export function signZhipuToken(key: string, nowMs: number, lifetimeMs = LIFETIME_MS): string {
  const problem = zhipuKeyProblem(key)
  if (problem !== null) throw new ConversionError('channel:invalid_key', `Zhipu channel key: ${problem}`)
  const trimmed = key.trim()
  const dot = trimmed.indexOf('.')
  const payload = base64Url(JSON.stringify({ api_key: trimmed.slice(0, dot), exp: nowMs + lifetimeMs, timestamp: nowMs }))
  const signature = createHmac('sha256', trimmed.slice(dot + 1)).update(`${header}.${payload}`).digest()
  return `${header}.${payload}.${base64Url(signature)}`
}

const tokens = new Map<string, { token: string; renewAt: number }>()

/** The key's token: the cached one while it is fresh, else a newly signed one. */
export function zhipuToken(key: string, now: () => number = Date.now): string {
  const at = now()
  const cached = tokens.get(key)
  if (cached && at < cached.renewAt) return cached.token
  const token = signZhipuToken(key, at)
  if (tokens.size >= 1024) tokens.clear()
  tokens.set(key, { token, renewAt: at + LIFETIME_MS - RENEW_BEFORE_MS })
  return token
}
