import type { UpstreamTarget } from '../types.ts'
import { signAwsRequest } from './aws-sigv4.ts'
import { parseBedrockKey } from './convert-to-bedrock-messages.ts'

/**
 * One POST to Bedrock, as every Bedrock call is made: the channel's base URL or the regional host of `service`
 * (`bedrock-runtime` for chat and embeddings, `bedrock-agent-runtime` for rerank), then a Bedrock API key as a bearer
 * token or an AWS SigV4 signature over the whole body.
 */
export function signedBedrockPost(target: UpstreamTarget, host: 'bedrock-runtime' | 'bedrock-agent-runtime', path: string, body: string, accept = 'application/json'): { url: string; headers: Record<string, string>; body: string } {
  const key = parseBedrockKey(target.key)
  const base = target.baseUrl.length > 0 ? target.baseUrl.replace(/\/+$/, '') : `https://${host}.${key.region}.amazonaws.com`
  const url = `${base}${path}`
  const headers: Record<string, string> = { 'content-type': 'application/json', accept }
  if (key.apiKey !== undefined) return { url, headers: { ...headers, authorization: `Bearer ${key.apiKey}` }, body }
  return { url, headers: signAwsRequest({ method: 'POST', url, headers, body, region: key.region, service: 'bedrock', credentials: key.credentials! }), body }
}
