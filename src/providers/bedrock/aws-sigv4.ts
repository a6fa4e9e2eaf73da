import { createHash, createHmac } from 'node:crypto'

/**
 * AWS Signature Version 4 for one JSON POST/GET (what Bedrock Runtime needs). Synchronous on purpose: the
 * adaptor's buildRequest is synchronous, and node:crypto's HMAC is fast and in Bun's runtime already, so no
 * async WebCrypto dance (or the aws4fetch dependency) is needed.
 */
export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface SignInput {
  method: string
  url: string
  headers: Record<string, string>
  body: string
  region: string
  service: string
  credentials: AwsCredentials
  /** Signing time; defaults to now. */
  date?: Date
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex')
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest()
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Returns the headers to send: the input headers plus host, x-amz-date, (x-amz-security-token) and authorization. */
export function signAwsRequest(input: SignInput): Record<string, string> {
  const url = new URL(input.url)
  const date = input.date ?? new Date()
  const amzDate = date.toISOString().replace(/[:-]|\.\d{3}/g, '')
  const dateStamp = amzDate.slice(0, 8)

  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value
  headers.host = url.host
  headers['x-amz-date'] = amzDate
  if (input.credentials.sessionToken !== undefined) headers['x-amz-security-token'] = input.credentials.sessionToken

  const signedHeaderNames = Object.keys(headers).sort()
  const canonicalHeaders = signedHeaderNames.map((name) => `${name}:${headers[name].trim().replace(/\s+/g, ' ')}\n`).join('')
  const signedHeaders = signedHeaderNames.join(';')
  // Each path segment is encoded once more on top of its encoding on the wire (all services except S3): a model
  // id's ':' travels as %3A and is signed as %253A. Callers must therefore encode segments in the URL they pass.
  const canonicalPath = url.pathname.split('/').map(encodeRfc3986).join('/') || '/'
  const canonicalQuery = [...url.searchParams.entries()]
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort(([leftKey, leftValue], [rightKey, rightValue]) => (leftKey === rightKey ? (leftValue < rightValue ? -1 : 1) : leftKey < rightKey ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&')
  const canonicalRequest = [input.method.toUpperCase(), canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n')

  const scope = `${dateStamp}/${input.region}/${input.service}/aws4_request`
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n')
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${input.credentials.secretAccessKey}`, dateStamp), input.region), input.service), 'aws4_request')
  const signature = createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex')

  const result: Record<string, string> = { ...input.headers, host: headers.host, 'x-amz-date': amzDate }
  if (input.credentials.sessionToken !== undefined) result['x-amz-security-token'] = input.credentials.sessionToken
  result.authorization = `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`
  return result
}
