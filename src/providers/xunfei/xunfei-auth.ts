import { createHmac } from 'node:crypto'
import { ConversionError } from '../errors.ts'

/**
 * Xunfei Spark's signed WebSocket URL (the "鉴权" section of its Spark API reference): HMAC-SHA256 with the
 * APISecret over the three lines `host: <host>`, `date: <RFC 1123 date>`, `GET <path> HTTP/1.1`; the base64
 * signature goes into `api_key="…", algorithm="hmac-sha256", headers="host date request-line", signature="…"`, which
 * is itself base64-encoded into the `authorization` query parameter beside `date` and `host`. Spark refuses a date
 * more than 300 s off, so a signed URL is reused for at most a minute per key and endpoint (signing is cheap, but
 * nothing that can be done once a minute is done per request).
 */

/** The three parts of a channel key `APPID|APISecret|APIKey`. */
export interface XunfeiCredentials {
  appId: string
  apiSecret: string
  apiKey: string
}

const keyFormat = 'a Xunfei Spark key is APPID|APISecret|APIKey (three parts separated by |)'

/** Why a key cannot sign (checked when a channel is saved), null when it can. */
export function xunfeiKeyProblem(key: string): string | null {
  const parts = key.split('|').map((part) => part.trim())
  return parts.length === 3 && parts.every((part) => part.length > 0) ? null : keyFormat
}

export function parseXunfeiKey(key: string): XunfeiCredentials {
  if (xunfeiKeyProblem(key) !== null) throw new ConversionError('channel:invalid_key', keyFormat)
  const [appId, apiSecret, apiKey] = key.split('|').map((part) => part.trim()) as [string, string, string]
  return { appId, apiSecret, apiKey }
}

/** The signature over host, date and request line, as Spark recomputes it. */
export function xunfeiSignature(apiSecret: string, host: string, date: string, path: string): string {
  return createHmac('sha256', apiSecret).update(`host: ${host}\ndate: ${date}\nGET ${path} HTTP/1.1`).digest('base64')
}

const reuseMs = 60_000
const signed = new Map<string, { url: string; from: number; until: number }>()

/** `endpoint` is the unsigned ws(s) URL; the answer carries `authorization`, `date` and `host`. */
export function signXunfeiUrl(endpoint: string, credentials: XunfeiCredentials, now = Date.now()): string {
  const cacheKey = `${credentials.apiKey}|${credentials.apiSecret}|${endpoint}`
  const cached = signed.get(cacheKey)
  // Only a URL signed within the last minute: never one dated after `now` (a clock set back, or a test's fixed time).
  if (cached && cached.from <= now && now < cached.until) return cached.url
  const url = new URL(endpoint)
  const date = new Date(now).toUTCString()
  const signature = xunfeiSignature(credentials.apiSecret, url.host, date, url.pathname)
  const authorization = Buffer.from(`api_key="${credentials.apiKey}", algorithm="hmac-sha256", headers="host date request-line", signature="${signature}"`).toString('base64')
  url.search = new URLSearchParams({ authorization, date, host: url.host }).toString()
  if (signed.size >= 256) signed.clear()
  signed.set(cacheKey, { url: url.toString(), from: now, until: now + reuseMs })
  return url.toString()
}
