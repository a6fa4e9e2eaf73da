import { ConversionError } from '../errors.ts'

/** A Tencent Hunyuan channel key, new-api's `AppId|SecretId|SecretKey` (the API v3 signature uses the last two). */
export interface TencentKey {
  appId: string
  secretId: string
  secretKey: string
}

/** What is wrong with a key as a Tencent key, or null when it has its three parts. */
export function tencentKeyProblem(text: string): string | null {
  const parts = text.trim().split('|')
  if (parts.length !== 3) return `expected AppId|SecretId|SecretKey (three parts separated by |), got ${parts.length} part${parts.length === 1 ? '' : 's'}`
  const [appId, secretId, secretKey] = parts.map((part) => part.trim())
  if (!appId) return 'the AppId (first part) is empty'
  if (!secretId) return 'the SecretId (second part) is empty'
  if (!secretKey) return 'the SecretKey (third part) is empty'
  return null
}

const parsed = new Map<string, TencentKey>()

/** The key, split once per distinct key text; throws for an unusable key (one imported without the save-time check). */
export function parseTencentKey(text: string): TencentKey {
  const known = parsed.get(text)
  if (known) return known
  const problem = tencentKeyProblem(text)
  if (problem !== null) throw new ConversionError('channel:invalid_key', `Tencent Hunyuan channel key: ${problem}`)
  const [appId, secretId, secretKey] = text.trim().split('|').map((part) => part.trim()) as [string, string, string]
  const key = { appId, secretId, secretKey }
  if (parsed.size >= 1024) parsed.clear()
  parsed.set(text, key)
  return key
}
