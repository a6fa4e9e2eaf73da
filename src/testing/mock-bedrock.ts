import { encodeEventStreamMessage } from '../providers/bedrock/aws-eventstream.ts'
import { signAwsRequest } from '../providers/bedrock/aws-sigv4.ts'

/**
 * What a local Bedrock needs to behave like AWS's: checking a request's SigV4 signature as AWS does (recomputed
 * from the signed headers, the path as sent and the body's hash, with the secret the mock knows), and framing an
 * InvokeModelWithResponseStream answer as AWS's API reference describes it: one eventstream `chunk` event per
 * model event, its payload `{"bytes": "<base64 of the event's JSON>"}`.
 */

/** Whether `authorization` is the SigV4 signature of this request for `secret` (service bedrock). */
export function hasValidSignature(request: Request, body: string, secret: string): boolean {
  const authorization = request.headers.get('authorization') ?? ''
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(authorization)
  const amzDate = request.headers.get('x-amz-date') ?? ''
  if (!match || !amzDate.startsWith(match[2]!)) return false
  const headers: Record<string, string> = {}
  for (const name of match[4]!.split(';')) {
    if (name === 'host' || name === 'x-amz-date' || name === 'x-amz-security-token') continue
    headers[name] = request.headers.get(name) ?? ''
  }
  const date = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`)
  const token = request.headers.get('x-amz-security-token') ?? undefined
  const expected = signAwsRequest({ method: request.method, url: request.url, headers, body, region: match[3]!, service: 'bedrock', credentials: { accessKeyId: match[1]!, secretAccessKey: secret, sessionToken: token }, date })
  return expected.authorization === authorization
}

/** Anthropic stream event payloads (recorded `data:` lines) framed as Bedrock's InvokeModelWithResponseStream sends them. */
export function frameInvokeStream(payloads: string[]): Uint8Array<ArrayBuffer> {
  const messages = payloads.map((payload) => encodeEventStreamMessage(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ bytes: Buffer.from(payload, 'utf8').toString('base64') }),
  ))
  const bytes = new Uint8Array(messages.reduce((total, message) => total + message.length, 0))
  let offset = 0
  for (const message of messages) {
    bytes.set(message, offset)
    offset += message.length
  }
  return bytes
}
