import { abortError, createHttp1Client, UpstreamHttpError, type Http1RequestInit, type UpstreamResponse } from './http1-client.ts'

/**
 * One way to call an upstream, whichever client carries it: Tollgate's HTTP/1.1 client on the event loop, or
 * Bun's fetch (which honours HTTP(S)_PROXY). The kind is chosen once, when the client is created, so callers
 * (relay, channel tests, model listing) hold one object and never branch on it.
 *
 * Both kinds behave alike: no redirects are followed (a 3xx is returned as it is), compressed answers are
 * decoded, `timeoutMs` bounds the wait for the response head only (a long stream is not cut), and errors share
 * one shape:
 * - `name === 'TimeoutError'`: timeoutMs passed before the head arrived (or, on http1, before a connection
 *   came free under the cap);
 * - `name === 'AbortError'` (or the signal's own reason): the caller's signal aborted;
 * - `UpstreamHttpError` with a `code` (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, `upstream_saturated`, …):
 *   any other failure.
 */

export type { UpstreamResponse }

/** method defaults to GET; headers are sent as given (the client adds host and content-length). */
export type UpstreamRequestInit = Http1RequestInit

export interface UpstreamClient {
  /** POST/GET to an upstream; resolves at the response head; the body streams. */
  request(url: string, init: UpstreamRequestInit): Promise<UpstreamResponse>
  /** Closes idle connections (http1); requests in flight finish. */
  close(): void
}

export interface UpstreamClientOptions {
  kind: 'http1' | 'fetch'
  /**
   * http1 only: connections open at once per origin (default 16384); at the cap requests queue, past the queue
   * they fail with `upstream_saturated`. fetch has Bun's own limit instead, BUN_CONFIG_MAX_HTTP_REQUESTS (256
   * unless set; the gateway sets 16384 at start), which counts requests in flight across all origins.
   */
  maxConnectionsPerOrigin?: number
  /** http1 only: requests waiting for a connection per origin (default 4 × maxConnectionsPerOrigin). */
  maxQueuedPerOrigin?: number
}

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  if (options.kind === 'fetch') return createFetchClient()
  // Handed out as is: a wrapper would add a call to every request for nothing.
  return createHttp1Client({ maxConnectionsPerOrigin: options.maxConnectionsPerOrigin, maxQueuedPerOrigin: options.maxQueuedPerOrigin })
}

function createFetchClient(): UpstreamClient {
  return {
    async request(url, init) {
      const callerSignal = init.signal
      if (callerSignal?.aborted) throw abortError(callerSignal)
      let signal = callerSignal
      let headTimer: ReturnType<typeof setTimeout> | undefined
      if (init.timeoutMs) {
        // A timer cleared at the head, not AbortSignal.timeout: that one cannot be called off, and would cut a
        // healthy stream that runs longer than the limit, which the http1 client does not do either.
        const head = new AbortController()
        headTimer = setTimeout(() => head.abort(new DOMException('The upstream did not answer in time', 'TimeoutError')), init.timeoutMs)
        signal = callerSignal ? AbortSignal.any([callerSignal, head.signal]) : head.signal
      }
      // fetch's types take only bytes over an ArrayBuffer; callers pass text or ordinary Uint8Arrays.
      const body = init.body as string | Uint8Array<ArrayBuffer> | undefined
      const fetchInit: BunFetchRequestInit = { method: init.method ?? 'GET', headers: init.headers, body, signal, redirect: 'manual', decompress: true, ...(init.proxy ? { proxy: init.proxy } : {}) }
      try {
        return await fetch(url, fetchInit)
      } catch (error) {
        if (callerSignal?.aborted) throw abortError(callerSignal)
        const name = (error as Error).name
        if (name === 'TimeoutError' || name === 'AbortError') throw error
        throw new UpstreamHttpError((error as Error).message, (error as { code?: string }).code ?? 'ERR_FETCH', { cause: error })
      } finally {
        clearTimeout(headTimer)
      }
    },
    // Bun's fetch keeps one connection pool for the whole process: nothing of this client's own to close.
    close() {},
  }
}
