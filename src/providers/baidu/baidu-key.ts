import { ConversionError } from '../errors.ts'

/** A Baidu ERNIE (Qianfan v1) channel key, new-api's `APIKey|SecretKey`: the client id and secret of the token exchange. */
export interface BaiduKey {
  apiKey: string
  secretKey: string
}

/** What is wrong with a key as a Baidu key, or null when it has its two parts. */
export function baiduKeyProblem(text: string): string | null {
  const parts = text.trim().split('|')
  if (parts.length !== 2) return `expected APIKey|SecretKey (two parts separated by |), got ${parts.length} part${parts.length === 1 ? '' : 's'}`
  if (!parts[0]!.trim()) return 'the APIKey (first part) is empty'
  if (!parts[1]!.trim()) return 'the SecretKey (second part) is empty'
  return null
}

const parsed = new Map<string, BaiduKey>()

/**
 * The key, split once per distinct key text; the same object for the same text, so the token cache can hang off it.
 * Throws for an unusable key (one imported without the save-time check).
 */
export function parseBaiduKey(text: string): BaiduKey {
  const known = parsed.get(text)
  if (known) return known
  const problem = baiduKeyProblem(text)
  if (problem !== null) throw new ConversionError('channel:invalid_key', `Baidu ERNIE channel key: ${problem}`)
  const [apiKey, secretKey] = text.trim().split('|').map((part) => part.trim()) as [string, string]
  const key = { apiKey, secretKey }
  if (parsed.size >= 1024) parsed.clear()
  parsed.set(text, key)
  return key
}
