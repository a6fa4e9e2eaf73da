/**
 * Fetching a URL that a client gave us (image URLs in prompts, file URLs) without letting the client reach the
 * gateway's own network or make it download without limit.
 *
 * - Every hop (the URL and each redirect) passes `assertPublicUrl`; redirects are followed by hand, up to a limit.
 * - The connection is pinned to the address that was checked (Host header / TLS server name keep the original
 *   name), so a DNS answer that changes between the check and the connect (DNS rebinding) cannot reach a
 *   private address.
 * - The body is read up to `maxBytes` (a larger Content-Length is refused before reading), decompressed bytes
 *   counted, under one overall timeout.
 */
import { assertPublicUrl, type ResolveHost, UnsafeUrlError } from './ssrf.ts'

export type SafeFetchErrorCode = 'unsafe_url' | 'too_large' | 'timeout' | 'aborted' | 'too_many_redirects' | 'http_status' | 'network'

/** A failed safe fetch. `code` says which limit or check stopped it; `status` is set for 'http_status'. */
export class SafeFetchError extends Error {
  constructor(
    readonly code: SafeFetchErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message)
    this.name = 'SafeFetchError'
  }
}

export interface SafeFetchOptions {
  /** Largest body accepted, in bytes (after decompression). */
  maxBytes: number
  /** Limit for the whole operation: DNS, every redirect hop and the body. */
  timeoutMs: number
  /** Hosts that may resolve to private addresses (e.g. an internal media server). */
  allowPrivateHosts?: readonly string[]
  /** Redirect hops followed before giving up; default 5. */
  maxRedirects?: number
  signal?: AbortSignal
  headers?: Record<string, string>
  /**
   * Stop reading early once this returns true for the bytes received so far (an image header has been parsed,
   * say). Called each time the received size has doubled, and at the end, so its total cost stays linear.
   */
  stopWhen?: (received: Uint8Array) => boolean
  /** DNS resolver used by the SSRF check; the system resolver by default. */
  resolveHost?: ResolveHost
}

export interface SafeFetchResult {
  /** Final URL after redirects. */
  url: string
  status: number
  headers: Headers
  contentType: string
  bytes: Uint8Array
  /** False when `stopWhen` ended the read before the body's end. */
  complete: boolean
}

const redirectStatuses = new Set([301, 302, 303, 307, 308])

/** The request to send for a vetted URL: pinned to the checked address unless the host is allow-listed or a literal (exported for tests). */
export function buildPinnedRequest(url: URL, addresses: string[]): { target: string; headers: Record<string, string>; serverName?: string } {
  const address = addresses[0]
  const hostIsLiteral = address !== undefined && (address === url.hostname || `[${address}]` === url.hostname)
  if (address === undefined || hostIsLiteral) return { target: url.href, headers: {} }
  const pinned = new URL(url.href)
  pinned.hostname = address.includes(':') ? `[${address}]` : address
  return {
    target: pinned.href,
    headers: { host: url.host },
    serverName: url.protocol === 'https:' ? url.hostname : undefined,
  }
}

async function readLimited(
  response: Response,
  maxBytes: number,
  stopWhen: SafeFetchOptions['stopWhen'],
): Promise<{ bytes: Uint8Array; complete: boolean }> {
  if (!response.body) return { bytes: new Uint8Array(0), complete: true }
  const reader = response.body.getReader()
  let buffer = new Uint8Array(Math.min(maxBytes, 64 * 1024))
  let length = 0
  let nextProbeAt = 1024
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) break
      if (length + value.length > maxBytes) {
        throw new SafeFetchError('too_large', `body is larger than the ${maxBytes}-byte limit`)
      }
      if (length + value.length > buffer.length) {
        const grown = new Uint8Array(Math.min(maxBytes, Math.max(buffer.length * 2, length + value.length)))
        grown.set(buffer.subarray(0, length))
        buffer = grown
      }
      buffer.set(value, length)
      length += value.length
      if (stopWhen && length >= nextProbeAt) {
        nextProbeAt = length * 2
        if (stopWhen(buffer.subarray(0, length))) {
          await reader.cancel().catch(() => {})
          return { bytes: buffer.subarray(0, length), complete: false }
        }
      }
    }
  } catch (error) {
    await reader.cancel().catch(() => {})
    throw error
  }
  return { bytes: buffer.subarray(0, length), complete: true }
}

function toSafeFetchError(error: unknown, signal: AbortSignal, timeoutSignal: AbortSignal, timeoutMs: number): SafeFetchError {
  if (error instanceof SafeFetchError) return error
  if (error instanceof UnsafeUrlError) return new SafeFetchError('unsafe_url', error.message)
  if (timeoutSignal.aborted) return new SafeFetchError('timeout', `timed out after ${timeoutMs} ms`)
  if (signal.aborted) return new SafeFetchError('aborted', 'aborted by the caller')
  return new SafeFetchError('network', (error as Error)?.message ?? String(error))
}

/** Rejects as soon as `signal` aborts, so a slow DNS lookup cannot outlive the timeout. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/**
 * The vetted 2xx response for `url`: every hop checked and pinned, redirects followed by hand, a Content-Length
 * over the limit refused. The body is still unread.
 */
async function openVetted(url: string, options: SafeFetchOptions, signal: AbortSignal): Promise<{ url: string; response: Response }> {
  const allowList = options.allowPrivateHosts ?? []
  const maxRedirects = options.maxRedirects ?? 5
  let current = url
  for (let hop = 0; ; hop++) {
    const check = await raceAbort(assertPublicUrl(current, allowList, options.resolveHost), signal)
    const pinned = buildPinnedRequest(check.url, check.addresses)
    const response = await fetch(pinned.target, {
      method: 'GET',
      redirect: 'manual',
      signal,
      headers: { 'user-agent': 'tollgate-media-fetch', ...options.headers, ...pinned.headers },
      ...(pinned.serverName ? { tls: { serverName: pinned.serverName } } : {}),
    })
    if (redirectStatuses.has(response.status)) {
      await response.body?.cancel().catch(() => {})
      const location = response.headers.get('location')
      if (!location) throw new SafeFetchError('http_status', `redirect ${response.status} without a Location`, response.status)
      if (hop >= maxRedirects) throw new SafeFetchError('too_many_redirects', `more than ${maxRedirects} redirects`)
      current = new URL(location, check.url).href
      continue
    }
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => {})
      throw new SafeFetchError('http_status', `upstream answered ${response.status}`, response.status)
    }
    const declaredLength = Number(response.headers.get('content-length') ?? NaN)
    if (Number.isFinite(declaredLength) && declaredLength > options.maxBytes) {
      await response.body?.cancel().catch(() => {})
      throw new SafeFetchError('too_large', `Content-Length ${declaredLength} is over the ${options.maxBytes}-byte limit`)
    }
    return { url: check.url.href, response }
  }
}

/**
 * GET `url` under the SSRF guard and the size/time limits. Resolves only for a 2xx answer; everything else
 * rejects with a SafeFetchError whose `code` names the reason.
 */
export async function safeFetch(url: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const timeoutSignal = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeoutSignal]) : timeoutSignal
  try {
    const { url: finalUrl, response } = await openVetted(url, options, signal)
    const { bytes, complete } = await readLimited(response, options.maxBytes, options.stopWhen)
    return { url: finalUrl, status: response.status, headers: response.headers, contentType: response.headers.get('content-type') ?? '', bytes, complete }
  } catch (error) {
    throw toSafeFetchError(error, signal, timeoutSignal, options.timeoutMs)
  }
}

/**
 * Like `safeFetch`, but the body is handed on as it arrives (an image proxied to a client), never held whole: the
 * stream errors once more than `maxBytes` have passed, and the timeout covers the whole transfer.
 */
export async function safeFetchStream(url: string, options: Omit<SafeFetchOptions, 'stopWhen'>): Promise<{ url: string; status: number; contentType: string; body: ReadableStream<Uint8Array> }> {
  const timeoutSignal = AbortSignal.timeout(options.timeoutMs)
  const signal = options.signal ? AbortSignal.any([options.signal, timeoutSignal]) : timeoutSignal
  try {
    const { url: finalUrl, response } = await openVetted(url, options, signal)
    let passed = 0
    const capped = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        passed += chunk.length
        if (passed > options.maxBytes) controller.error(new SafeFetchError('too_large', `body is larger than the ${options.maxBytes}-byte limit`))
        else controller.enqueue(chunk)
      },
    })
    const body = response.body ? response.body.pipeThrough(capped) : new ReadableStream<Uint8Array>({ start: (controller) => controller.close() })
    return { url: finalUrl, status: response.status, contentType: response.headers.get('content-type') ?? '', body }
  } catch (error) {
    throw toSafeFetchError(error, signal, timeoutSignal, options.timeoutMs)
  }
}
