import { isRecord, parseJsonObject } from '../canonical.ts'
import type { ProviderAdaptor, UpstreamRequest, UpstreamTarget, WebSocketExchange } from '../types.ts'
import { joinUrl } from '../url.ts'
import { convertXunfeiResponse, readAggregatedUsage } from './convert-xunfei-response.ts'
import { convertToXunfeiRequest } from './convert-to-xunfei-request.ts'
import { parseXunfeiKey, signXunfeiUrl } from './xunfei-auth.ts'
import { mapXunfeiError, xunfeiStatus } from './xunfei-error.ts'
import { createXunfeiStreamParser } from './xunfei-stream-parser.ts'
import { xunfeiVersion } from './xunfei-versions.ts'

/** A frame's header, read once per frame by the transport (status and last-ness). */
const header = (frame: string) => {
  const parsed = parseJsonObject(frame)
  return parsed && isRecord(parsed.header) ? parsed.header : undefined
}

/**
 * The last frame's header says `"status":2`. Spark's `header` is a flat object (code, message, sid, status), so a
 * scan inside its braces answers without parsing every frame twice (the stream parser parses it anyway).
 */
const lastFrame = /"header"\s*:\s*\{[^}]*"status"\s*:\s*2\b/

/** Spark frames for the WebSocket transport: header.code 0 is an answer (read on the first frame only), status 2 the last. */
const streamed: WebSocketExchange = {
  aggregate: false,
  status: (frame) => xunfeiStatus(Number(header(frame)?.code ?? 500)),
  isLast: (frame) => lastFrame.test(frame),
}
const aggregated: WebSocketExchange = { ...streamed, aggregate: true }

/**
 * Xunfei Spark (type 18): chat over a WebSocket, one connection per request. The channel's base URL stays an
 * http(s) address like every channel's (default https://spark-api.xf-yun.com); the scheme becomes ws(s) here. The
 * version in `other` picks the path and domain, the key `APPID|APISecret|APIKey` signs the URL (xunfei-auth.ts).
 */
export const xunfeiAdaptor: ProviderAdaptor = {
  id: 'xunfei',
  format: 'xunfei',
  toUpstream: convertToXunfeiRequest,
  buildRequest(native: Record<string, unknown>, target: UpstreamTarget): UpstreamRequest {
    const endpoint = joinUrl(target.baseUrl.replace(/^http/i, 'ws'), xunfeiVersion(target.other, target.model).path)
    return { url: signXunfeiUrl(endpoint, parseXunfeiKey(target.key)), headers: {}, body: JSON.stringify(native), websocket: target.stream ? streamed : aggregated }
  },
  fromUpstream: (body, target) => convertXunfeiResponse(body, target.model),
  createStreamParser: () => createXunfeiStreamParser(),
  readUsage: readAggregatedUsage,
  mapError: mapXunfeiError,
}
