import { GatewayError } from '../errors.ts'

/**
 * Limits a request body must meet before any parsing or validation work is spent on it. A deeply nested value costs
 * every later step (validation messages, re-serialisation, recursion) more than its bytes suggest, and a refusal
 * must cost microseconds: the checks below are one linear pass over the text and never recurse.
 */

/** Nesting a management body may have: the deepest real one (a channel's settings) is under ten. */
export const MANAGEMENT_MAX_DEPTH = 64
/** Nesting a relay body may have: tool schemas nest, but no provider accepts more than a few dozen levels. */
export const RELAY_MAX_DEPTH = 128

/**
 * Bytes a management body may have. A channel carries every key of a multi-key channel and options carry the model
 * price tables, so those two get megabytes; every other route is a form of a few fields.
 */
export function managementBodyLimit(path: string): number {
  if (path.startsWith('/api/channel')) return 4 * 1048576
  if (path.startsWith('/api/option')) return 1048576
  return 64 * 1024
}

/**
 * Whether JSON `text` nests objects and arrays deeper than `limit`. Brackets inside strings do not count; strings
 * are skipped with indexOf, so the pass costs about as much as a memchr over the text. Malformed JSON is left to
 * JSON.parse to refuse.
 */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0
  const length = text.length
  for (let index = 0; index < length; index++) {
    const code = text.charCodeAt(index)
    if (code === 34) {
      // The closing quote is the next one not escaped by an odd run of backslashes.
      let end = index
      for (;;) {
        end = text.indexOf('"', end + 1)
        if (end < 0) return false
        let backslashes = 0
        while (text.charCodeAt(end - 1 - backslashes) === 92) backslashes++
        if ((backslashes & 1) === 0) break
      }
      index = end
    } else if (code === 123 || code === 91) {
      if (++depth > limit) return true
    } else if (code === 125 || code === 93) depth--
  }
  return false
}

export const tooDeep = (limit: number) => new GatewayError(400, `The request body nests deeper than ${limit} levels`, 'invalid_request')

const tooLarge = (limit: number) => new GatewayError(413, `The request body is larger than the ${Math.round(limit / 1024)} KB this route accepts`, 'request_body_too_large')

/** The body as text, refused before it is read when announced over `limit` bytes, and cut off at it otherwise. */
export async function readBoundedText(request: Request, limit: number): Promise<string> {
  const announced = Number(request.headers.get('content-length'))
  if (announced > limit) throw tooLarge(limit)
  if (announced > 0 || !request.body) return request.text()
  // No length announced (chunked): count while reading.
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    received += value.byteLength
    if (received > limit) {
      reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The management API's body parser (an Elysia parse hook): JSON within the route's size and the depth limit;
 * other content types are only held to the size their length announces (Bun bounds the rest) and parsed by Elysia.
 */
/**
 * Payment callbacks read their body themselves, as sent: a signature covers the exact bytes (Stripe) or the form
 * is not JSON (EasyPay). Only their size is checked here; the body is left unread (an empty object tells Elysia
 * it is parsed: returning nothing would send it to Elysia's own parsers, which refuse it).
 */
const RAW_BODY_PATHS = new Set(['/api/user/epay/notify', '/api/stripe/webhook'])

export async function parseManagementBody(context: { request: Request; contentType: string; path: string }): Promise<unknown> {
  const limit = managementBodyLimit(context.path)
  if (RAW_BODY_PATHS.has(context.path)) {
    if (Number(context.request.headers.get('content-length')) > limit) throw tooLarge(limit)
    return {}
  }
  if (context.contentType !== 'application/json') {
    if (Number(context.request.headers.get('content-length')) > limit) throw tooLarge(limit)
    return undefined
  }
  const text = await readBoundedText(context.request, limit)
  if (nestsDeeperThan(text, MANAGEMENT_MAX_DEPTH)) throw tooDeep(MANAGEMENT_MAX_DEPTH)
  try {
    return JSON.parse(text)
  } catch {
    throw new GatewayError(400, 'The request body is not valid JSON', 'invalid_json')
  }
}
