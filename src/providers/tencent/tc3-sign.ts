import { createHash, createHmac } from 'node:crypto'

/**
 * Tencent Cloud API signature v3 (TC3-HMAC-SHA256) for one JSON POST, exactly as Tencent publishes it
 * (https://www.tencentcloud.com/document/api/213/30654): a canonical request over the method, `/`, the empty query,
 * the `content-type` and `host` headers and the SHA-256 of the body; a string to sign with the timestamp and the
 * credential scope `{UTC date}/{service}/tc3_request`; a key derived from `TC3` + SecretKey through the date, the
 * service and `tc3_request`. Synchronous, like the SigV4 signer: node:crypto's HMAC is fast and buildRequest is
 * synchronous.
 */

export interface Tc3SignInput {
  secretId: string
  secretKey: string
  /** The product, the first label of its host (`hunyuan` for hunyuan.tencentcloudapi.com). */
  service: string
  /** The Host header as sent (with the port when it is not the default one). */
  host: string
  /** The Content-Type header as sent, byte for byte (Tencent compares it). */
  contentType: string
  body: string
  /** X-TC-Timestamp, unix seconds. */
  timestamp: number
}

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex')
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest()

/** The signed headers: the two Tencent requires, in the order the canonical request lists them. */
export const tc3SignedHeaders = 'content-type;host'

export function tc3CanonicalRequest(input: Pick<Tc3SignInput, 'host' | 'contentType' | 'body'>): string {
  return `POST\n/\n\ncontent-type:${input.contentType.trim().toLowerCase()}\nhost:${input.host.trim().toLowerCase()}\n\n${tc3SignedHeaders}\n${sha256Hex(input.body)}`
}

/** The UTC date of a unix timestamp, as the credential scope wants it (never the local date). */
export const tc3Date = (timestamp: number) => new Date(timestamp * 1000).toISOString().slice(0, 10)

export function tc3Signature(input: Omit<Tc3SignInput, 'secretId'>): string {
  const date = tc3Date(input.timestamp)
  const scope = `${date}/${input.service}/tc3_request`
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256Hex(tc3CanonicalRequest(input))}`
  const signingKey = hmac(hmac(hmac(`TC3${input.secretKey}`, date), input.service), 'tc3_request')
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex')
}

/** The Authorization header value. */
export function tc3Authorization(input: Tc3SignInput): string {
  const scope = `${tc3Date(input.timestamp)}/${input.service}/tc3_request`
  return `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=${tc3SignedHeaders}, Signature=${tc3Signature(input)}`
}
