import { ConversionError } from '../errors.ts'

/**
 * A Vertex AI channel key: a Google service-account JSON (OAuth2 via a signed JWT), or, when the key is not JSON,
 * an API key for Vertex's express mode (Gemini models only, `?key=`).
 */

export interface VertexServiceAccount {
  kind: 'service-account'
  projectId: string
  clientEmail: string
  privateKey: string
  privateKeyId?: string
  /** Where the JWT is exchanged for an access token (Google's unless the key says otherwise). */
  tokenUri: string
}

export interface VertexApiKey {
  kind: 'api-key'
  apiKey: string
}

export type VertexKey = VertexServiceAccount | VertexApiKey

export const googleTokenUri = 'https://oauth2.googleapis.com/token'

/** The fields a service-account key must carry (what Google's own JSON download always has). */
const requiredFields = ['project_id', 'client_email', 'private_key'] as const

/**
 * What is wrong with a key as a Vertex key, or null when it is usable. A key that looks like JSON must be a
 * service account: the message names the first missing field, so the operator can tell a truncated paste.
 */
export function vertexKeyProblem(text: string): string | null {
  const trimmed = text.trim()
  if (trimmed.startsWith('[')) return 'a JSON array holds several keys: add them in batch or multi-key mode, one channel key each'
  if (!trimmed.startsWith('{')) return trimmed.length > 0 ? null : 'the key is empty'
  let parsed: unknown
  try { parsed = JSON.parse(trimmed) } catch (error) { return `the key looks like JSON but does not parse: ${(error as Error).message}` }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'the key must be a service-account JSON object'
  const account = parsed as Record<string, unknown>
  if (account.type !== undefined && account.type !== 'service_account') return `the key's "type" is "${String(account.type)}", not "service_account"`
  for (const field of requiredFields) {
    if (typeof account[field] !== 'string' || (account[field] as string).trim().length === 0) return `the service-account key has no "${field}"`
  }
  if (!String(account.private_key).includes('-----BEGIN PRIVATE KEY-----')) return 'the service-account "private_key" is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----)'
  if (account.token_uri !== undefined && (typeof account.token_uri !== 'string' || !/^https?:\/\/[^\s/]+/i.test(account.token_uri))) return 'the service-account "token_uri" is not an http(s) URL'
  return null
}

const parsedKeys = new Map<string, VertexKey>()

/** The key, parsed once per distinct key text (keys are few; the map is bounded anyway). Throws for an unusable key. */
export function parseVertexKey(text: string): VertexKey {
  const known = parsedKeys.get(text)
  if (known) return known
  const problem = vertexKeyProblem(text)
  // Saving a channel refuses such keys; one imported from another gateway fails its requests with the reason.
  if (problem !== null) throw new ConversionError('channel:invalid_key', `Vertex AI channel key: ${problem}`)
  const trimmed = text.trim()
  let key: VertexKey
  if (!trimmed.startsWith('{')) key = { kind: 'api-key', apiKey: trimmed }
  else {
    const account = JSON.parse(trimmed) as Record<string, string>
    key = {
      kind: 'service-account', projectId: account.project_id!, clientEmail: account.client_email!, privateKey: account.private_key!,
      privateKeyId: typeof account.private_key_id === 'string' ? account.private_key_id : undefined,
      tokenUri: typeof account.token_uri === 'string' && account.token_uri.length > 0 ? account.token_uri : googleTokenUri,
    }
  }
  if (parsedKeys.size >= 1024) parsedKeys.clear()
  parsedKeys.set(text, key)
  return key
}
